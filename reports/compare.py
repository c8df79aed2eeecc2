#!/usr/bin/env python3
"""Compare two sumbench runs point by point (like Google Benchmark's tools/compare.py).

usage: compare.py BASELINE_DIR CONTENDER_DIR [--threshold 0.05] [--alpha 0.05]
                  [--csv FILE] [--html FILE] [--all]

For every point both runs have (same kernel, mode, ranks, threads, n, scaling,
gil_policy, switch_interval_s): the ratio of median times contender/baseline and
a two-sided Mann-Whitney U test over the repetitions. A change is significant
when p < alpha; it counts when it is also larger than the threshold
(|ratio - 1| > threshold), in either direction.

Exit status: 0 no significant change beyond the threshold; 1 at least one;
2 usage error or unusable input (one line on stderr).
Standard library only: runs with any python3 >= 3.8.
"""

import argparse
import csv
import html
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from sbreport.analysis import build_points, fmt_interval  # noqa: E402
from sbreport.data import InputError, load_sweep  # noqa: E402
from sbreport.stats import mann_whitney_u  # noqa: E402

PROG = "compare.py"
COLUMNS = ["kernel", "mode", "ranks", "threads", "n", "scaling", "gil_policy",
           "switch_interval_s", "baseline_reps", "contender_reps", "baseline_median_s",
           "contender_median_s", "ratio", "change_pct", "p_value", "test", "significant",
           "exceeds_threshold", "direction"]


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


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
    p = _Parser(prog=PROG, description="Compare two sumbench sweep folders point by point.")
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


def _points(sweep):
    return {p.key: p for p in build_points(sweep) if p.times}


def compare(base_sweep, cont_sweep, threshold, alpha):
    base, cont = _points(base_sweep), _points(cont_sweep)
    shared = [k for k in base if k in cont]
    rows = []
    for key in shared:
        b, c = base[key], cont[key]
        ratio = c.median / b.median
        _u, p, method = mann_whitney_u(b.times, c.times)
        significant = p == p and p < alpha
        exceeds = significant and abs(ratio - 1.0) > threshold
        kernel, scaling, mode, ranks, threads, n, policy, interval, nodes = key
        rows.append({
            "kernel": kernel, "mode": mode, "ranks": ranks, "threads": threads, "nodes": nodes, "n": n,
            "scaling": scaling, "gil_policy": policy, "switch_interval_s": interval,
            "baseline_reps": b.reps, "contender_reps": c.reps,
            "baseline_median_s": b.median, "contender_median_s": c.median, "ratio": ratio,
            "change_pct": (ratio - 1.0) * 100.0, "p_value": p, "test": method,
            "significant": int(significant), "exceeds_threshold": int(exceeds),
            "direction": "slower" if ratio > 1 else ("faster" if ratio < 1 else "same")})
    only_base = len([k for k in base if k not in cont])
    only_cont = len([k for k in cont if k not in base])
    return rows, only_base, only_cont


def min_p(n1, n2):
    """Smallest two-sided p the exact U test can give with n1, n2 repetitions."""
    return min(1.0, 2.0 / math.comb(n1 + n2, n1)) if n1 and n2 else 1.0


def _fmt_row(r):
    interval = fmt_interval(r["switch_interval_s"]) if r["switch_interval_s"] is not None else ""
    return [r["kernel"], r["mode"], str(r["ranks"]), str(r["threads"]), str(r["n"]),
            r["scaling"], r["gil_policy"] or "", interval,
            f"{r['baseline_median_s']:.4g}", f"{r['contender_median_s']:.4g}",
            f"{r['ratio']:.3f}", f"{r['change_pct']:+.1f}%", f"{r['p_value']:.2g}",
            f"{r['baseline_reps']}/{r['contender_reps']}",
            ("SIGNIFICANT " + r["direction"]) if r["exceeds_threshold"] else
            ("significant, within threshold" if r["significant"] else "")]


HEAD = ["kernel", "mode", "R", "T", "n", "scaling", "policy", "interval", "base [s]",
        "contender [s]", "ratio", "change", "p", "reps", "verdict"]


