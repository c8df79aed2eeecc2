"""reports/summary.py (sumbench-summary): the median time, speedup and efficiency of every
point of sweep folders, without figures: the rows of the report's tables/medians.csv,
computed by the same code (sumbench.report.analysis), standard library only.

    summary.py SWEEP_DIR [SWEEP_DIR ...] [--out FILE] [--kernel K] [--mode M]
               [--workers W] [--scaling S] [--format csv|lines]

--format csv (the default) writes the CSV; --format lines writes one "column=value" line
per column and a blank line after each point, for tools that read values by pattern
(JUBE's analyser, jube/sumbench.yaml); --format answer writes the report's answer, one
plain sentence per kernel (sumbench.report.answer; the filters do not apply). Without
--out, to stdout; --out is written atomically and never inside a results folder.

Exit status: 0 written; 1 no point matches the filters (nothing written); 2 usage error
or an unusable folder; 3 an I/O error.
"""

from __future__ import annotations

import csv
import io
import sys

from .. import folders
from ..errors import ArgParser, RuntimeFailure, os_error_text, prog_name, run_main
from ..io import atomic_write_text
from ..report.analysis import RunAnalysis
from ..report.answer import answers
from ..report.data import load_sweeps
from ..report.tables import medians_columns, medians_rows, param_columns

PROG = "summary.py"
FORMATS = ("csv", "lines", "answer")


def parser() -> ArgParser:
    p = ArgParser(prog=PROG, description="Median time, speedup and efficiency of every point "
                  "of sumbench sweep folders, as CSV (the report's tables/medians.csv).",
                  exits=((0, "written"), (1, "no point matches the filters, nothing written")))
    p.add_argument("sweeps", nargs="+", metavar="SWEEP_DIR", help="sweep folder(s) with results.csv")
    p.add_argument("--out", metavar="FILE", help="file to write (default: stdout)")
    p.add_argument("--kernel", help="only this kernel")
    p.add_argument("--mode", help="only this mode")
    p.add_argument("--workers", type=int, metavar="W", help="only points of W workers (ranks x threads)")
    p.add_argument("--scaling", choices=("strong", "weak"), help="only this scaling")
    p.add_argument("--format", choices=FORMATS, default="csv",
                   help="csv (default); lines: column=value, a blank line after each point; answer: one "
           "sentence per kernel, as at the top of the report")
    return p


def select(rows: list[dict], args) -> list[dict]:
    wanted = {"kernel": args.kernel, "mode": args.mode, "workers": args.workers, "scaling": args.scaling}
    return [r for r in rows if all(v is None or r.get(k) == v for k, v in wanted.items())]


def _text(value) -> str:
    return "" if value is None else str(value)


def render(rows: list[dict], fmt: str, params=()) -> str:
    columns = medians_columns(params)   # with the modes' own parameters (the catalogue's)
    if fmt == "lines":
        return "".join("".join(f"{c}={_text(r.get(c))}\n" for c in columns) + "\n" for r in rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_text(r.get(c)) for c in columns])
    return buf.getvalue()


def body(argv) -> int:
    args = parser().parse_args(argv)
    if args.out:
        folders.check_output_file(args.out, "--out", inputs=args.sweeps)
    runs = [RunAnalysis(s) for s in load_sweeps(args.sweeps)]
    if args.format == "answer":
        text = "".join(("[" + a["run"] + "] " if len(runs) > 1 else "") + a["text"] + "\n"
                       for run in runs for a in answers(run))
        if not text:
            print(f"{prog_name(PROG)}: no kernel of {', '.join(args.sweeps)} has a serial reference "
                  "and a second worker count: no answer", file=sys.stderr)
            return 1
        return _emit(args, text)
    rows = select(medians_rows(runs), args)
    if not rows:
        print(f"{prog_name(PROG)}: no point of {', '.join(args.sweeps)} matches the filters", file=sys.stderr)
        return 1
    return _emit(args, render(rows, args.format, param_columns(runs)))


def _emit(args, text: str) -> int:
    if not args.out:
        sys.stdout.write(text)
        return 0
    try:
        atomic_write_text(args.out, text)
    except OSError as e:
        raise RuntimeFailure(f"cannot write --out {os_error_text(e)}; nothing written") from None
    return 0


def main(argv=None) -> int:
    return run_main(PROG, body, argv)
