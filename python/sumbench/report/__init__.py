"""The reports (reports/report.py, reports/compare.py): load sweep folders, analyse,
compute tables, draw figures, render HTML. Computing is kept apart from rendering.

  data      load and validate sweep folders, with their catalogue (stdlib only)
  stats     Mann-Whitney U, medians, quantiles (stdlib only)
  analysis  rows -> points and series, speedups, efficiencies, verdicts (stdlib only)
  tables    every table of the report, computed, and their CSV files (stdlib only)
  compare   two runs point by point (stdlib only)
  fits      Amdahl, Gustafson and Karp-Flatt (numpy)
  plotting  the figures' style (Okabe-Ito, markers, hollow = oversubscribed) and shared helpers
  figures   matplotlib figures (Agg): scaling and summary; node_figures, lock_figures and
            fidelity_figures the node-count, GIL and model-vs-real ones
  page      the self-contained HTML page, rendered from the tables and figures
  build     a report folder, written beside its place and swapped in
  interp    find a Python interpreter that has matplotlib (stdlib only)
"""
