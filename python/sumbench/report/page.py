"""The self-contained HTML page (images as base64 data URIs), rendered from the tables
that tables.py computed. Nothing here computes a statistic."""

import base64
import datetime
import html
import math
import os

from .fidelity_page import fidelity_html
from .analysis import fmt_interval

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 margin:0 auto;max-width:1200px;padding:1em 1.5em 3em;color:#1a1a1a;line-height:1.45}
h1{margin-bottom:.1em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
h3{margin-top:1.6em}
.meta{color:#555;margin-top:0}
ul.verdicts{font-size:1.12em;list-style:none;padding-left:0}
ul.verdicts li{padding:.35em .7em;margin:.3em 0;background:#f3f6fa;border-left:4px solid #0072B2}
figure{margin:1.2em 0;padding:.6em;border:1px solid #e3e3e3;border-radius:4px;background:#fff}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
figcaption{font-size:.9em;color:#444;margin-top:.4em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
th,td{border:1px solid #d6d6d6;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f0f0f0;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.over td{background:#f6f6f6;color:#555}
.flag{color:#a33;font-weight:600}
.ok{color:#2a7a2a}
details{margin:.5em 0} summary{cursor:pointer;font-weight:600}
code,pre{font-family:"DejaVu Sans Mono",monospace;font-size:.85em}
pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;padding:.5em}
nav a{margin-right:1em}
.tablewrap{max-height:34em;overflow:auto}
table.medians{font-size:.8em} table.medians td{white-space:nowrap}
td.num{white-space:nowrap}
"""

ONLOAD = """
window.addEventListener('load', function () {
  var imgs = document.images, broken = 0;
  for (var i = 0; i < imgs.length; i++) {
    if (!imgs[i].complete || imgs[i].naturalWidth === 0) { broken++; }
  }
  document.body.setAttribute('data-images', String(imgs.length));
  document.body.setAttribute('data-broken-images', String(broken));
  document.body.setAttribute('data-report-ready', '1');
});
"""


def esc(value):
    return html.escape("" if value is None else str(value), quote=True)


def num(value, digits=4):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, int):
        return str(value)
    if value == 0:
        return "0"
    mag = abs(value)
    if mag >= 1e5 or mag < 1e-3:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}g}"


def table(headers, rows, num_cols=(), row_class=None, cls=""):
    out = [f'<div class="tablewrap"><table class="{esc(cls)}"><thead><tr>']
    out += [f"<th>{esc(h)}</th>" for h in headers]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        rc = row_class(i) if row_class else ""
        out.append(f'<tr class="{rc}">' if rc else "<tr>")
        for j, cell in enumerate(row):
            klass = ' class="num"' if j in num_cols else ""
            out.append(f"<td{klass}>{cell}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _figure_html(fig):
    with open(fig.png, "rb") as fh:
        data = base64.b64encode(fh.read()).decode("ascii")
    w, h = fig.pixel_size
    name = os.path.basename(fig.png)[:-4]
    return (f'<figure id="fig-{esc(name)}"><img src="data:image/png;base64,{data}" '
            f'alt="{esc(fig.title)}" width="{w}" height="{h}" data-figure="{esc(name)}">'
            f"<figcaption><b>{esc(fig.title)}.</b> {esc(fig.caption)} "
            f'Files: <a href="figures/{esc(name)}.svg">SVG</a>, '
            f'<a href="figures/{esc(name)}.png">PNG</a>.</figcaption></figure>')


ATTEMPT_COLUMNS = ("attempt", "started", "finished", "state", "cause", "reason", "node_list",
                   "batch_host", "log")


def slurm_jobs_html(jobs):
    """The Slurm jobs of a run: one row each, then each job's sbatch line, its attempts
    (a requeued job ran again: why each attempt ended, in Slurm's words) and its Slurm
    facts in full (slurm.json)."""
    heads = [k for k, _ in jobs[0]["row"]]
    out = [f"<p>Slurm jobs ({len(jobs)}): each job's sbatch line, attempts and facts "
           "below.</p>",
           table(heads, [[esc(v if v is not None else "") for _, v in j["row"]] for j in jobs],
                 cls="slurm-jobs")]
    for j in jobs:
        job = dict(j["row"]).get("job_id") or dict(j["row"]).get("name")
        out.append(f'<details class="slurm-job" data-job="{esc(job)}"><summary>job {esc(job)}: '
                   f"sbatch line, {len(j['attempts'])} attempt(s), Slurm facts</summary>")
        if j["command"]:
            out.append(f"<p>sbatch: <code>{esc(j['command'])}</code></p>")
        for what in ("reason", "note"):
            if j[what]:
                out.append(f"<p>{what}: {esc(j[what])}</p>")
        if j["attempts"]:
            out.append(table(list(ATTEMPT_COLUMNS),
                             [[esc(a.get(k) if a.get(k) is not None else "") for k in ATTEMPT_COLUMNS]
                              for a in j["attempts"]], cls="attempts"))
        if j["facts"]:
            out.append(table(["slurm.json", "value"],
                             [[f"<code>{esc(k)}</code>", esc(v)] for k, v in j["facts"]]))
        out.append("</details>")
    return "".join(out)


def context_html(ctx):
    out = [f"<h3>{esc(ctx['label'])}</h3>",
           f"<p>Folder: <code>{esc(ctx['path'])}</code>; run_id "
           f"<code>{esc(ctx['run_id'] or '—')}</code>; {ctx['rows']} result rows, "
           f"{ctx['points']} points; catalogue: {esc(ctx['catalogue'])}.</p>"]
    out.append(table(["machine and build", "value"], [[esc(k), esc(v)] for k, v in ctx["machine"]],
                     cls="machine"))
    if ctx["slurm_jobs"]:
        out.append(slurm_jobs_html(ctx["slurm_jobs"]))
    if ctx["command"]:
        out.append(f"<p>Sweep command: <code>{esc(ctx['command'])}</code></p>")
    point, line = ctx["point_command"]
    if line:
        out.append(f"<p>Command line of point <code>{esc(point)}</code>: <code>{esc(line)}</code></p>")
    for title, items in ctx["files"]:
        if items is None:
            out.append(f"<p>{esc(title.split(' (')[0])}: not present.</p>")
            continue
        out.append(f"<details><summary>{esc(title)}</summary>")
        out.append(table(["key", "value"], [[f"<code>{esc(k)}</code>", esc(v)] for k, v in items]))
        out.append("</details>")
    if ctx["commands"]:
        shown = ctx["commands"][:300]
        out.append(f"<details><summary>Command lines of the {len(ctx['commands'])} points"
                   "</summary><pre>")
        out.append("\n".join(f"{esc(pid)}: {esc(c)}" for pid, c in shown))
        if len(ctx["commands"]) > len(shown):
            out.append(f"\n… {len(ctx['commands']) - len(shown)} more")
        out.append("</pre></details>")
    if ctx["warnings"]:
        out.append("<p class='flag'>Unreadable point files:</p><ul>")
        out += [f"<li>{esc(w)}</li>" for w in ctx["warnings"]]
        out.append("</ul>")
    return "".join(out)


def nodes_html(rows):
    """The "Scaling over nodes" section (tables/nodes.csv)."""
    out = ['<section id="nodes"><h2>Scaling over nodes</h2><p>Each series keeps its '
           "layout per node (R×T/node: R ranks of T threads on every node) and adds nodes; "
           "speedup and efficiency are against the series' fewest nodes N₀ (strong: "
           "T(N₀)/T(N); weak: scaled speedup N·T(N₀)/(N₀·T(N))). The core count of a "
           "point is its allocation's: nodes × cores per node. Also in tables/nodes.csv."
           "</p>"]
    if not rows:
        out.append("<p>No series at two or more node counts.</p></section>")
        return "".join(out)
    out.append(table(
        ["run", "kernel", "scaling", "series", "N", "ranks", "p", "n", "reps", "median [s]",
         "min [s]", "max [s]", "N₀", "speedup", "efficiency", "Karp–Flatt e", "flags"],
        [[esc(r["run"]), esc(r["kernel"]), esc(r["scaling"]), esc(r["series"]),
          str(r["nodes"]), str(r["ranks"]), str(r["workers"]), esc(r["n"]), str(r["reps"]),
          num(r["median_s"]), num(r["min_s"]), num(r["max_s"]), str(r["base_nodes"]),
          num(r["speedup"], 3), num(r["efficiency"], 3), num(r["e"], 3),
          f'<span class="flag">{esc(r["flags"])}</span>' if r["flags"] else ""]
         for r in rows],
        num_cols=tuple(range(4, 16)), cls="nodes",
        row_class=lambda i: "over" if rows[i]["oversubscribed"] else ""))
    out.append("</section>")
    return "".join(out)


def build_page(runs, figs, tables):
    """The page of `runs`, from their figures and their computed tables."""
    multi = len(runs) > 1
    labels = ", ".join(r.label for r in runs)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = ["<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>sumbench report: {esc(labels)}</title><style>{CSS}</style></head>",
             "<body>",
             "<h1>sumbench report</h1>",
             f'<p class="meta">Runs: {esc(labels)} · generated {esc(now)} by '
             "reports/report.py</p>",
             '<nav><a href="#verdicts">Verdicts</a><a href="#summary">Summary</a>'
             '<a href="#scaling">Scaling</a><a href="#gil">GIL</a><a href="#fidelity">Model vs real</a>'
             '<a href="#fits">Fits</a>'
             '<a href="#karp-flatt">Karp–Flatt</a><a href="#nodes">Nodes</a>'
             '<a href="#medians">Medians</a>'
             '<a href="#problems">Problems</a><a href="#context">Context</a></nav>']
    # verdicts
    parts.append('<section id="verdicts"><h2>Verdicts</h2><ul class="verdicts">')
    for run in runs:
        cores = tables.cores[run.label]
        for v in (v for v in tables.verdicts if v["run"] == run.label):
            prefix = f"[{run.label}] " if multi else ""
            klass = "verdict nodes" if v.get("over") == "nodes" else "verdict"
            parts.append(f'<li class="{klass}" data-kernel="{esc(v["kernel"])}" '
                         f'data-run="{esc(run.label)}">{esc(prefix + v["line"])}</li>')
        parts.append(f'<!-- {esc(run.label)}: {esc(f"{cores} cores" if cores else "cores unknown")} -->')
    parts.append("</ul><p>Median speedup vs serial at the largest worker count ≤ the "
                 "core count that all modes of the kernel have, with each series' layout "
                 "(ranks × threads per rank, and its nodes when the run used several); "
                 "over nodes: from a series' fewest to its most nodes at a fixed layout "
                 "per node.</p></section>")
    # figures
    by_section = {}
    for f in figs:
        by_section.setdefault(f.section, []).append(f)
    parts.append('<section id="summary"><h2>Summary: the blog post\'s comparison</h2>')
    parts += [_figure_html(f) for f in by_section.pop("summary", [])] or \
        ["<p>No sum or sleep rows with a serial reference.</p>"]
    parts.append("</section>")
    gil = by_section.pop("gil", [])
    fidelity = by_section.pop("fidelity", [])
    parts.append('<section id="scaling"><h2>Scaling per kernel</h2>')
    for section, fl in by_section.items():
        parts.append(f"<h3>{esc(section)}</h3>")
        parts += [_figure_html(f) for f in fl]
    parts.append("</section>")
    parts.append('<section id="gil"><h2>GIL-like lock</h2>')
    parts += [_figure_html(f) for f in gil] or \
        ["<p>No convoy rows and no gil rows of sum at 2 threads with switch intervals.</p>"]
    parts.append("</section>")
    parts.append(fidelity_html(fidelity, tables.fidelity, multi))
    # fits
    rows = []
    for r in tables.fits:
        fit = r["fit"]
        law = "Amdahl S=1/(f+(1−f)/p)" if fit.law == "amdahl" else "Gustafson S=p−f(p−1)"
        rows.append([esc(r["run"]), esc(r["kernel"]), esc(r["scaling"]), esc(r["series"]),
                     esc(r["over"]), esc(r["nodes"]), esc(law), num(fit.f), num(fit.se),
                     str(fit.m), esc(", ".join(f"{v:g}" for v in fit.workers)),
                     "self-relative" if r["self_relative"] else ""])
    parts.append('<section id="fits"><h2>Serial fraction fits</h2>'
                 "<p>Nonlinear least squares on the log of the per-repetition speedups "
                 "(relative residuals) of the points with 1 &lt; p ≤ cores (oversubscribed "
                 "points left out). Strong scaling: Amdahl; weak scaling: Gustafson on the "
                 "scaled speedup. Over nodes: the same laws with p = N/N₀ at a fixed "
                 "layout per node (N₀: the series' fewest nodes). SE: linearised (Jacobian) "
                 "standard error, s² = RSS/(m−1); — when m = 1.</p>")
    parts.append(table(["run", "kernel", "scaling", "series", "over", "nodes", "law",
                        "serial fraction f", "SE(f)", "obs.", "p", "note"], rows,
                       num_cols=(7, 8, 9), cls="fits")
                 if rows else "<p>No series with points above 1 worker.</p>")
    parts.append("</section>")
    # Karp-Flatt
    kf = tables.karp_flatt
    parts.append('<section id="karp-flatt"><h2>Karp–Flatt serial fraction</h2>'
                 "<p>e = (1/S − 1/p) / (1 − 1/p) from the median speedup S at p workers "
                 "(weak scaling: from the scaled speedup). A rising e with p points to "
                 "overhead growing with p rather than a fixed serial part.</p>")
    parts.append(table(["run", "kernel", "scaling", "series", "over", "nodes", "workers",
                        "p", "speedup S", "Karp–Flatt e", ""],
                       [[esc(r["run"]), esc(r["kernel"]), esc(r["scaling"]),
                         esc(r["series"]), esc(r["over"]), str(r["nodes"]),
                         str(r["workers"]), f"{r['p']:g}", num(r["speedup"], 3),
                         num(r["e"], 3),
                         "oversubscribed" if r["oversubscribed"] else ""] for r in kf],
                       num_cols=(5, 6, 7, 8, 9), cls="karp-flatt",
                       row_class=lambda i: "over" if kf[i]["oversubscribed"] else "")
                 if kf else "<p>No points above 1 worker with a speedup.</p>")
    parts.append("</section>")
    parts.append(nodes_html(tables.nodes))
    # medians
    med = tables.medians
    parts.append('<section id="medians"><h2>Medians</h2><p>Every point: time of the '
                 "slowest rank, median and spread over valid repetitions; speedup and "
                 "efficiency as in the figures. Also in tables/medians.csv.</p>")
    parts.append(table(
        ["run", "kernel", "scaling", "mode", "R", "T", "N", "p", "n", "policy", "interval",
         "reps", "median [s]", "min [s]", "max [s]", "IQR [s]", "speedup", "efficiency",
         "I/O latency [s]", "flags"],
        [[esc(r["run"]), esc(r["kernel"]), esc(r["scaling"]),
          esc(r["mode"] + (f" ({r['interpreter']})" if r["interpreter"] else "")),
          str(r["ranks"]), str(r["threads"]), str(r["nodes"]), str(r["workers"]), esc(r["n"]),
          esc(r["gil_policy"]), esc(fmt_interval(r["switch_interval_s"])
                                    if r["switch_interval_s"] is not None else ""),
          str(r["reps"]), num(r["median_s"]), num(r["min_s"]), num(r["max_s"]),
          num(r["iqr_s"], 3), num(r["speedup"], 3), num(r["efficiency"], 3),
          num(r["io_latency_s"], 3),
          f'<span class="flag">{esc(r["flags"])}</span>' if r["flags"] else ""]
         for r in med],
        num_cols=(4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18), cls="medians",
        row_class=lambda i: "over" if med[i]["_over"] else ""))
    parts.append("</section>")
    # problems
    parts.append('<section id="problems"><h2>Failed, invalid and unstable points</h2>')
    any_prob = False
    for run in runs:
        probs = tables.problems[run.label]
        if not probs:
            parts.append(f'<p class="ok">{esc(run.label)}: none (every point ok, valid '
                         "and stable).</p>")
            continue
        any_prob = True
        parts.append(f"<p>{esc(run.label)}: {len(probs)} point(s).</p>")
        parts.append(table(["point_id", "kernel", "mode", "workers", "problem", "detail"],
                           [[f"<code>{esc(p['point_id'])}</code>", esc(p["kernel"]),
                             esc(p["mode"]), esc(p["workers"]),
                             f'<span class="flag">{esc("; ".join(p["reasons"]))}</span>',
                             esc(p["detail"])] for p in probs], cls="problems"))
    parts.append(f'<p data-problems="{1 if any_prob else 0}"></p></section>')
    # context
    parts.append('<section id="context"><h2>Machine and run context</h2>')
    parts += [context_html(ctx) for ctx in tables.contexts]
    parts.append("</section>")
    parts.append('<section id="method"><h2>Method</h2><ul>'
                 "<li>Strong scaling: speedup S = median serial time at the same n / median "
                 "time; efficiency S/p. Weak scaling: efficiency T₁/Tₚ and scaled speedup "
                 "p·T₁/Tₚ.</li><li>Each mode is relative to its catalogue's reference mode "
                 "(CPython modes: cpython-serial).</li>"
                 "<li>Curves of modes with lock variants (gil) in the scaling figures use "
                 "sumbench's default policy and switch interval when present; the others "
                 "are in the GIL section and the medians table.</li>"
                 "<li>Markers: median over valid repetitions; bars: min–max. Hollow markers "
                 "and the grey region: oversubscribed (more workers than cores).</li>"
                 "<li>Rows with status ≠ ok or valid = 0 are left out of every statistic.</li>"
                 "</ul></section>")
    parts.append(f"<script>{ONLOAD}</script></body></html>\n")
    return "".join(parts)
