"""Two runs compared point by point (like Google Benchmark's tools/compare.py): the
ratio of median times and a two-sided Mann-Whitney U test over the repetitions
(scipy, through stats.py). A point whose repetitions cannot reach p < alpha at all is
inconclusive. reports/compare.py is the command (sumbench/cli/compare.py); its HTML is
rendered by jinja2 with autoescape (templates/compare.html.j2)."""

import csv
import io

from .analysis import build_points
from .stats import mann_whitney_u, min_p
from .units import fmt_n, fmt_seconds
from .variants import interval_text

COLUMNS = ["kernel", "mode", "ranks", "threads", "n", "scaling", "gil_policy",
           "switch_interval_s", "check_interval", "interpreter_version", "baseline_reps",
           "contender_reps",
           "baseline_median_s", "contender_median_s", "ratio", "change_pct", "p_value", "test", "significant",
           "exceeds_threshold", "direction", "inconclusive"]


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
            "interpreter_version": b.interpreter, **b.params,
            "baseline_reps": b.reps, "contender_reps": c.reps,
            "baseline_median_s": b.median, "contender_median_s": c.median, "ratio": ratio,
            "change_pct": (ratio - 1.0) * 100.0, "p_value": p, "test": method,
            "significant": int(significant), "exceeds_threshold": int(exceeds),
            "direction": "slower" if ratio > 1 else ("faster" if ratio < 1 else "same"),
            "inconclusive": int(min_p(b.reps, c.reps) >= alpha)})
    only_base = len([k for k in base if k not in cont])
    only_cont = len([k for k in cont if k not in base])
    return rows, only_base, only_cont


def param_columns(rows):
    """The modes' own parameter columns of compared rows (Point.params: the catalogue's
    beyond results.csv's), in their order: the table and the CSV show them after python."""
    fixed = set(COLUMNS) | {"nodes"}
    return list(dict.fromkeys(k for r in rows for k in r if k not in fixed))


def verdict(r):
    if r["exceeds_threshold"]:
        return "SIGNIFICANT " + r["direction"]
    if r["significant"]:
        return "significant, within threshold"
    return "INCONCLUSIVE (too few repetitions)" if r["inconclusive"] else ""


def _fmt_row(r, extra=()):
    interval = interval_text(r["switch_interval_s"], r["check_interval"])
    return [r["kernel"], r["mode"], str(r["ranks"]), str(r["threads"]), fmt_n(r["n"]),
            r["scaling"], r["gil_policy"] or "", interval, r["interpreter_version"] or "",
            *("" if r.get(c) is None else str(r[c]) for c in extra),
            fmt_seconds(r["baseline_median_s"], 4), fmt_seconds(r["contender_median_s"], 4),
            f"{r['ratio']:.3f}", f"{r['change_pct']:+.1f}%", f"{r['p_value']:.2g}",
            f"{r['baseline_reps']}/{r['contender_reps']}", verdict(r)]


HEAD = ["kernel", "mode", "R", "T", "n", "scaling", "policy", "interval", "python", "baseline",
        "contender", "ratio", "change", "p", "reps", "verdict"]


def _head(extra):
    at = HEAD.index("python") + 1
    return HEAD[:at] + list(extra) + HEAD[at:]


def print_table(rows, out):
    extra = param_columns(rows)
    cells = [_head(extra)] + [_fmt_row(r, extra) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]))]
    for i, line in enumerate(cells):
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() + "\n")
        if i == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def csv_text(rows):
    buf = io.StringIO()
    at = COLUMNS.index("interpreter_version") + 1
    columns = COLUMNS[:at] + param_columns(rows) + COLUMNS[at:]
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r[k]) for k in columns})
    return buf.getvalue()


def html_text(rows, title, notes):
    from .templating import env
    klass = ["exceeds" if r["exceeds_threshold"] else "sig" if r["significant"] else
             "inconclusive" if r["inconclusive"] else "" for r in rows]
    return env().get_template("compare.html.j2").render(
        title=title, notes=notes, head=_head(param_columns(rows)),
        rows=[_fmt_row(r, param_columns(rows)) for r in rows], classes=klass)
