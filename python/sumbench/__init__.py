"""sumbench's Python side: one package for the runners, the reports and the Slurm jobs.

Every name, column, rule and writer is defined once here, and sumbench's own catalogue
(``sumbench --list=json``) is the source of every kernel, mode and flag rule:

  errors        UsageError / InputError (one line, exit 2) and the one argparse subclass
  io            the one atomic writer (temp file, fsync, rename, the umask honoured)
  schema        results.csv: columns, types, version, migrations, reader and writer
  parse         value parsers with sumbench's rules (lists, layouts, sizes, intervals)
  catalogue     sumbench --list=json, the sweep folder's copy, and older folders' migration
  points        the point folder: file names and the one status.json writer and reader
  tidy_table    point folders -> results.csv rows (the tidy long table)
  machine       the machine-info keys of manifest.json and the run context
  interpreters  every CPython on PATH and under pyenv, with its GIL kind
  runner        sweep planning, launching, execution (runners/sweep.py)
  report        loading, analysis, tables, figures, HTML (reports/report.py, compare.py)
  slurm         job submission, the job's own records, combining (slurm/)
  baseline      the CPython baseline (runners/cpython_baseline.py): orchestration here,
                the measured code in baseline/child.py
  commands      the one table of commands, run by python/entry.py (every command is a link to it)
  cli           one main() per command
"""
