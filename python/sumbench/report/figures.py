"""Matplotlib figures (Agg) for the report: the scaling figures and the summary; the style
and shared helpers are in plotting.py, the node, lock and fidelity figures in their own
modules. A figure that would show fewer than 2 x values is not drawn: `missing` gets one
line saying what to run to fill it."""

import os

# plotting first: it selects matplotlib's Agg backend before pyplot is imported.
from .plotting import (DPI, Figure, RC, REF, draw_marks, label_line, _legend, _log_y,
                       mode_hatch, mode_style, _new_figure, offsets, plot_series, _save,
                       series_styles, _shade_oversub, _slug, suptitle, _worker_axis)

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from . import post_comparison, variants  # noqa: E402
from .answer import marks, plain_name, series_label  # noqa: E402
from .units import fmt_n, fmt_seconds  # noqa: E402

SOURCE_TITLES = {"sumbench": "sumbench (C++)", "cpython": "CPython (the post's loop)"}


def _rows(series, kind):
    out = []
    for p in series.points:
        if kind == "time":
            v = (p.median, p.q1, p.q3)
        else:
            lo, hi = p.speedup_iqr
            d = 1.0 if kind == "speedup" else p.workers
            v = (None, None, None) if p.speedup is None else (p.speedup / d, lo / d, hi / d)
        out.append((p.workers, *v, p.beyond_cores, p))
    return out


def _panels(runs, kernel, scaling, kind):
    """(run, series list, title) per panel: one per run; time: one per run and source,
    since C++ and CPython run sizes that differ by orders of magnitude."""
    out = []
    for run in runs:
        series = run.groups.get((kernel, scaling)) or []
        if kind != "time":
            out.append((run, series, run.label if len(runs) > 1 else ""))
            continue
        sources = []
        for s in series:
            src = run.cat.mode(s.mode).get("source", "sumbench")
            if src not in sources:
                sources.append(src)
        for src in sources:
            part = [s for s in series if run.cat.mode(s.mode).get("source", "sumbench") == src]
            ns = sorted({p.n for s in part for p in s.points if p.n})
            title = SOURCE_TITLES.get(src, src) + (f", n = {fmt_n(ns[0])}" if len(ns) == 1 else "")
            out.append((run, part, (f"{run.label}: " if len(runs) > 1 else "") + title))
    return out


