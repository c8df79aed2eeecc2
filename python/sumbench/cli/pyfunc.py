"""sumbench-py (runners/pyfunc.py): your own Python function under every concurrency model
of every CPython found, written as sumbench results and a report.

usage: sumbench-py MODULE:FUNCTION --n N --out DIR [--workers 1,2,...] [--python LIST|all]
                   [--reduce MODULE:FUNCTION] [--models LIST] [--repetitions R] ...

The contract: FUNCTION(start, stop) returns the partial result of the slice [start, stop)
of range(0, N); the reducer (default: sum) combines the list of partials, in slice order.
Serial is FUNCTION(0, N) in the main thread; every model's combined result must equal it,
or its point is invalid. MODULE is found in the current folder or on PYTHONPATH, in every
interpreter measured (the measured code, sumbench/pyfunc/pyfunc_*.py, runs unchanged on
CPython 2.7 and 3.6+). A model an interpreter lacks is said, never an error: spawn and
the concurrent.futures pools on 2.7, subinterpreters with their own GIL before 3.12, a
free-threaded interpreter where none is installed.

Every point is one child process of the measured interpreter (killed with its process
tree after --timeout); its folder holds each repetition's phases (raw.json). DIR follows
docs/DESIGN.md's folder rules: new, empty, or a sumbench sweep folder, whose own results
then appear beside the function's in results.csv and the report (DIR/report).

Exit status: 0 every point ok; 1 a point failed, was invalid or timed out, or the report
could not be written; 2 bad input, found before anything is written (one line on stderr):
a module that does not import, a function that does not take (start, stop) or raises, a
reducer that fails, a bad value, an --out that is not ours; 3 runtime error (disk full,
I/O); 130/143 interrupted (the measured interpreter's process tree is killed).
"""

from __future__ import annotations

import os
import subprocess
import sys

from .. import folders, interpreters, paths
from ..errors import UsageError, run_main
from ..pyfunc import answer, config, orchestrate

PROG = "pyfunc.py"   # the installed link: sumbench-py (errors.prog_name)
PROBE_TIMEOUT_S = 10.0   # as the baseline's: CPython 2.7 to 3.13 answer in 0.013 to 0.040 s here


def check_report_dir(cfg: dict) -> None:
    report = cfg["report"]
    if report is None:
        return
    found = folders.kind_of(report)
    if found not in ("missing", "empty", "report"):
        raise UsageError(f"--report {report}: exists and does not hold a report of report.py; "
                         f"refusing to replace it (give --report NEWDIR or --no-report)")
    real = os.path.realpath(report)
    if real.startswith(os.path.join(os.path.realpath(cfg["out"]), "points") + os.sep):
        raise UsageError(f"--report {report} is inside the point folders of {cfg['out']}")


def print_answers(out_dir: str) -> list[str]:
    from ..report.analysis import RunAnalysis
    from ..report.data import load_sweep
    run = RunAnalysis(load_sweep(out_dir))
    lines = [a["line"] for a in answer.answers(run)]
    for line in lines:
        print(line, flush=True)
    return lines


def write_report(cfg: dict) -> int:
    proc = subprocess.run([sys.executable, paths.command("reports/report.py"), cfg["out"], "--out", cfg["report"]])
    if proc.returncode != 0:
        orchestrate.say(f"the report was not written (report.py exit status {proc.returncode}; its line is "
                        f"above); the results are in {os.path.join(cfg['out'], 'results.csv')}")
        return 1
    return 0


def body(argv) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    cfg = config.parse_args(argv)
    check_report_dir(cfg)
    everything = "all" in [item.strip() for item in (cfg["python"] or "").split(",")]
    chosen, notes = interpreters.select(cfg["python"] or sys.executable, timeout=PROBE_TIMEOUT_S)
    notes = [n for n in notes if "free-threaded" not in n]   # said in the run's own words
    orchestrate.say("interpreters: " + ", ".join(f"CPython {i.version} ({i.gil} GIL) {i.path}" for i in chosen))
    status = orchestrate.run(cfg, chosen, everything, argv, notes)
    print_answers(cfg["out"])
    if cfg["report"] is not None:
        status = max(status, write_report(cfg))
    return status


def main(argv=None) -> int:
    return run_main(PROG, body, argv)
