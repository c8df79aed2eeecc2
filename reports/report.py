#!/usr/bin/env python3
"""sumbench report: figures, fits and one self-contained HTML page from sweep folders.

usage: report.py SWEEP_DIR [SWEEP_DIR ...] --out REPORT_DIR

Reads SWEEP_DIR/results.csv (schema_version 1, see docs/DESIGN.md) and, when
present, manifest.json, sweep.json and points/*/{status.json,raw.json,command.txt}.
Writes REPORT_DIR/index.html (images embedded), REPORT_DIR/figures/*.png|svg and
REPORT_DIR/tables/*.csv. The report is built in a temporary folder beside
REPORT_DIR and renamed at the end: a failure leaves no partial report.

Exit status: 0 report written; 2 usage error or unusable input (one line on stderr,
nothing written); 1 an unexpected failure while drawing (nothing written).

Needs matplotlib and numpy: started with a python3 that lacks them, it re-executes
itself with one that has them ($SUMBENCH_PYTHON, /usr/bin/python3, python3.X).
"""

import argparse
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from sbreport import interp  # noqa: E402  (standard library only)
from sbreport.data import InputError, load_sweeps  # noqa: E402

PROG = "report.py"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def parse_args(argv):
    parser = _Parser(prog=PROG, description="Figures, fits and an HTML page from one or "
                     "more sumbench sweep folders.")
    parser.add_argument("sweeps", nargs="+", metavar="SWEEP_DIR",
                        help="sweep folder(s) with results.csv; several compare runs")
    parser.add_argument("--out", required=True, metavar="REPORT_DIR",
                        help="report folder to create (replaced if it holds a report)")
    return parser.parse_args(argv)


def _check_out(out, sweeps):
    out = os.path.abspath(out)
    for s in sweeps:
        if out == s.path or s.path.startswith(out + os.sep):
            raise UsageError(f"--out {out} would replace the sweep folder {s.path}")
    if os.path.exists(out):
        if not os.path.isdir(out):
            raise UsageError(f"--out {out} exists and is not a folder")
        entries = os.listdir(out)
        if entries and "index.html" not in entries:
            raise UsageError(f"--out {out} exists and does not hold a report "
                             "(no index.html); refusing to replace it")
    return out


def build(sweeps, out):
    from sbreport import analysis, figures, page  # needs matplotlib/numpy

    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.tmp-", dir=parent)
    try:
        runs = [analysis.RunAnalysis(s) for s in sweeps]
        fig_dir = os.path.join(tmp, "figures")
        tables_dir = os.path.join(tmp, "tables")
        os.makedirs(tables_dir)
        figs = figures.all_figures(runs, fig_dir)
        text = page.build_page(runs, figs, tables_dir)
        with open(os.path.join(tmp, "index.html"), "w", encoding="utf-8") as fh:
            fh.write(text)
        import json
        with open(os.path.join(fig_dir, "figures.json"), "w", encoding="utf-8") as fh:
            json.dump([{"name": os.path.basename(f.png)[:-4], "title": f.title,
                        "png": os.path.relpath(f.png, tmp), "svg": os.path.relpath(f.svg, tmp),
                        "width_in": f.width_in, "height_in": f.height_in, "dpi": f.dpi,
                        "width_px": f.pixel_size[0], "height_px": f.pixel_size[1]}
                       for f in figs], fh, indent=1)
        os.chmod(tmp, 0o755)
        # Swap in: old report aside, new one in place, old one removed.
        old = None
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.old-", dir=parent)
            os.rename(out, os.path.join(old, "report"))
        os.rename(tmp, out)
        if old:
            shutil.rmtree(old, ignore_errors=True)
        return figs
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse_args(argv)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        print(f"usage: {PROG} SWEEP_DIR [SWEEP_DIR ...] --out REPORT_DIR", file=sys.stderr)
        return 2
    interp.ensure_plotting(__file__, argv, PROG)
    try:
        sweeps = load_sweeps(args.sweeps)
        out = _check_out(args.out, sweeps)
    except (InputError, UsageError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    try:
        figs = build(sweeps, out)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; no report written", file=sys.stderr)
        return 130
    except Exception as exc:  # an unexpected failure: say so, leave nothing behind
        import traceback
        traceback.print_exc()
        print(f"{PROG}: error: drawing the report failed ({type(exc).__name__}: {exc}); "
              "no report written", file=sys.stderr)
        return 1
    print(f"{PROG}: wrote {os.path.join(out, 'index.html')} ({len(figs)} figures, "
          f"{len(sweeps)} run(s): {', '.join(s.label for s in sweeps)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
