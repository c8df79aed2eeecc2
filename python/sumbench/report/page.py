"""The self-contained HTML page, rendered with jinja2 (autoescaped) from the tables that
tables.py computed and the figures' SVG files, embedded inline (their text stays text, so
a figure scaled to a 700 px wide window stays readable). Nothing here computes a
statistic: it chooses words, units (units.py) and which sections have data; a section
without any is one line saying what to run to fill it."""

import datetime
import os
import re

from markupsafe import Markup, escape

from .templating import env
from .pyfunc_html import pyfunc_section
from .variants import interval_text
from .units import fmt_fraction, fmt_n, fmt_pct, fmt_ratio, fmt_seconds, fmt_value

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 margin:0 auto;max-width:1200px;padding:1em 1.5em 3em;color:#1a1a1a;line-height:1.45}
h1{margin-bottom:.1em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
h3{margin-top:1.6em}
.meta{color:#555;margin-top:0}
ul.answers{font-size:1.1em;list-style:none;padding-left:0}
ul.answers li{padding:.45em .8em;margin:.4em 0;background:#f3f6fa;border-left:5px solid #0072B2}
ul.answers li.marked{border-left-color:#D55E00}
ul.verdicts li{margin:.2em 0}
p.counts{color:#333}
p.missing{color:#555;border-left:3px solid #ccc;padding-left:.6em}
p.missing-figure{color:#555;font-style:italic}
figure{margin:1.2em 0;padding:.6em;border:1px solid #e3e3e3;border-radius:4px;background:#fff}
figure svg{display:block;margin:0 auto;width:100%;height:auto}
figcaption{font-size:.9em;color:#444;margin-top:.4em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
th,td{border:1px solid #d6d6d6;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.over td{background:#f6f6f6;color:#555}
.flag{color:#a33;font-weight:600}
.ok{color:#2a7a2a}
details{margin:.5em 0} summary{cursor:pointer;font-weight:600}
code,pre{font-family:"DejaVu Sans Mono",monospace;font-size:.85em}
pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;padding:.5em}
nav{display:flex;flex-wrap:wrap;gap:.2em 1em}
nav a{white-space:nowrap}
.tablewrap{margin:0}
td{overflow-wrap:anywhere}
table.medians{font-size:.8em}
"""

ONLOAD = """
window.addEventListener('load', function () {
  var figs = document.querySelectorAll('figure[data-figure]'), blank = 0;
  for (var i = 0; i < figs.length; i++) {
    var svg = figs[i].querySelector('svg'), box = svg ? svg.getBoundingClientRect() : null;
    if (!box || box.width < 50 || box.height < 50) { blank++; }
  }
  document.body.setAttribute('data-figures', String(figs.length));
  document.body.setAttribute('data-blank-figures', String(blank));
  document.body.setAttribute('data-report-ready', '1');
});
"""

METHOD = [
    "Start at the answer: one sentence per kernel, from the data, at the worker count the verdicts "
    "use (the largest count within the cores that every mode has). It names each mode in plain words "
    "(a hybrid layout with one thread per rank is MPI), says how many repetitions each median has, and "
    "marks any point that is no plain result: unstable (its cv stayed above the runner's threshold "
    "after reruns), above the ideal speedup (superlinear: noise, or another reference), or oversubscribed.",
    "Strong scaling: speedup S = T₁/Tₚ with T₁ the median serial time at the same n; efficiency S/p. "
    "Weak scaling: efficiency T₁/Tₚ and scaled speedup p·T₁/Tₚ. Each mode is relative to its "
    "catalogue's reference mode (CPython modes: cpython-serial).",
    "Figures: markers are medians over valid repetitions, whiskers the interquartile range; series at "
    "one x are offset a little so that none hides another; hollow markers and the grey region: "
    "oversubscribed (more workers than cores); a ring: unstable; a square: above the ideal.",
    "Curves of modes with lock variants (gil) use sumbench's default policy and switch interval when "
    "present; the others are in the GIL section and the medians table.",
    "Fits need a series measured at 3 or more worker counts within the cores; a serial fraction at a "
    "bound of the fit or below 0, and a negative Karp–Flatt e, are flagged, not explained away.",
    "Rows with status ≠ ok or valid = 0 are left out of every statistic and listed under Problems, "
    "with the unstable points; the counts at the top come from the same list.",
    "Units: times in s, ms and µs; speedups and ratios with ×; cv in %; n as 2^k or with k, M, G.",
]

LIBRARY_BUILD = ("Google Benchmark's own build. Debian's libbenchmark is built without NDEBUG (\"debug\"): "
                 "its internal checks are on. sumbench times every kernel itself (a steady clock "
                 "around the timed region, reported as manual time), so the times are unaffected; "
                 "sumbench's own build is the row \"build type\".")


def _svg(fig):
    """The figure's SVG, inline: XML prologue gone, sized by the page, with its alt text."""
    with open(fig.svg, encoding="utf-8") as fh:
        text = fh.read()
    text = text[text.index("<svg"):]
    w, _h = fig.pixel_size
    most = round(w / fig.dpi * 96 * 1.45)   # up to 1.45x its size in inches: readable, not huge
    head = text[:text.index(">") + 1]
    new = re.sub(r'\s(width|height)="[^"]*"', "", head)
    new = new.replace("<svg", f'<svg role="img" aria-label="{escape(fig.alt)}" '
                              f'style="max-width:{most}px"', 1)
    return Markup(new + f"<title>{escape(fig.alt)}</title>" + text[len(head):])


def _figure(fig):
    return {"name": os.path.basename(fig.png)[:-4], "title": fig.title, "caption": fig.caption,
            "xs": fig.xs, "svg": _svg(fig)}


def _t(headers, rows, num_cols=(), cls="", row_classes=None):
    return {"headers": headers, "rows": rows, "num_cols": set(num_cols), "cls": cls,
            "row_classes": row_classes}


def _flag(text):
    return {"text": text, "kind": "flag"} if text else ""


def _missing(id_, title, line, attrs=None):
    return {"id": id_, "title": title, "missing": line, "attrs": attrs}


def _table_section(id_, title, intro, records, head, cells, num_cols, multi, over=None):
    """A section of one table (its class is its id): a row of `cells(record)` per record,
    after a "run" column when the page shows several runs (`num_cols` count without it);
    `over`: the field that marks a record oversubscribed."""
    lead = ["run"] if multi else []
    rows = [([r["run"]] if multi else []) + cells(r) for r in records]
    classes = ["over" if r[over] else "" for r in records] if over else None
    return {"id": id_, "title": title, "intro": intro,
            "parts": [{"table": _t(lead + head, rows, num_cols=[c + len(lead) for c in num_cols], cls=id_,
                                   row_classes=classes)}]}


def _fits(t, multi):
    by_counts = {}
    for u in t.unfitted:
        by_counts.setdefault(", ".join(f"{c:g}" for c in u["counts"]) or "none",
                             []).append(f"{u['kernel']} {u['series']}")
    unfitted = [f"{len(names)} series at {counts} ({', '.join(names[:4])}{', …' if len(names) > 4 else ''})"
                for counts, names in by_counts.items()]
    need = ("A fit needs a series at 3 or more worker counts within the cores; run runners/sweep.py "
            "--workers 1,2,4,8 on a machine with that many cores (or --nodes 1,2,4 with "
            "slurm/submit_sweep.py) to fill this.")
    if not t.fits:
        return _missing("fits", "Serial fraction fits", need + (" Too few here: " + "; ".join(unfitted)
                                                                 + "." if unfitted else ""))

    def cells(r):
        fit = r["fit"]
        law = "Amdahl S = 1/(f + (1−f)/p)" if fit.law == "amdahl" else "Gustafson S = p − f(p−1)"
        return [r["kernel"], r["scaling"], r["series"], r["over"], law,
                f"{fit.f:.3f}" + (f" ± {fit.se:.3f}" if fit.se == fit.se else ""),
                str(fit.m), ", ".join(f"{v:g}" for v in fit.workers),
                _flag("; ".join(r["flags"] + (["self-relative"] if r["self_relative"] else [])))]
    intro = ["Nonlinear least squares (scipy.optimize.curve_fit) on the log of the per-repetition "
             "speedups (relative residuals) of the points with 1 < p ≤ cores, for series measured at "
             "3 or more worker counts within the cores. Strong scaling: Amdahl; weak scaling: "
             "Gustafson on the scaled speedup; over nodes: p = N/N₀ at a fixed layout per node. "
             "± is the standard error from curve_fit's covariance (s² = RSS/(m−1))."]
    if unfitted:
        intro.append("Not fitted, too few worker counts within the cores: " + "; ".join(unfitted) + ".")
    head = ["kernel", "scaling", "series", "over", "law", "serial fraction f ± SE", "obs.", "p", "flags"]
    return _table_section("fits", "Serial fraction fits", intro, t.fits, head, cells, (5, 6), multi)


def _karp_flatt(t, multi):
    kf = t.karp_flatt
    if not kf:
        return _missing("karp-flatt", "Karp–Flatt serial fraction",
                        "No point above 1 worker has a speedup: run runners/sweep.py --workers 1,2 to fill this.")

    def cells(r):
        return [r["kernel"], r["scaling"], r["series"], r["over"], str(r["nodes"]), str(r["workers"]),
                f"{r['p']:g}", fmt_ratio(r["speedup"]), fmt_fraction(r["e"], 3),
                _flag("; ".join((["oversubscribed"] if r["oversubscribed"] else []) +
                                (["unstable"] if r.get("unstable") else []) + r["flags"]))]
    head = ["kernel", "scaling", "series", "over", "nodes", "workers", "p", "speedup S", "Karp–Flatt e",
            "flags"]
    intro = ["e = (1/S − 1/p) / (1 − 1/p) from the median speedup S at p workers (weak scaling: the "
             "scaled speedup). A rising e with p points to overhead growing with p rather than a fixed "
             "serial part; a negative e is a speedup above p (superlinear, or noise)."]
    return _table_section("karp-flatt", "Karp–Flatt serial fraction", intro, kf, head, cells, range(4, 9),
                          multi, over="oversubscribed")


def _nodes(t, multi):
    if not t.nodes:
        return _missing("nodes", "Scaling over nodes", "No series at two or more node counts: run "
                        "slurm/submit_sweep.py --nodes 1,2,4 (or runners/sweep.py inside a multi-node "
                        "allocation) to fill this.")

    def cells(r):
        return [r["kernel"], r["scaling"], r["series"], str(r["nodes"]), str(r["ranks"]), str(r["workers"]),
                fmt_n(r["n"]), str(r["reps"]), fmt_seconds(r["median_s"]), fmt_seconds(r["min_s"]),
                fmt_seconds(r["max_s"]), str(r["base_nodes"]), fmt_ratio(r["speedup"]),
                fmt_fraction(r["efficiency"]), fmt_fraction(r["e"], 3), _flag(r["flags"])]
    head = ["kernel", "scaling", "series", "N", "ranks", "p", "n", "reps", "median", "min", "max", "N₀",
            "speedup", "efficiency", "Karp–Flatt e", "flags"]
    intro = ["Each series keeps its layout per node (R×T/node: R ranks of T threads on every node) and adds "
             "nodes; speedup and efficiency are against the series' fewest nodes N₀ (strong: T(N₀)/T(N); "
             "weak: N·T(N₀)/(N₀·T(N))). The core count of a point is its allocation's: nodes × cores per "
             "node. Also in tables/nodes.csv."]
    return _table_section("nodes", "Scaling over nodes", intro, t.nodes, head, cells, range(3, 15), multi,
                          over="oversubscribed")


def _medians(t, multi):
    def cells(r):
        return [
            r["kernel"], r["scaling"], r["mode"] + (f" ({r['interpreter']})" if r["interpreter"] else ""),
            str(r["ranks"]), str(r["threads"]), str(r["nodes"]), str(r["workers"]), fmt_n(r["n"]),
            r["gil_policy"], interval_text(r["switch_interval_s"], r["check_interval"]),
            *("" if r.get(c) is None else str(r[c]) for c in t.param_columns), str(r["reps"]),
            fmt_seconds(r["median_s"]),
            f"{fmt_seconds(r['q1_s'])} – {fmt_seconds(r['q3_s'])}" if r.get("q1_s") is not None else "—",
            f"{fmt_seconds(r['min_s'])} – {fmt_seconds(r['max_s'])}" if r["min_s"] is not None else "—",
            fmt_pct(r.get("cv")), fmt_ratio(r["speedup"]), fmt_fraction(r["efficiency"]),
            fmt_seconds(r["io_latency_s"]), _flag(r["flags"])]
    head = ["kernel", "scaling", "mode", "R", "T", "N", "p", "n", "policy", "interval", *t.param_columns,
            "reps", "median", "IQR", "min – max", "cv", "speedup", "efficiency", "I/O latency", "flags"]
    intro = ["Every point: time of the slowest rank, median, interquartile range and min–max over valid "
             "repetitions, and the repetitions' cv; speedup and efficiency as in the figures. Also in "
             "tables/medians.csv (seconds)."]
    return _table_section("medians", "Medians", intro, t.medians, head, cells,
                          range(3, 18 + len(t.param_columns)), multi, over="_over")


def _problems(runs, t):
    parts = []
    for run in runs:
        probs = t.problems[run.label]
        if not probs:
            parts.append({"paragraphs": [{"text": {"text": f"{run.label}: none (every point ok, valid and "
                                                           "stable).", "kind": "ok"}}]})
            continue
        parts.append({"paragraphs": [{"text": f"{run.label}: {len(probs)} point(s)."}],
                      "table": _t(["point_id", "source", "kernel", "mode", "workers", "problem", "detail"],
                                  [[{"text": p["point_id"], "kind": "code"}, p["source"], p["kernel"],
                                    p["mode"], "" if p["workers"] is None else str(p["workers"]),
                                    _flag("; ".join(p["reasons"])), p["detail"]] for p in probs],
                                  cls="problems")})
    return {"id": "problems", "title": "Failed, invalid and unstable points", "intro": [],
            "parts": parts, "attrs": {"data-problems": int(any(t.problems.values()))}}


def _count_text(c):
    def part(d):
        bits = [f"{d['ok']} ok"] + [f"{d[k]} {k}" for k in ("failed", "invalid") if d[k]]
        return ", ".join(bits) + (f"; {d['unstable']} unstable" if d["unstable"] else "; none unstable")
    by = "; ".join(f"{src}: {d['points']} ({part(d)})" for src, d in c["by_source"].items())
    return f"{c['points']} points: {part(c)}. By source: {by}."


def _fidelity(figs, summaries, multi):
    from .fidelity_html import fidelity_section
    return fidelity_section(figs, summaries, multi, _figure, _t, _flag, fmt_value, fmt_ratio)


def _context(ctx):
    from .context_html import context_view
    return context_view(ctx, _t, LIBRARY_BUILD)


def build_page(runs, figs, tables, missing=()):
    """The page of `runs`, from their figures and their computed tables; `missing`: the
    (section, line) of each figure left out for want of data."""
    multi = len(runs) > 1
    by_section, lost = {}, {}
    for f in figs:
        by_section.setdefault(f.section, []).append(f)
    for section, line in missing:
        lost.setdefault(section, []).append(line)
    sections = []
    pyfunc = pyfunc_section(tables.pyfunc, multi, [_figure(f) for f in by_section.pop("pyfunc", [])], _t, _flag)
    sections.append(pyfunc or _missing("pyfunc", "Your function", "No sumbench-py rows: run sumbench-py "
                                       "MODULE:FUNCTION --n N --out FOLDER to measure your own function under "
                                       "every concurrency model of every CPython found (it joins a sweep folder).",
                                       {"data-pyfunc": 0}))
    summary = by_section.pop("summary", [])
    sections.append({"id": "summary", "title": "Summary: the blog post's comparison", "intro": [],
                     "parts": [{"figures": [_figure(f) for f in summary]}]} if summary else
                    _missing("summary", "Summary", "No rows of a CPU-bound or I/O-bound kernel with a serial "
                             "reference: run runners/sweep.py with one of each (sumbench's own: --kernels "
                             "sum,sleep) to fill this."))
    gil, fidelity = by_section.pop("gil", []), by_section.pop("fidelity", [])
    lost_gil = lost.pop("gil", [])
    scaling = [{"heading": name, "figures": [_figure(f) for f in fl], "missing": lost.pop(name, [])}
               for name, fl in by_section.items()]
    scaling += [{"heading": name, "missing": lines} for name, lines in lost.items()]
    sections.append({"id": "scaling", "title": "Scaling per kernel", "intro": [], "parts": scaling}
                    if scaling else _missing("scaling", "Scaling per kernel", "No kernel at two worker "
                                             "counts: run runners/sweep.py --workers 1,2,4 to fill this."))
    sections.append({"id": "gil", "title": "GIL-like lock", "intro": [],
                     "parts": [{"figures": [_figure(f) for f in gil], "missing": lost_gil}]}
                    if gil else _missing("gil", "GIL-like lock", " ".join(lost_gil) or
                                         "No convoy rows and no gil rows of sum at 2 threads with several "
                                         "switch intervals: run runners/sweep.py --kernels sum,convoy --modes "
                                         "serial,omp,gil --workers 2 --switch-interval 1ms,5ms,20ms to fill this."))
    sections.append(_fidelity(fidelity, tables.fidelity, multi))
    sections += [_fits(tables, multi), _karp_flatt(tables, multi), _nodes(tables, multi),
                 _medians(tables, multi), _problems(runs, tables)]
    nav = [("answer", "Answer")] + [(s["id"], s["title"].split(":")[0].split(" (")[0])
                                    for s in sections if not s.get("missing")]
    nav += [("context", "Context"), ("method", "How to read")]
    labels = ", ".join(r.label for r in runs)
    counts = [dict(c, run=label, text=_count_text(c)) for label, c in tables.counts.items()]
    return env().get_template("report.html.j2").render(
        labels=labels, multi=multi, css=CSS, onload=ONLOAD, method=METHOD, nav=nav,
        now=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        answers=tables.answers, counts=counts, verdicts=tables.verdicts, sections=sections,
        contexts=[_context(c) for c in tables.contexts])
