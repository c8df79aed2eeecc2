"""The CPython baseline: the blog post's experiment in the real CPython, as tidy rows.

  modes         its kernels and modes (the catalogue rows of source "cpython")
  config        its command line
  child         the code that runs inside the measured interpreter (standalone: only the
                standard library, no import from this package), one point per call
  orchestrate   runs the child once per point under the chosen interpreter and writes the
                sweep-style folder; runs on the orchestrating python3
"""
