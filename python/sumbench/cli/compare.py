"""reports/compare.py: compare two sumbench runs point by point.

usage: compare.py BASELINE_DIR CONTENDER_DIR [--threshold 0.05] [--alpha 0.05]
                  [--csv FILE] [--html FILE] [--all]

For every point both runs have (same kernel, mode, ranks, threads, n, scaling, policy
and switch interval of the modes that have them, and the CPython baseline's interpreter
version): the ratio of median times
contender/baseline and a two-sided Mann-Whitney U test over the repetitions. A change
is significant when p < alpha; it counts when it is also larger than the threshold
(|ratio - 1| > threshold), in either direction.

--csv and --html are checked before anything is written: never an input, a file inside
an input folder or any results folder (links followed), a folder, or each other.

A point whose repetitions cannot reach p < alpha at all (the exact test's smallest p, with
complete separation, is not below alpha: 2 repetitions per run give 1/3) is INCONCLUSIVE,
never "no change"; when every point is, so is the whole comparison.

Exit status: 0 no significant change beyond the threshold (the last line says OK, or
INCONCLUSIVE when the repetitions cannot tell); 1 at least one; 2 usage error or unusable
input, nothing written (one line on stderr); 3 a runtime error while writing --csv/--html
(disk full, I/O), no output and no temporary file left. Needs scipy and jinja2 (Debian:
python3-scipy python3-jinja2); a python without them re-executes with one that has them.
"""

import argparse
import math
import sys

from .. import folders
from ..errors import ArgParser, RuntimeFailure, UsageError, os_error_text, prog_name, run_main
from ..io import atomic_write_many
from ..report import interp, two_runs
from ..report.stats import reps_needed
from ..report.data import load_sweep

PROG = "compare.py"


def _fraction(name, low_open=False):
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r} is not a number") from None
        ok = (0 < value < 1) if low_open else (0 <= value < 10 and math.isfinite(value))
        if not ok:
            raise argparse.ArgumentTypeError(
                f"{name} {text!r} out of range ({'0 < alpha < 1' if low_open else '0 ≤ threshold < 10'})")
        return value
    return parse


def parse_args(argv):
    p = ArgParser(prog=PROG, description="Compare two sumbench sweep folders point by point.",
                  exits=((0, "no significant change beyond the threshold: OK, or INCONCLUSIVE when "
                             "the repetitions cannot reach significance"),
                         (1, "at least one significant change beyond the threshold")))
    p.add_argument("baseline", metavar="BASELINE_DIR")
    p.add_argument("contender", metavar="CONTENDER_DIR")
    p.add_argument("--threshold", type=_fraction("threshold"), default=0.05,
                   help="relative change that counts, e.g. 0.05 = 5%% (default 0.05)")
    p.add_argument("--alpha", type=_fraction("alpha", low_open=True), default=0.05,
                   help="significance level of the U test (default 0.05)")
    p.add_argument("--csv", metavar="FILE", help="write every shared point as CSV")
    p.add_argument("--html", metavar="FILE", help="write every shared point as an HTML page")
    p.add_argument("--all", action="store_true", help="print every shared point, not only "
                   "the significant changes")
    return p.parse_args(argv)


def check_outputs(args):
    """Every output checked before anything is read or written (folders.check_output_file)."""
    inputs = (args.baseline, args.contender)
    if args.csv:
        folders.check_output_file(args.csv, "--csv", inputs)
    if args.html:
        folders.check_output_file(args.html, "--html", inputs, others=[args.csv])


def write_outputs(outputs):
    """All outputs or none (io.atomic_write_many); a failure is a runtime error (3)."""
    try:
        atomic_write_many([(path, text.encode("utf-8")) for path, text in outputs])
    except OSError as e:
        raise RuntimeFailure(f"cannot write {os_error_text(e)}; nothing written") from None


def body(argv):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    interp.ensure(sys.argv[0], argv, prog_name(PROG), interp.COMPARE)
    check_outputs(args)
    base = load_sweep(args.baseline)
    cont = load_sweep(args.contender)
    rows, only_base, only_cont = two_runs.compare(base, cont, args.threshold, args.alpha)
    if not rows:
        raise UsageError("the two runs share no measured point (same kernel, mode, ranks, "
                         "threads, n, scaling, gil params)")
    rows.sort(key=lambda r: (-r["exceeds_threshold"], -r["significant"], -abs(r["change_pct"])))
    base_label = base.run_id or base.folder_name
    cont_label = cont.run_id or cont.folder_name
    out = sys.stdout
    out.write(f"baseline:  {base_label} ({base.path})\n")
    out.write(f"contender: {cont_label} ({cont.path})\n")
    out.write(f"shared points: {len(rows)} (only in baseline: {only_base}, only in "
              f"contender: {only_cont}); threshold ±{args.threshold * 100:g}%, "
              f"alpha {args.alpha:g}, two-sided Mann-Whitney U\n")
    notes = []
    weak = [r for r in rows if r["inconclusive"]]
    if weak:
        need = reps_needed(args.alpha)
        notes.append(f"note: {len(weak)} of {len(rows)} point(s) have too few repetitions for the U "
                     f"test to reach p < {args.alpha:g} at all: INCONCLUSIVE (need at least "
                     f"{need if need else 'more than 30'} per run)")
    for n in notes:
        out.write(n + "\n")
    exceeding = [r for r in rows if r["exceeds_threshold"]]
    significant = [r for r in rows if r["significant"]]
    shown = rows if args.all else significant
    out.write(f"\nsignificant changes (p < {args.alpha:g}): {len(significant)}, beyond the "
              f"threshold: {len(exceeding)}\n")
    if shown:
        two_runs.print_table(shown, out)
    outputs = []
    if args.csv:
        outputs.append((args.csv, two_runs.csv_text(rows)))
    if args.html:
        outputs.append((args.html, two_runs.html_text(
            rows, f"sumbench: {cont_label} vs {base_label}",
            [f"threshold ±{args.threshold * 100:g}%, alpha {args.alpha:g}"] + notes)))
    write_outputs(outputs)
    for path, _ in outputs:
        out.write(f"wrote {path}\n")
    if exceeding:
        verdict = f"FAIL: {len(exceeding)} significant change(s) beyond ±{args.threshold * 100:g}%"
    elif len(weak) == len(rows):
        verdict = (f"INCONCLUSIVE: the repetitions cannot reach p < {args.alpha:g} at any point; "
                   "no change can be found or ruled out")
    elif weak:
        verdict = (f"OK: no significant change beyond the threshold at the {len(rows) - len(weak)} "
                   f"points that can tell; INCONCLUSIVE at {len(weak)}")
    else:
        verdict = "OK: no significant change beyond the threshold"
    out.write(verdict + "\n")
    return 1 if exceeding else 0


def main(argv=None):
    return run_main(PROG, body, argv)
