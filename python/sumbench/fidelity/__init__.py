"""The fidelity experiment (issue 9): sumbench's gil policies against the real
interpreters they model, in one run, interleaved, on the same machine.

  figures      the figure table (cpu:K, convoy:C:I, handoff:I), which policy is judged
               against which interpreters, the targets and the verdict, the mechanisms
               that limit a figure (pure: no I/O)
  scorecard    tidy rows -> one summary row per figure: interpreter median and IQR,
               model median, ratio, verdict (used by the command and by the report)
  runs         running one figure: the child program in an interpreter, sumbench's gil
               mode as the model, legacy's calibration, the machine's load
  experiment   the interleaved run; writes its raw JSON and tidy rows into a point folder
               of a sweep-style folder, after every repetition (a stopped run resumes)
  text         the printed model-against-real table
The command is runners/fidelity.py (sumbench.cli.fidelity); the mechanisms and their
evidence are in docs/DESIGN.md, "GIL policies".
"""
