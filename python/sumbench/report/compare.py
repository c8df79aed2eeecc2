"""Two runs compared point by point (like Google Benchmark's tools/compare.py): the
ratio of median times and a two-sided Mann-Whitney U test over the repetitions. Standard
library only; reports/compare.py is the command (sumbench/cli/compare.py)."""

import csv
import html
import io
import math

from .analysis import build_points
from .variants import interval_text
from .stats import mann_whitney_u

COLUMNS = ["kernel", "mode", "ranks", "threads", "n", "scaling", "gil_policy",
           "switch_interval_s", "check_interval", "interpreter_version", "baseline_reps",
           "contender_reps",
           "baseline_median_s", "contender_median_s", "ratio", "change_pct", "p_value", "test", "significant",
           "exceeds_threshold", "direction"]


def _points(sweep):
    """Points by their key: every parameter column (schema.PARAMETER_COLUMNS)."""
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
        rows.append({
            "kernel": b.kernel, "mode": b.mode, "ranks": b.ranks, "threads": b.threads,
            "nodes": b.nodes, "n": b.n, "scaling": b.scaling, "gil_policy": b.policy,
            "switch_interval_s": b.interval, "check_interval": b.check,
            "interpreter_version": b.interpreter,
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
    interval = interval_text(r["switch_interval_s"], r["check_interval"])
    return [r["kernel"], r["mode"], str(r["ranks"]), str(r["threads"]), str(r["n"]),
            r["scaling"], r["gil_policy"] or "", interval, r["interpreter_version"] or "",
            f"{r['baseline_median_s']:.4g}", f"{r['contender_median_s']:.4g}",
            f"{r['ratio']:.3f}", f"{r['change_pct']:+.1f}%", f"{r['p_value']:.2g}",
            f"{r['baseline_reps']}/{r['contender_reps']}",
            ("SIGNIFICANT " + r["direction"]) if r["exceeds_threshold"] else
            ("significant, within threshold" if r["significant"] else "")]


HEAD = ["kernel", "mode", "R", "T", "n", "scaling", "policy", "interval", "python", "base [s]",
        "contender [s]", "ratio", "change", "p", "reps", "verdict"]


def print_table(rows, out):
    cells = [HEAD] + [_fmt_row(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEAD))]
    for i, line in enumerate(cells):
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() + "\n")
        if i == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def csv_text(rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r[k] is None else r[k]) for k in COLUMNS})
    return buf.getvalue()


def html_text(rows, title, notes):
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
    return "".join(body)