def scaling_figure(runs, kernel, scaling, kind, outdir, missing):
    """time / speedup / efficiency against workers for one kernel: one panel per run (time:
    per run and source). None, with a line in `missing`, below 2 worker counts."""
    panels = [(r, s, t) for r, s, t in _panels(runs, kernel, scaling, kind)
              if any(not r.cat.is_reference(x.mode) for x in s)]
    xs = sorted({p.workers for r, ss, _t in panels for s in ss for p in s.points if p.median})
    if len(xs) < 2:
        if kind == "time" and panels:
            missing.append((f"{kernel} ({scaling})", f"{kernel}, {scaling} scaling: measured at "
                            f"{len(xs)} worker count only ({', '.join(map(str, xs))}); run "
                            f"runners/sweep.py --kernels {kernel} --workers 1,2,4 to draw its "
                            "scaling curves"))
        return None
    stacked = len(runs) == 1 and len(panels) > 1
    fig, axes = _new_figure(1 if stacked else len(panels), sharey=kind != "time",
                            nrows=len(panels) if stacked else 1, height=3.3 if stacked else 3.9)
    handles = {}
    weak = scaling == "weak"
    self_rel = rate = False
    for ax, (run, series, ptitle) in zip(axes, panels):
        styles = series_styles(run.cat, run.groups.get((kernel, scaling)) or series)  # one per figure
        workers = []
        for s, off in zip(series, offsets(len(series))):
            workers += plot_series(ax, styles[id(s)], series_label(run.cat, s), _rows(s, kind), handles, off)
            if kind == "time" and run.cat.is_reference(s.mode) and s.points and s.points[0].median:
                t1 = s.points[0].median
                ax.axhline(t1, color=styles[id(s)]["color"], lw=0.9, alpha=0.55, zorder=1)
                handles["_ref_serial"] = Line2D([], [], color="0.3", lw=0.9, alpha=0.55,
                                                label="thin line: the serial time T₁")
            self_rel |= any(p.baseline_kind == "self" for p in s.points)
            rate |= any(p.baseline_kind == "rate" for p in s.points)
        workers = workers or [1]
        _worker_axis(ax, workers)
        _shade_oversub(ax, run, workers, handles)
        hi_w = max(workers) * 1.35
        if run.cores and min(workers) <= run.cores <= max(workers):
            ax.axvline(run.cores, color="0.45", lw=0.9, linestyle="--", zorder=1)
            what = "cores of the largest allocation" if run.multi_node else "cores"
            handles["oversub_cores"] = Line2D([], [], color="0.45", lw=0.9, linestyle="--",
                                              label=f"dashed vertical: {run.cores} {what}")
        if kind == "time":
            _log_y(ax)
            ax.set_ylabel("wall time, slowest rank [s] (log)")
            for s in series:
                if run.cat.is_reference(s.mode) and s.points and s.points[0].median:
                    label_line(ax, hi_w, s.points[0].median, f"serial {fmt_seconds(s.points[0].median)}")
        elif kind == "speedup":
            ax.plot([1 / 1.35, hi_w], [1 / 1.35, hi_w], **REF)
            label_line(ax, hi_w / 1.05, hi_w / 1.05, "ideal S = p")
            handles["_ref_ideal"] = Line2D([], [], label="dashed diagonal: ideal, S = p", **REF)
            _log_y(ax, base=2)
            ax.set_ylabel(("scaled speedup p·T₁/Tₚ" if weak else "speedup T₁/Tₚ") + " [×] (log)")
        else:
            ax.axhline(1.0, **REF)
            label_line(ax, hi_w, 1.0, "ideal E = 1")
            handles["_ref_ideal"] = Line2D([], [], label="dashed: ideal, E = 1", **REF)
            ax.set_ylabel("weak-scaling efficiency T₁/Tₚ" if weak else "parallel efficiency S/p")
        if run.cores and min(workers) <= run.cores <= max(workers):
            ax.annotate(f"{run.cores} cores", (run.cores, 1), xycoords=("data", "axes fraction"),
                        xytext=(3, -3), textcoords="offset points", ha="left", va="top",
                        fontsize=8, color="0.35")
        ax.set_xlabel("workers p (threads × ranks, log₂)")
        if ptitle:
            ax.set_title(ptitle, fontsize=9.5)
    if kind == "efficiency":
        top = max([1.1] + [r[3] * 1.08 for run, ss, _t in panels for s in ss
                           for r in _rows(s, kind) if r[3] is not None])
        axes[0].set_ylim(0, min(top, 3.0))
    what = {"time": "time against workers",
            "speedup": "scaled speedup (Gustafson)" if weak else "speedup vs serial",
            "efficiency": "weak-scaling efficiency" if weak else "parallel efficiency"}[kind]
    title = f"{kernel} ({scaling} scaling): {what}"
    suptitle(fig, title)
    _legend(fig, axes, handles)
    caption = {
        "time": "Median wall time of the slowest rank against workers (log-log), whiskers the "
                "interquartile range of the repetitions; C++ and CPython in separate panels "
                "(their n differ); thin horizontal line: the serial time T₁.",
        "speedup": ("Scaled speedup p·T₁/Tₚ (weak scaling, n per worker fixed) with the "
                    "ideal S = p." if weak else
                    "Speedup S = T₁/Tₚ, T₁ the median serial time at the same n; whiskers from "
                    "the interquartile range of the times; dashed: ideal linear speedup."),
        "efficiency": ("Weak-scaling efficiency T₁/Tₚ (1 = perfect)." if weak else
                       "Parallel efficiency S/p (1 = perfect), whiskers from the IQR."),
    }[kind]
    caption += (" Each mode is relative to its catalogue's reference mode (CPython modes: "
                "cpython-serial). Series at one p are offset a little along x. A ring marks an "
                "unstable point, a square one above the ideal, a diamond threads that take turns under a "
                "lock (a GIL) above 1×, which its serial reference running slower explains.")
    if rate:
        caption += " Where the serial run used another n, the speedup compares work rates (n/time)."
    if self_rel:
        caption += " Series without a serial reference are relative to their own 1-worker time."
    meta = Figure(f"{_slug(kernel)}_{scaling}_{kind}", title, caption, f"{kernel} ({scaling})",
                  0, 0, DPI, xs=tuple(xs),
                  alt=f"{title}: {len({s.label for _r, ss, _t in panels for s in ss})} series at "
                      f"{', '.join(map(str, xs))} workers")
    return _save(fig, meta, outdir)


