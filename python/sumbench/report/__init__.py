"""The reports (reports/report.py, reports/compare.py): load sweep folders, analyse,
compute tables, draw figures, render HTML. Computing is kept apart from rendering.

  data        load and validate sweep folders, with their catalogue (stdlib only)
  stats       medians and quartiles (the statistics module); the Mann-Whitney U test
              and its smallest p (scipy, imported when used)
  analysis    rows -> points and series, speedups, efficiencies (stdlib only)
  answer      the answer first: one plain sentence per kernel, marks of what is no plain
              result (stdlib only: the sweep and summary.py print it too)
  post_comparison  the blog post's comparison: the summary figure's kernels (the
              catalogue's summary kinds), modes and bars
  problems    failed, invalid and unstable points and the counts from the same list
  tables      every table of the report, computed, and their CSV files (stdlib only)
  two_runs    two runs point by point (scipy's U test; INCONCLUSIVE when it cannot tell)
  fits        Amdahl, Gustafson (scipy.optimize.curve_fit) and Karp-Flatt, with flags
  units       how numbers are written: 2^33, 7.2 M, ms/µs, ×, %
  plotting    the figures' style (Okabe-Ito, a distinct style per series, offsets, IQR
              whiskers, rings for unstable points, legends below) and shared helpers
  figures     matplotlib figures (Agg): scaling and summary; node_figures, lock_figures and
              fidelity_figures the node-count, GIL and model-vs-real ones
  templating  the jinja2 environment (autoescape) of templates/
  page        the self-contained HTML page (templates/report.html.j2), from the tables and
              figures; context_html and fidelity_html prepare two of its sections
  build       a report folder, written beside its place and swapped in
  interp      find a Python interpreter with matplotlib, numpy, scipy, jinja2 (stdlib only)
"""
