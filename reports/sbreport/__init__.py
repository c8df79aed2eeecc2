"""sumbench reports: load sweep folders, fit scaling laws, draw figures, write HTML.

Modules:
  data      load and validate sweep folders (stdlib only)
  interp    find a Python interpreter that has matplotlib (stdlib only)
  stats     Mann-Whitney U test (stdlib only)
  analysis  group rows into points, speedups, efficiencies (stdlib only)
  fits      Amdahl, Gustafson and Karp-Flatt (numpy)
  figures   matplotlib figures (Agg)
  page      the self-contained HTML page
"""