def _bar(ax, x, width, pt, st, hatch, handles, vertical):
    lo, hi = pt.speedup_iqr
    hollow = pt.beyond_cores
    ax.bar(x, pt.speedup, width * 0.92, color="white" if hollow else st["color"],
           edgecolor="black" if not hollow else st["color"], hatch=hatch, linewidth=1.0,
           zorder=3, yerr=[[pt.speedup - lo], [hi - pt.speedup]],
           error_kw=dict(ecolor="0.15", capsize=3, elinewidth=1.1))
    words = [w for _k, w in marks(pt)]
    note = f"{pt.speedup:.2f}×" + ("\n" + "\n".join(w.split(":")[0] for w in words) if words else "")
    ax.annotate(note.replace("\n", " ") if vertical else note, (x, hi), xytext=(0, 3),
                textcoords="offset points", ha="center", va="bottom", fontsize=8, zorder=5,
                rotation=90 if vertical else 0, color="black" if not words else "#B2182B")
    if words:
        draw_marks(ax, x, pt.speedup, pt, handles)
    return hi


def summary_figure(runs, outdir):
    data = [(r, post_comparison.summary_data(r)) for r in runs]
    data = [(r, d) for r, d in data if d]
    if not data:
        return None
    fig, axes = _new_figure(len(data), panel_w=6.2, height=4.4)
    handles = {}
    titles = []
    ymax = 1.0
    for ax, (run, d) in zip(axes, data):
        labels = dict(d["modes"])
        modes = [m for m, _ in d["modes"] if any((k, m) in d["bars"] for k, _ in d["kernels"])]
        width = 0.8 / max(len(modes), 1)
        for gi, (kernel, _klabel) in enumerate(d["kernels"]):
            for mi, mode in enumerate(modes):
                pt = d["bars"].get((kernel, mode))
                if pt is None:
                    continue
                x = gi + (mi - (len(modes) - 1) / 2.0) * width
                st, hatch = mode_style(run.cat, mode), mode_hatch(run.cat, mode)
                top = _bar(ax, x, width, pt, st, hatch, handles, len(modes) > 4)
                ymax = max(ymax, top * (1.3 if len(modes) > 4 else 1.12))
                label = labels[mode]
                if "(hybrid " in plain_name(run.cat, pt):   # 2x1 is MPI, 1x2 OpenMP
                    label += f" at {pt.layout}: {plain_name(run.cat, pt).split(' (hybrid')[0]}"
                if mode in variants.variant_modes(run.cat) and d.get("variant"):
                    label += f" [{variants.variant_text(d['variant'])}]"
                if pt.params:   # a mode's own parameters: the bar is its first series'
                    label += f" [{variants.params_text(pt.params, run.cat)}]"
                handles.setdefault(mode, Patch(facecolor=st["color"], edgecolor="black",
                                               hatch=hatch, label=label))
        w = d["workers"]
        if w:
            ax.axhline(w, **REF)
            handles["_ref_ideal"] = Line2D([], [], label=f"dashed: ideal, speedup = {w}× (the workers)", **REF)
            ymax = max(ymax, w)
        ax.axhline(1.0, color="black", lw=0.8, zorder=2)
        handles["_ref_none"] = Line2D([], [], color="black", lw=0.8, label="solid: no speedup, 1×")
        ax.set_xticks(range(len(d["kernels"])))
        ax.set_xticklabels([k[1] for k in d["kernels"]])
        ax.set_xlim(-0.5, len(d["kernels"]) - 0.5)
        ax.set_ylabel("median speedup vs serial [×]")
        ax.grid(axis="x", visible=False)
        if any(p.beyond_cores for p in d["bars"].values()):
            handles["oversub_region"] = Patch(facecolor="white", edgecolor="0.3",
                                              label="hollow bar: oversubscribed")
        if w:
            cores = f"{run.cores} cores" if run.cores else "cores"
            where = (f"{w} workers (largest count ≤ {cores} that all modes have)"
                     if not d["oversubscribed"] else
                     f"{w} workers (OVERSUBSCRIBED: no common count ≤ {cores})")
        else:
            where = "each mode's largest worker count ≤ cores (no common count)"
        titles.append(where)
        if len(data) > 1:
            ax.set_title(f"{run.label}\n{where}", fontsize=9.5)
    for ax in axes:
        ax.set_ylim(0, ymax * 1.12)
    head = "Threads vs GIL threads vs processes: CPU-bound vs I/O-bound"
    title = head + (f" at {titles[0]}" if len(data) == 1 else "")
    suptitle(fig, head + ("\n" + titles[0] if len(data) == 1 else ""))
    _legend(fig, axes, handles, title="bars: median speedup; whiskers: interquartile range")
    scal = data[0][1]["scaling"]
    shown = ", ".join(dict.fromkeys(k for _, d in data for k, _ in d["kernels"]))
    caption = ("The blog post's comparison: speedup over the serial run for the CPU-bound "
               f"and I/O-bound kernels ({shown}), whiskers the interquartile range of "
               "the repetitions. CPython bars are relative to cpython-serial. A bar marked in "
               f"red is unstable or above the ideal: no plain result. {scal} scaling.")
    bars = len({m for d in (x[1] for x in data) for (_k, m) in d["bars"]})
    return _save(fig, Figure("summary_speedup", title, caption, "summary", 0, 0, DPI,
                             alt=f"{title}: bars for {bars} modes"), outdir)


def all_figures(runs, outdir, missing=None):
    """Draw every figure into outdir; returns [Figure] in page order. `missing` gets
    (section, line) for each figure left out for want of data."""
    missing = [] if missing is None else missing
    plt.rcParams.update(RC)
    os.makedirs(outdir, exist_ok=True)
    figs = []
    head = summary_figure(runs, outdir)
    if head:
        figs.append(head)
    keys = []
    for r in runs:
        for key in r.groups:
            if key not in keys:
                keys.append(key)
    keys.sort(key=lambda k: (runs[0].cat.kernel_rank(k[0]), k[0], k[1] != "strong"))
    from . import fidelity_figures, lock_figures, node_figures, pyfunc_figures
    figs += pyfunc_figures.pyfunc_figures(runs, outdir)
    for kernel, scaling in keys:
        for kind in ("time", "speedup", "efficiency"):
            fig = scaling_figure(runs, kernel, scaling, kind, outdir, missing)
            if fig:
                figs.append(fig)
        figs += node_figures.node_figures(runs, kernel, scaling, outdir)
    figs += lock_figures.gil_figures(runs, outdir, missing)
    figs += fidelity_figures.fidelity_figures(runs, outdir)
    return figs