def _print_table(rows, out):
    cells = [HEAD] + [_fmt_row(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEAD))]
    for i, line in enumerate(cells):
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() + "\n")
        if i == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def write_csv(path, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r[k] is None else r[k]) for k in COLUMNS})
    os.replace(tmp, path)


def write_html(path, rows, title, notes):
    esc = html.escape
    body = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>{esc(title)}</title><style>body{{font-family:sans-serif;margin:1.5em}}"
            "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.2em .5em}"
            "tr.exceeds td{background:#fde2d8}tr.sig td{background:#fff6d6}</style></head>"
            f"<body><h1>{esc(title)}</h1>"]
    body += [f"<p>{esc(n)}</p>" for n in notes]
    body.append("<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in HEAD)
                + "</tr></thead><tbody>")
    for r in rows:
        klass = "exceeds" if r["exceeds_threshold"] else ("sig" if r["significant"] else "")
        body.append(f"<tr class='{klass}'>" + "".join(f"<td>{esc(c)}</td>"
                                                      for c in _fmt_row(r)) + "</tr>")
    body.append("</tbody></table></body></html>\n")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("".join(body))
    os.replace(tmp, path)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse_args(argv)
        base = load_sweep(args.baseline)
        cont = load_sweep(args.contender)
    except (UsageError, InputError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        if isinstance(exc, UsageError):
            print(f"usage: {PROG} BASELINE_DIR CONTENDER_DIR [--threshold 0.05] "
                  "[--alpha 0.05] [--csv FILE] [--html FILE] [--all]", file=sys.stderr)
        return 2
    rows, only_base, only_cont = compare(base, cont, args.threshold, args.alpha)
    if not rows:
        print(f"{PROG}: error: the two runs share no measured point (same kernel, mode, "
              "ranks, threads, n, scaling, gil params)", file=sys.stderr)
        return 2
    rows.sort(key=lambda r: (-r["exceeds_threshold"], -r["significant"],
                             -abs(r["change_pct"])))
    base_label = base.run_id or base.folder_name
    cont_label = cont.run_id or cont.folder_name
    out = sys.stdout
    out.write(f"baseline:  {base_label} ({base.path})\n")
    out.write(f"contender: {cont_label} ({cont.path})\n")
    out.write(f"shared points: {len(rows)} (only in baseline: {only_base}, only in "
              f"contender: {only_cont}); threshold ±{args.threshold * 100:g}%, "
              f"alpha {args.alpha:g}, two-sided Mann-Whitney U\n")
    notes = []
    weak = [r for r in rows if min_p(r["baseline_reps"], r["contender_reps"]) >= args.alpha]
    if weak:
        need = next(k for k in range(2, 100) if min_p(k, k) < args.alpha)
        notes.append(f"note: {len(weak)} point(s) have too few repetitions for the U test to "
                     f"reach p < {args.alpha:g} (need at least {need} per run)")
    for n in notes:
        out.write(n + "\n")
    exceeding = [r for r in rows if r["exceeds_threshold"]]
    significant = [r for r in rows if r["significant"]]
    shown = rows if args.all else significant
    out.write(f"\nsignificant changes (p < {args.alpha:g}): {len(significant)}, beyond the "
              f"threshold: {len(exceeding)}\n")
    if shown:
        _print_table(shown, out)
    if args.csv:
        write_csv(args.csv, rows)
        out.write(f"wrote {args.csv}\n")
    if args.html:
        write_html(args.html, rows, f"sumbench: {cont_label} vs {base_label}",
                   [f"threshold ±{args.threshold * 100:g}%, alpha {args.alpha:g}"] + notes)
        out.write(f"wrote {args.html}\n")
    verdict = (f"FAIL: {len(exceeding)} significant change(s) beyond ±"
               f"{args.threshold * 100:g}%" if exceeding else
               "OK: no significant change beyond the threshold")
    out.write(verdict + "\n")
    return 1 if exceeding else 0


if __name__ == "__main__":
    sys.exit(main())
