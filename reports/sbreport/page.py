"""The self-contained HTML page (images as base64 data URIs) and the CSV tables."""

import base64
import csv
import datetime
import html
import json
import math
import os

from . import analysis
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


def flatten(obj, prefix="", limit=40):
    """[(dotted key, short text)] of a JSON value."""
    items = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            items += flatten(v, f"{prefix}.{k}" if prefix else str(k), limit)
    elif isinstance(obj, list) and all(not isinstance(v, (dict, list)) for v in obj):
        shown = ", ".join(str(v) for v in obj[:limit])
        if len(obj) > limit:
            shown += f", … ({len(obj) - limit} more)"
        items.append((prefix, shown))
    else:
        text = json.dumps(obj, ensure_ascii=False) if not isinstance(obj, str) else obj
        if len(text) > 400:
            text = text[:400] + " …"
        items.append((prefix, text))
    return items


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


MACHINE_KEYS = [
    ("host", ("host_name", "hostname", "hosts", "host")),
    ("CPU", ("cpu_model", "cpu", "model_name")),
    ("cores (logical CPUs)", ("num_cpus", "cpus", "cores", "ncpus", "cpu_count",
                              "logical_cpus")),
    ("MHz per CPU", ("mhz_per_cpu",)),
    ("MPI library", ("mpi_library", "mpi")),
    ("compiler", ("compiler",)),
    ("C++ flags", ("cxx_flags",)),
    ("build type", ("build_type", "library_build_type")),
    ("git commit", ("git_commit", "commit")),
    ("sumbench version", ("sumbench_version",)),
    ("OS", ("os", "os_release", "kernel")),
    ("OMP_PROC_BIND / OMP_PLACES", ("OMP_PROC_BIND",)),
    ("started", ("started", "date")),
    ("finished", ("finished",)),
]


def _lookup(sources, keys):
    for src in sources:
        if not isinstance(src, dict):
            continue
        stack = [src]
        while stack:
            d = stack.pop(0)
            for k in keys:
                if k in d and d[k] not in (None, "", []) and not isinstance(d[k], dict):
                    v = d[k]
                    return ", ".join(map(str, v)) if isinstance(v, list) else str(v)
            stack += [v for v in d.values() if isinstance(v, dict)]
    return None


def _sweep_command(obj, depth=0):
    """The sweep's command line from manifest.json / sweep.json, as a shell line."""
    import shlex
    if depth > 3:
        return None
    if isinstance(obj, dict):
        for key in ("argv", "command_line", "command"):
            value = obj.get(key)
            if isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
                line = shlex.join(value)
                return ("runners/sweep.py " + line) if value[0].startswith("-") else line
            if isinstance(value, str) and value:
                return value
        for value in obj.values():
            found = _sweep_command(value, depth + 1)
            if found:
                return found
    elif isinstance(obj, list):
        for value in reversed(obj):   # the latest run of a resumed sweep
            found = _sweep_command(value, depth + 1)
            if found:
                return found
    return None


def context_html(run):
    sw = run.sweep
    out = [f"<h3>{esc(run.label)}</h3>",
           f"<p>Folder: <code>{esc(sw.path)}</code>; run_id "
           f"<code>{esc(sw.run_id or '—')}</code>; {len(sw.rows)} result rows, "
           f"{len({r['point_id'] for r in sw.rows})} points.</p>"]
    rows = []
    for label, keys in MACHINE_KEYS:
        value = _lookup([sw.manifest, sw.context], keys)
        if label.startswith("OMP") and sw.context:
            value = f"{sw.context.get('OMP_PROC_BIND', '—')} / {sw.context.get('OMP_PLACES', '—')}"
        if label.startswith("cores") and run.cores:
            value = str(run.cores)
        if value is not None:
            rows.append([esc(label), esc(value)])
    out.append(table(["machine and build", "value"], rows, cls="machine"))
    cmd = _sweep_command(sw.manifest) or _sweep_command(sw.config)
    if cmd:
        out.append(f"<p>Sweep command: <code>{esc(cmd)}</code></p>")
    if sw.context:
        cl = sw.context.get("command_line")
        if cl:
            out.append(f"<p>Command line of point <code>{esc(sw.context_point)}</code>: "
                       f"<code>{esc(cl)}</code></p>")
    for title, obj in (("manifest.json", sw.manifest), ("sweep.json", sw.config),
                       (f"Google Benchmark context (points/{sw.context_point}/raw.json)",
                        sw.context)):
        if obj is None:
            out.append(f"<p>{esc(title.split(' (')[0])}: not present.</p>")
            continue
        out.append(f"<details><summary>{esc(title)}</summary>")
        out.append(table(["key", "value"], [[f"<code>{esc(k)}</code>", esc(v)]
                                            for k, v in flatten(obj)]))
        out.append("</details>")
    if sw.commands:
        items = list(sw.commands.items())
        shown = items[:300]
        out.append(f"<details><summary>Command lines of the {len(items)} points"
                   "</summary><pre>")
        out.append("\n".join(f"{esc(pid)}: {esc(c)}" for pid, c in shown))
        if len(items) > len(shown):
            out.append(f"\n… {len(items) - len(shown)} more")
        out.append("</pre></details>")
    if sw.warnings:
        out.append("<p class='flag'>Unreadable point files:</p><ul>")
        out += [f"<li>{esc(w)}</li>" for w in sw.warnings]
        out.append("</ul>")
    return "".join(out)


