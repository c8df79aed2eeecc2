"""Figures of nodes as a scaling dimension: time, speedup and efficiency against the
node count at a fixed layout per node (report/nodes.py computes the series). Same
style rules as figures.py: Okabe-Ito colours and a marker per mode, medians with
IQR whiskers, hollow markers for oversubscribed points."""

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from .plotting import (DPI, Figure, REF, label_line, _legend, _log_y, _new_figure, offsets,
                       plot_series, _save, series_styles, _slug, suptitle, _worker_axis)

KINDS = ("time", "speedup", "efficiency")


def _values(step, kind):
    """(median, q1, q3) of the time, the speedup or the efficiency (whiskers: the IQR)."""
    if kind == "time":
        p = step.point
        return p.median, p.q1, p.q3
    if step.speedup is None:
        return None, None, None
    lo, hi = step.speedup_iqr
    d = 1.0 if kind == "speedup" else step.ratio
    return step.speedup / d, lo / d, hi / d


def _draw(ax, series, style, kind, handles, offset):
    rows = [(step.nodes, *_values(step, kind), step.point.beyond_cores, None) for step in series.steps]
    return plot_series(ax, style, series.label, rows, handles, offset)


def _ideal(ax, kind, lo_nodes, hi_nodes, handles):
    if kind == "speedup":
        ax.plot([lo_nodes / 1.35, hi_nodes * 1.35], [1 / 1.35, hi_nodes * 1.35 / lo_nodes], **REF)
        label_line(ax, hi_nodes * 1.3, hi_nodes * 1.3 / lo_nodes, f"ideal S = N/{lo_nodes:g}")
        handles["_ref_ideal"] = Line2D([], [], label=f"dashed: ideal, S = N / {lo_nodes:g}", **REF)
    elif kind == "efficiency":
        ax.axhline(1.0, **REF)
        label_line(ax, hi_nodes * 1.3, 1.0, "ideal E = 1")
        handles["_ref_ideal"] = Line2D([], [], label="dashed: ideal, E = 1", **REF)


def node_figure(runs, kernel, scaling, kind, outdir):
    """One kind (time, speedup, efficiency) against nodes for one kernel, one panel per
    run that has node series there; None when no run has."""
    active = [r for r in runs if r.node_groups.get((kernel, scaling))]
    if not active:
        return None
    fig, axes = _new_figure(len(active))
    handles = {}
    weak = scaling == "weak"
    bases, drawn = set(), set()
    for ax, run in zip(axes, active):
        nodes = []
        series = run.node_groups[(kernel, scaling)]
        styles = series_styles(run.cat, series)
        for s, off in zip(series, offsets(len(series))):
            nodes += _draw(ax, s, styles[id(s)], kind, handles, off)
            bases.add(s.base.nodes)
        nodes = nodes or [1]
        drawn |= set(nodes)
        _worker_axis(ax, nodes)
        _ideal(ax, kind, min(nodes), max(nodes), handles)
        if kind == "time":
            _log_y(ax)
            ax.set_ylabel("wall time, slowest rank [s] (log)")
        elif kind == "speedup":
            _log_y(ax, base=2)
            ax.set_ylabel(("scaled speedup N·T(N₀)/(N₀·T(N))" if weak else
                           "speedup T(N₀)/T(N)") + " [×] (log)")
        else:
            ax.set_ylabel("weak-scaling efficiency T(N₀)/T(N)" if weak
                          else "efficiency S/(N/N₀)")
            top = max([1.1] + [_values(st, kind)[2] * 1.08
                               for s in run.node_groups[(kernel, scaling)]
                               for st in s.steps if st.efficiency is not None])
            ax.set_ylim(0, min(top, 3.0))
        ax.set_xlabel("nodes N (log₂), fixed ranks × threads per node")
        if len(active) > 1:
            ax.set_title(run.label, fontsize=10)
    what = {"time": "time against nodes",
            "speedup": "scaled speedup over nodes" if weak else "speedup over nodes",
            "efficiency": "efficiency over nodes"}[kind]
    title = f"{kernel} ({scaling} scaling): {what}"
    suptitle(fig, title)
    _legend(fig, axes, handles)
    base = ", ".join(f"{b:g}" for b in sorted(bases))
    caption = ("Each series keeps its layout per node (R ranks × T threads on every node, "
               "named R×T/node) and adds nodes: "
               + {"time": "median wall time of the slowest rank; whiskers: the interquartile "
                          "range of the repetitions.",
                  "speedup": ("scaled speedup N·T(N₀)/(N₀·T(N)) with n per worker fixed."
                              if weak else "speedup T(N₀)/T(N) at the same total n."),
                  "efficiency": ("efficiency T(N₀)/T(N) (1 = perfect)." if weak else
                                 "speedup over N/N₀ (1 = perfect).")}[kind]
               + f" N₀, the reference, is each series' fewest nodes (here {base}). "
               "Hollow markers: more workers than the cores of the point's allocation "
               "(nodes × cores per node).")
    meta = Figure(f"{_slug(kernel)}_{scaling}_nodes_{kind}", title, caption,
                  f"{kernel} ({scaling})", 0, 0, DPI, alt=f"{title}, N₀ = {base}", xs=tuple(sorted(drawn)))
    return _save(fig, meta, outdir)


def node_figures(runs, kernel, scaling, outdir):
    """The node figures of one (kernel, scaling), in page order."""
    figs = [node_figure(runs, kernel, scaling, kind, outdir) for kind in KINDS]
    plt.close("all")
    return [f for f in figs if f]
