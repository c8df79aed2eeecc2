"""reports/report.py: figures, fits and one self-contained HTML page from sweep folders.

usage: report.py SWEEP_DIR [SWEEP_DIR ...] --out REPORT_DIR

Reads SWEEP_DIR/results.csv (docs/DESIGN.md) and, when present, catalogue.json,
manifest.json, sweep.json and points/*/{status.json,raw.json,command.txt}. Writes
REPORT_DIR/index.html (images embedded), REPORT_DIR/figures/*.png|svg and
REPORT_DIR/tables/*.csv, built beside REPORT_DIR and renamed at the end.

Exit status: 0 report written; 1 an unexpected failure while drawing (nothing written);
2 usage error or unusable input (one line on stderr, nothing written); 3 a runtime error
(disk full, I/O; nothing half-written left); 129/130/143 interrupted (docs/DESIGN.md).

Needs matplotlib, numpy, scipy and jinja2 (Debian: python3-matplotlib python3-scipy
python3-jinja2): started with a python3 that lacks them, it re-executes itself with one
that has them ($SUMBENCH_PYTHON, /usr/bin/python3, python3.X). It ends with the report's
answer, one sentence per kernel.
"""

import os
import sys
import traceback

from ..errors import ArgParser, Interrupted, RuntimeFailure, UsageError, prog_name, run_main, say_error
from ..report import interp
from ..report.build import build, check_out
from ..report.data import load_sweeps

PROG = "report.py"


def body(argv):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = ArgParser(prog=PROG, description="Figures, fits and an HTML page from one or "
                       "more sumbench sweep folders.",
                       exits=((0, "report written"), (1, "an unexpected failure while drawing "
                                                         "(nothing written)")))
    parser.add_argument("sweeps", nargs="+", metavar="SWEEP_DIR",
                        help="sweep folder(s) with results.csv; several compare runs")
    parser.add_argument("--out", required=True, metavar="REPORT_DIR",
                        help="report folder: new, empty, or one report.py made (its own "
                             "files are replaced, any other file is kept)")
    args = parser.parse_args(argv)
    interp.ensure(sys.argv[0], argv, prog_name(PROG), interp.REPORT)
    sweeps = load_sweeps(args.sweeps)
    out = check_out(args.out, sweeps)
    try:
        figs, computed = build(sweeps, out)
    except (UsageError, RuntimeFailure, OSError, Interrupted, KeyboardInterrupt):
        raise   # one line and its exit code (run_main); the temporary folder is gone
    except Exception as exc:  # a bug while drawing: say so in one line, leave nothing behind
        if os.environ.get("SUMBENCH_DEBUG"):
            traceback.print_exc()
        say_error(prog_name(PROG), f"drawing the report failed ({type(exc).__name__}: {exc}); no report "
                  "written (SUMBENCH_DEBUG=1 shows the traceback)")
        return 1
    print(f"{prog_name(PROG)}: wrote {os.path.join(out, 'index.html')} ({len(figs)} figures, "
          f"{len(sweeps)} run(s): {', '.join(s.label for s in sweeps)})")
    for a in computed.answers:
        print(("[" + a["run"] + "] " if len(sweeps) > 1 else "") + a["text"])
    return 0


def main(argv=None):
    return run_main(PROG, body, argv)
