"""Matplotlib figures (Agg) for the report.

Style rules: Okabe-Ito colours plus a distinct marker and line style per mode;
markers are medians over repetitions and bars the min-max range; hollow markers
and a grey shaded region mark oversubscribed points (workers > cores). Every
figure is saved as PNG (at DPI, size exactly FIGSIZE x DPI) and SVG.
"""

import os
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from . import analysis, summary  # noqa: E402
from .analysis import fmt_interval  # noqa: E402

DPI = 150
PANEL_W, PANEL_H, LEGEND_W = 4.8, 4.3, 2.9

OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky": "#56B4E9",
             "green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
             "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#7F7F7F"}

# Styles in catalogue order: a mode (or policy) gets the style of its place in the
# catalogue, so a new mode is drawn without a change here. With sumbench's modes,
# then the CPython baseline's, in order: serial, omp, mpi, hybrid, gil, cpython-serial,
# cpython-threads, cpython-processes.
PALETTE = (
    dict(color=OKABE_ITO["black"], marker="o", linestyle="-", hatch=""),
    dict(color=OKABE_ITO["blue"], marker="s", linestyle="-", hatch="//"),
    dict(color=OKABE_ITO["vermillion"], marker="^", linestyle="--", hatch="\\\\"),
    dict(color=OKABE_ITO["green"], marker="D", linestyle="-.", hatch="++"),
    dict(color=OKABE_ITO["orange"], marker="v", linestyle=":", hatch=".."),
    dict(color=OKABE_ITO["grey"], marker="h", linestyle="-", hatch=""),
    dict(color=OKABE_ITO["purple"], marker="P", linestyle=(0, (5, 1.5)), hatch="xx"),
    dict(color=OKABE_ITO["sky"], marker="X", linestyle=(0, (3, 1, 1, 1, 1, 1)), hatch="--"),
    dict(color=OKABE_ITO["yellow"], marker="*", linestyle=(0, (1, 1)), hatch="oo"),
)
POLICY_PALETTE = (
    dict(color=OKABE_ITO["orange"], marker="o", linestyle="-"),
    dict(color=OKABE_ITO["vermillion"], marker="s", linestyle="--"),
    dict(color=OKABE_ITO["blue"], marker="^", linestyle="-."),
    dict(color=OKABE_ITO["green"], marker="D", linestyle=":"),
    dict(color=OKABE_ITO["purple"], marker="v", linestyle=(0, (5, 1.5))),
)
VARIANT_LINESTYLES = ["-", "--", ":", "-."]


def mode_style(cat, mode):
    st = PALETTE[cat.mode_rank(mode) % len(PALETTE)]
    return {k: v for k, v in st.items() if k != "hatch"}


def mode_hatch(cat, mode):
    return PALETTE[cat.mode_rank(mode) % len(PALETTE)]["hatch"]


def policy_style(cat, policy):
    names = cat.policy_names()
    index = names.index(policy) if policy in names else len(names)
    return POLICY_PALETTE[index % len(POLICY_PALETTE)]


OVERSUB_SHADE = "#E4E4E4"

RC = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10,
      "legend.fontsize": 9, "xtick.labelsize": 9, "ytick.labelsize": 9,
      "figure.titlesize": 12, "axes.grid": True, "grid.alpha": 0.35,
      "grid.linestyle": "-", "grid.linewidth": 0.6, "axes.spines.top": False,
      "axes.spines.right": False, "svg.fonttype": "none", "savefig.dpi": DPI,
      "font.family": "DejaVu Sans"}


@dataclass
class Figure:
    name: str
    title: str
    caption: str
    section: str
    width_in: float
    height_in: float
    dpi: int
    png: str = ""
    svg: str = ""

    @property
    def pixel_size(self):
        return int(round(self.width_in * self.dpi)), int(round(self.height_in * self.dpi))


def _g(v, _pos=None):
    if v <= 0:
        return ""
    if v >= 1000 or v < 0.001:
        return f"{v:.0e}"
    return f"{v:g}"


def _log_y(ax, base=10):
    """Readable log-scale y ticks: more labelled ticks when the range is narrow."""
    import math
    lo, hi = ax.get_ylim()
    if base == 10 and lo > 0 and hi / lo < 2.0:
        # A narrow range would blow noise up to full height: show at least 2x.
        mid = math.sqrt(lo * hi)
        lo, hi = mid / math.sqrt(2.0), mid * math.sqrt(2.0)
        ax.set_ylim(lo, hi)
    decades = math.log10(hi / lo) if lo > 0 and hi > lo else 3
    if base == 2:
        subs = (1.0, 1.5) if decades < 0.9 else (1.0,)
        ax.yaxis.set_major_locator(LogLocator(base=2, subs=subs))
    elif decades < 1.3:
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 1.5, 2.0, 3.0, 4.0, 5.0,
                                                             7.0)))
    elif decades < 3:
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(_g))
    ax.yaxis.set_minor_formatter(NullFormatter())