def medians_rows(runs):
    rows = []
    for run in runs:
        for p in sorted(run.points, key=lambda p: (analysis._kernel_rank(p.kernel), p.kernel,
                                                  p.scaling, analysis.mode_rank(p.mode),
                                                  p.policy, p.interval or 0, p.workers,
                                                  p.ranks, p.n or 0)):
            rows.append({"run": run.label, "kernel": p.kernel, "scaling": p.scaling,
                         "mode": p.mode, "ranks": p.ranks, "threads": p.threads,
                         "workers": p.workers, "n": p.n,
                         "gil_policy": p.policy or "", "switch_interval_s": p.interval,
                         "reps": p.reps, "median_s": p.median, "min_s": p.tmin,
                         "max_s": p.tmax, "iqr_s": (p.q3 - p.q1) if p.times else None,
                         "speedup": p.speedup, "efficiency": p.efficiency,
                         "io_latency_s": (analysis.median(p.latency) if p.latency else None),
                         "flags": ", ".join(p.flags()),
                         "_over": p.oversubscribed})
    return rows


def write_csv(path, rows, columns):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])


def build_page(runs, figs, tables_dir):
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
             '<a href="#scaling">Scaling</a><a href="#gil">GIL</a><a href="#fits">Fits</a>'
             '<a href="#karp-flatt">Karp–Flatt</a><a href="#medians">Medians</a>'
             '<a href="#problems">Problems</a><a href="#context">Context</a></nav>']
    # verdicts
    parts.append('<section id="verdicts"><h2>Verdicts</h2><ul class="verdicts">')
    for run in runs:
        cores = f"{run.cores} cores" if run.cores else "cores unknown"
        for kernel, scaling, line in analysis.verdicts(run):
            prefix = f"[{run.label}] " if multi else ""
            parts.append(f'<li class="verdict" data-kernel="{esc(kernel)}" '
                         f'data-run="{esc(run.label)}">{esc(prefix + line)}</li>')
        parts.append(f'<!-- {esc(run.label)}: {esc(cores)} -->')
    parts.append("</ul><p>Median speedup vs serial at the largest worker count ≤ the "
                 "core count that all modes of the kernel have.</p></section>")
    # figures
    by_section = {}
    for f in figs:
        by_section.setdefault(f.section, []).append(f)
    parts.append('<section id="summary"><h2>Summary: the blog post\'s comparison</h2>')
    parts += [_figure_html(f) for f in by_section.pop("summary", [])] or \
        ["<p>No sum or sleep rows with a serial reference.</p>"]
    parts.append("</section>")
    gil = by_section.pop("gil", [])
    parts.append('<section id="scaling"><h2>Scaling per kernel</h2>')
    for section, fl in by_section.items():
        parts.append(f"<h3>{esc(section)}</h3>")
        parts += [_figure_html(f) for f in fl]
    parts.append("</section>")
    parts.append('<section id="gil"><h2>GIL-like lock</h2>')
    parts += [_figure_html(f) for f in gil] or \
        ["<p>No convoy rows and no gil rows of sum at 2 threads with switch intervals.</p>"]
    parts.append("</section>")
    # fits
    fit_rows = [r for run in runs for r in analysis.fit_rows(run)]
    rows, csv_rows = [], []
    for r in fit_rows:
        fit = r["fit"]
        law = "Amdahl S=1/(f+(1−f)/p)" if fit.law == "amdahl" else "Gustafson S=p−f(p−1)"
        rows.append([esc(r["run"]), esc(r["kernel"]), esc(r["scaling"]), esc(r["series"]),
                     esc(law), num(fit.f), num(fit.se), str(fit.m),
                     esc(", ".join(map(str, fit.workers))),
                     "self-relative" if r["self_relative"] else ""])
        csv_rows.append({"run": r["run"], "kernel": r["kernel"], "scaling": r["scaling"],
                         "series": r["series"], "law": fit.law, "f": fit.f, "se": fit.se,
                         "observations": fit.m, "rss": fit.rss,
                         "workers": " ".join(map(str, fit.workers))})
    write_csv(os.path.join(tables_dir, "fits.csv"), csv_rows,
              ["run", "kernel", "scaling", "series", "law", "f", "se", "observations", "rss",
               "workers"])
    parts.append('<section id="fits"><h2>Serial fraction fits</h2>'
                 "<p>Nonlinear least squares on the log of the per-repetition speedups "
                 "(relative residuals) of the points with 1 &lt; p ≤ cores (oversubscribed "
                 "points left out). Strong scaling: Amdahl; weak scaling: Gustafson on the "
                 "scaled speedup. SE: linearised (Jacobian) standard error, "
                 "s² = RSS/(m−1); — when m = 1.</p>")
    parts.append(table(["run", "kernel", "scaling", "series", "law", "serial fraction f",
                        "SE(f)", "obs.", "workers", "note"], rows, num_cols=(5, 6, 7),
                       cls="fits") if rows else "<p>No series with points above 1 worker.</p>")
    parts.append("</section>")
    # Karp-Flatt
    kf = [r for run in runs for r in analysis.karp_flatt_rows(run)]
    write_csv(os.path.join(tables_dir, "karp_flatt.csv"), kf,
              ["run", "kernel", "scaling", "series", "workers", "speedup", "e",
               "oversubscribed"])
    parts.append('<section id="karp-flatt"><h2>Karp–Flatt serial fraction</h2>'
                 "<p>e = (1/S − 1/p) / (1 − 1/p) from the median speedup S at p workers "
                 "(weak scaling: from the scaled speedup). A rising e with p points to "
                 "overhead growing with p rather than a fixed serial part.</p>")
    parts.append(table(["run", "kernel", "scaling", "series", "workers p", "speedup S",
                        "Karp–Flatt e", ""],
                       [[esc(r["run"]), esc(r["kernel"]), esc(r["scaling"]),
                         esc(r["series"]), str(r["workers"]), num(r["speedup"], 3),
                         num(r["e"], 3),
                         "oversubscribed" if r["oversubscribed"] else ""] for r in kf],
                       num_cols=(4, 5, 6), cls="karp-flatt",
                       row_class=lambda i: "over" if kf[i]["oversubscribed"] else "")
                 if kf else "<p>No points above 1 worker with a speedup.</p>")
    parts.append("</section>")
    # medians
    med = medians_rows(runs)
    cols = ["run", "kernel", "scaling", "mode", "ranks", "threads", "workers", "n",
            "gil_policy", "switch_interval_s", "reps", "median_s", "min_s", "max_s", "iqr_s",
            "speedup", "efficiency", "io_latency_s", "flags"]
    write_csv(os.path.join(tables_dir, "medians.csv"), med, cols)
    parts.append('<section id="medians"><h2>Medians</h2><p>Every point: time of the '
                 "slowest rank, median and spread over valid repetitions; speedup and "
                 "efficiency as in the figures. Also in tables/medians.csv.</p>")
    parts.append(table(
        ["run", "kernel", "scaling", "mode", "R", "T", "p", "n", "policy", "interval",
         "reps", "median [s]", "min [s]", "max [s]", "IQR [s]", "speedup", "efficiency",
         "I/O latency [s]", "flags"],
        [[esc(r["run"]), esc(r["kernel"]), esc(r["scaling"]), esc(r["mode"]),
          str(r["ranks"]), str(r["threads"]), str(r["workers"]), esc(r["n"]),
          esc(r["gil_policy"]), esc(fmt_interval(r["switch_interval_s"])
                                    if r["switch_interval_s"] is not None else ""),
          str(r["reps"]), num(r["median_s"]), num(r["min_s"]), num(r["max_s"]),
          num(r["iqr_s"], 3), num(r["speedup"], 3), num(r["efficiency"], 3),
          num(r["io_latency_s"], 3),
          f'<span class="flag">{esc(r["flags"])}</span>' if r["flags"] else ""]
         for r in med],
        num_cols=(4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17), cls="medians",
        row_class=lambda i: "over" if med[i]["_over"] else ""))
    parts.append("</section>")
    # problems
    parts.append('<section id="problems"><h2>Failed, invalid and unstable points</h2>')
    prob_csv = []
    any_prob = False
    for run in runs:
        probs = analysis.problem_rows(run.sweep)
        for p in probs:
            prob_csv.append(dict(p, run=run.label, reasons="; ".join(p["reasons"])))
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
    write_csv(os.path.join(tables_dir, "problems.csv"), prob_csv,
              ["run", "point_id", "kernel", "mode", "workers", "reasons", "detail"])
    parts.append(f'<p data-problems="{1 if any_prob else 0}"></p></section>')
    # context
    parts.append('<section id="context"><h2>Machine and run context</h2>')
    parts += [context_html(run) for run in runs]
    parts.append("</section>")
    parts.append('<section id="method"><h2>Method</h2><ul>'
                 "<li>Strong scaling: speedup S = median serial time at the same n / median "
                 "time; efficiency S/p. Weak scaling: efficiency T₁/Tₚ and scaled speedup "
                 "p·T₁/Tₚ.</li><li>CPython modes are relative to cpython-serial.</li>"
                 "<li>gil curves in the scaling figures use policy cpython at the default "
                 "switch interval (5 ms) when present; other policies and intervals are in "
                 "the GIL section and the medians table.</li>"
                 "<li>Markers: median over valid repetitions; bars: min–max. Hollow markers "
                 "and the grey region: oversubscribed (more workers than cores).</li>"
                 "<li>Rows with status ≠ ok or valid = 0 are left out of every statistic.</li>"
                 "</ul></section>")
    parts.append(f"<script>{ONLOAD}</script></body></html>\n")
    return "".join(parts)
