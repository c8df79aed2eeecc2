"""Matplotlib figures (Agg) for the report: the scaling figures and the summary; the style
and shared helpers are in plotting.py, the node, lock and fidelity figures in their own modules."""

import os

# plotting first: it selects matplotlib's Agg backend before pyplot is imported.
from .plotting import (DPI, RC, Figure, _legend, _log_y, _new_figure, _save, _shade_oversub,
                       _slug, _worker_axis, mode_hatch, mode_style, plot_series, style_of)

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from . import summary, variants  # noqa: E402


def _draw_series(ax, cat, series, kind, handles, label=None):
    def values(p):
        if kind == "time":
            return p.median, p.tmin, p.tmax
        if kind == "speedup":
            return (p.speedup, *p.speedup_range)
        return (p.efficiency, *p.efficiency_range)
    rows = [(p.workers, *values(p), p.beyond_cores) for p in series.points]
    return plot_series(ax, style_of(cat, series), label or series.label, rows, handles)


def scaling_figure(runs, kernel, scaling, kind, outdir):
    """time / speedup / efficiency against workers for one kernel, one panel per run."""
    active = [r for r in runs if r.groups.get((kernel, scaling))]
    fig, axes = _new_figure(len(active))
    handles = {}
    weak = scaling == "weak"
    self_rel = False
    rate = False
    drawn = False
    for ax, run in zip(axes, active):
        workers = []
        for s in run.groups[(kernel, scaling)]:
            xs = _draw_series(ax, run.cat, s, kind, handles)
            workers += xs
            drawn |= bool(xs) and not run.cat.is_reference(s.mode)
            if kind == "time" and run.cat.is_reference(s.mode) and s.points and s.points[0].median:
                ax.axhline(s.points[0].median, color=style_of(run.cat, s)["color"], lw=0.9,
                           alpha=0.45, linestyle="-", zorder=1)
            self_rel |= any(p.baseline_kind == "self" for p in s.points)
            rate |= any(p.baseline_kind == "rate" for p in s.points)
        if not workers:
            workers = [1]
        _worker_axis(ax, workers)
        _shade_oversub(ax, run, workers, handles)
        if run.cores and min(workers) <= run.cores <= max(workers):
            ax.axvline(run.cores, color="0.45", lw=0.9, linestyle="--", zorder=1)
            what = "cores of the largest allocation" if run.multi_node else "core count"
            handles["oversub_cores"] = Line2D([], [], color="0.45", lw=0.9, linestyle="--",
                                              label=f"{what} ({run.cores})")
        hi_w = max(workers) * 1.35
        if kind == "time":
            _log_y(ax)
            ax.set_ylabel("wall time, slowest rank [s] (log)")
        elif kind == "speedup":
            ax.plot([1 / 1.35, hi_w], [1 / 1.35, hi_w], color="0.35", lw=1.1,
                    linestyle=(0, (6, 3)), zorder=2)
            handles["_ref_ideal"] = Line2D([], [], color="0.35", lw=1.1,
                                           linestyle=(0, (6, 3)),
                                           label="ideal: S = p")
            _log_y(ax, base=2)
            ax.set_ylabel(("scaled speedup p·T₁/Tₚ" if weak else "speedup T_serial/Tₚ")
                          + " [×] (log)")
        else:
            ax.axhline(1.0, color="0.35", lw=1.1, linestyle=(0, (6, 3)), zorder=2)
            handles["_ref_ideal"] = Line2D([], [], color="0.35", lw=1.1,
                                           linestyle=(0, (6, 3)), label="ideal: E = 1")
            ax.set_ylabel("weak-scaling efficiency T₁/Tₚ" if weak
                          else "parallel efficiency S/p")
            ax.set_ylim(bottom=0)
        ax.set_xlabel("workers p (threads × ranks, log₂)")
        if len(active) > 1:
            ax.set_title(run.label, fontsize=10)
    if kind == "efficiency":
        top = max([1.1] + [p.efficiency_range[1] * 1.08 for r in active
                           for s in r.groups[(kernel, scaling)] for p in s.points
                           if p.efficiency is not None])
        axes[0].set_ylim(0, min(top, 3.0))
    if not drawn:
        plt.close(fig)
        return None
    what = {"time": "time against workers",
            "speedup": "scaled speedup (Gustafson)" if weak else "speedup vs serial",
            "efficiency": "weak-scaling efficiency" if weak else "parallel efficiency"}[kind]
    title = f"{kernel} ({scaling} scaling): {what}"
    fig.suptitle(title, fontweight="bold")
    _legend(fig, axes, handles)
    caption = {
        "time": "Median wall time of the slowest rank against workers (log-log); bars span "
                "min–max over repetitions; thin horizontal line: the serial time.",
        "speedup": ("Scaled speedup p·T₁/Tₚ (weak scaling, n per worker fixed) with the "
                    "ideal S = p." if weak else
                    "Speedup = median serial time at the same n / median time; bars from the "
                    "min–max time; dashed: ideal linear speedup."),
        "efficiency": ("Weak-scaling efficiency T₁/Tₚ (1 = perfect)." if weak else
                       "Parallel efficiency S/p (1 = perfect)."),
    }[kind]
    caption += " Each mode is relative to its catalogue's reference mode (CPython modes: cpython-serial)."
    if rate:
        caption += (" Where the serial run used another n, the speedup compares work rates "
                    "(n/time).")
    if self_rel:
        caption += " Series without a serial reference are relative to their own 1-worker time."
    meta = Figure(f"{_slug(kernel)}_{scaling}_{kind}", title, caption,
                  f"{kernel} ({scaling})", 0, 0, DPI)
    return _save(fig, meta, outdir)