def style_of(cat, series):
    """The mode's style; a second, third, ... series of one mode gets another line
    style than the mode's own."""
    st = dict(mode_style(cat, series.mode))
    if series.variant:
        others = [ls for ls in VARIANT_LINESTYLES if ls != st["linestyle"]]
        st["linestyle"] = others[(series.variant - 1) % len(others)]
    return st


def _new_figure(ncols, legend=True, height=PANEL_H, panel_w=PANEL_W):
    width = panel_w * ncols + (LEGEND_W if legend else 0.4)
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), dpi=DPI, squeeze=False,
                             sharey=True, layout="constrained")
    return fig, list(axes[0])


def _save(fig, fig_meta, outdir):
    base = os.path.join(outdir, fig_meta.name)
    fig_meta.png = base + ".png"
    fig_meta.svg = base + ".svg"
    w, h = fig.get_size_inches()
    fig_meta.width_in, fig_meta.height_in = float(w), float(h)
    fig.savefig(fig_meta.png, dpi=fig_meta.dpi, format="png", metadata={"Software": None})
    fig.savefig(fig_meta.svg, format="svg", metadata={"Date": None})
    plt.close(fig)
    return fig_meta


def _worker_axis(ax, workers):
    ax.set_xscale("log", base=2)
    ticks = sorted(set(workers))
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    lo, hi = min(ticks), max(ticks)
    ax.set_xlim(lo / 1.35, hi * 1.35)


def _shade_oversub(ax, run, workers, handles):
    bound = run.oversub_boundary(workers)
    if bound is None or bound >= max(workers) * 1.35:
        return
    ax.axvspan(bound, max(workers) * 4, color=OVERSUB_SHADE, zorder=0, lw=0)
    cores = f"> {run.cores} cores" if run.cores else "workers > cores"
    handles["oversub_region"] = Patch(facecolor=OVERSUB_SHADE, edgecolor="0.6",
                                      label=f"oversubscribed ({cores})")


def _hollow_handle(handles):
    handles["oversub_marker"] = Line2D([], [], color="0.25", marker="o", linestyle="none",
                                       markerfacecolor="white", markeredgewidth=1.5,
                                       label="hollow marker: oversubscribed")


def _draw_series(ax, cat, series, kind, handles, label=None):
    st = style_of(cat, series)
    xs, ys, lo, hi, over = [], [], [], [], []
    for p in series.points:
        if kind == "time":
            y, a, b = p.median, p.tmin, p.tmax
        elif kind == "speedup":
            y = p.speedup
            a, b = p.speedup_range
        else:
            y = p.efficiency
            a, b = p.efficiency_range
        if y is None:
            continue
        xs.append(p.workers)
        ys.append(y)
        lo.append(max(y - a, 0.0))
        hi.append(max(b - y, 0.0))
        over.append(p.beyond_cores)
    if not xs:
        return []
    ax.errorbar(xs, ys, yerr=[lo, hi], color=st["color"], linestyle=st["linestyle"],
                linewidth=1.7, elinewidth=1.2, capsize=3.5, capthick=1.2, marker="none",
                zorder=3)
    for hollow in (False, True):
        sel = [(x, y) for x, y, o in zip(xs, ys, over) if o == hollow]
        if not sel:
            continue
        if hollow:
            _hollow_handle(handles)
        ax.plot([s[0] for s in sel], [s[1] for s in sel], linestyle="none",
                marker=st["marker"], markersize=7.5, color=st["color"],
                markerfacecolor="white" if hollow else st["color"],
                markeredgewidth=1.6, zorder=4)
    name = label or series.label
    handles.setdefault(name, Line2D([], [], color=st["color"], linestyle=st["linestyle"],
                                    marker=st["marker"], markersize=7, linewidth=1.7,
                                    label=name))
    return xs


def _legend(fig, axes, handles, title="median; bars: min–max"):
    for ax in axes[1:]:
        ax.set_ylabel("")
    order = [h for k, h in handles.items() if not k.startswith("oversub") and
             not k.startswith("_ref")]
    order += [h for k, h in handles.items() if k.startswith("_ref")]
    order += [handles[k] for k in ("oversub_cores", "oversub_region", "oversub_marker")
              if k in handles]
    axes[-1].legend(handles=order, loc="upper left", bbox_to_anchor=(1.03, 1.0),
                    borderaxespad=0.0, frameon=False, title=title,
                    title_fontsize=9, alignment="left")


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
            ax.set_yscale("log")
            _log_y(ax)
            ax.set_ylabel("wall time, slowest rank [s] (log)")
        elif kind == "speedup":
            ax.set_yscale("log", base=2)
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
                if mode in analysis.variant_modes(run.cat) and d.get("variant"):
                    label += f" [{d['variant'][0]}, {fmt_interval(d['variant'][1])}]"
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


def _slug(text):
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


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
