"""sumbench-py: a user's Python function under every concurrency model of every CPython.

  modes         its modes (catalogue rows of source "pyfunc")
  config        its command line
  pyfunc_child, the code that runs inside the measured interpreter (standalone: only the
  pyfunc_models, standard library, no import from this package, CPython 2.7 and 3.6+),
  pyfunc_workers one check or one point per call
  orchestrate   checks the function in every interpreter, runs the points; record writes
                their folders, results.csv rows and pyfunc.json
  answer        the answer sentence and the cost of every phase (terminal and report)
"""