def summary_figure(runs, outdir):
    data = [(r, summary.summary_data(r)) for r in runs]
    data = [(r, d) for r, d in data if d]
    if not data:
        return None
    fig, axes = _new_figure(len(data), panel_w=6.2, height=4.6)
    handles = {}
    titles = []
    ymax = 1.0
    for ax, (run, d) in zip(axes, data):
        labels = dict(d["modes"])
        modes = [m for m, _ in d["modes"] if any((k, m) in d["bars"] for k, _ in d["kernels"])]
        width = 0.8 / max(len(modes), 1)
        for gi, (kernel, klabel) in enumerate(d["kernels"]):
            for mi, mode in enumerate(modes):
                pt = d["bars"].get((kernel, mode))
                if pt is None:
                    continue
                x = gi + (mi - (len(modes) - 1) / 2.0) * width
                st = mode_style(run.cat, mode)
                hatch = mode_hatch(run.cat, mode)
                lo, hi = pt.speedup_range
                hollow = pt.beyond_cores
                ax.bar(x, pt.speedup, width * 0.92,
                       color="white" if hollow else st["color"],
                       edgecolor="black" if not hollow else st["color"],
                       hatch=hatch, linewidth=1.0, zorder=3,
                       yerr=[[pt.speedup - lo], [hi - pt.speedup]],
                       error_kw=dict(ecolor="0.15", capsize=3, elinewidth=1.1))
                ax.annotate(f"{pt.speedup:.2f}×", (x, hi), xytext=(0, 3),
                            textcoords="offset points", ha="center", va="bottom",
                            fontsize=8.5, zorder=5)
                ymax = max(ymax, hi)
                label = labels[mode]
                if mode in variants.variant_modes(run.cat) and d.get("variant"):
                    label += f" [{variants.variant_text(d['variant'])}]"
                handles.setdefault(mode, Patch(facecolor=st["color"], edgecolor="black",
                                               hatch=hatch, label=label))
        w = d["workers"]
        if w:
            ax.axhline(w, color="0.35", lw=1.1, linestyle=(0, (6, 3)), zorder=2)
            handles["_ref_ideal"] = Line2D([], [], color="0.35", lw=1.1,
                                           linestyle=(0, (6, 3)),
                                           label="ideal: speedup = workers")
            ymax = max(ymax, w)
        ax.axhline(1.0, color="black", lw=0.8, zorder=2)
        ax.set_xticks(range(len(d["kernels"])))
        ax.set_xticklabels([k[1] for k in d["kernels"]])
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
        ax.set_ylim(0, ymax * 1.15)
    head = "Threads vs GIL threads vs processes: CPU-bound vs I/O-bound"
    title = head + (f" at {titles[0]}" if len(data) == 1 else "")
    fig.suptitle(head + ("\n" + titles[0] if len(data) == 1 else ""), fontweight="bold")
    _legend(fig, axes, handles, title="bars: median; whiskers: min–max")
    scal = data[0][1]["scaling"]
    caption = ("The blog post's comparison: speedup over the serial run for a CPU-bound "
               "loop (sum) and an I/O-bound wait (sleep). Threads under a GIL-like lock "
               "do not speed up the CPU loop; processes do; everything speeds up the waits. "
               "CPython bars are relative to cpython-serial. "
               f"{scal} scaling.")
    meta = Figure("summary_speedup", title, caption, "summary", 0, 0, DPI)
    return _save(fig, meta, outdir)


def all_figures(runs, outdir):
    """Draw every figure into outdir; returns [Figure] in page order."""
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
    from . import fidelity_figures, lock_figures, node_figures
    for kernel, scaling in keys:
        for kind in ("time", "speedup", "efficiency"):
            fig = scaling_figure(runs, kernel, scaling, kind, outdir)
            if fig:
                figs.append(fig)
        figs += node_figures.node_figures(runs, kernel, scaling, outdir)
    figs += lock_figures.gil_figures(runs, outdir)
    figs += fidelity_figures.fidelity_figures(runs, outdir)
    return figs
