"""Figures of nodes as a scaling dimension: time, speedup and efficiency against the
node count at a fixed layout per node (report/nodes.py computes the series). Same
style rules as figures.py: Okabe-Ito colours and a marker per mode, medians with
min-max bars, hollow markers for oversubscribed points."""

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from .plotting import (DPI, Figure, _legend, _log_y, _new_figure, _save, _slug, _worker_axis,
                      plot_series, style_of)

KINDS = ("time", "speedup", "efficiency")


def _values(step, kind):
    if kind == "time":
        p = step.point
        return p.median, p.tmin, p.tmax
    if kind == "speedup":
        return (step.speedup, *step.speedup_range)
    return (step.efficiency, *step.efficiency_range)


def _draw(ax, run, series, kind, handles):
    rows = [(step.nodes, *_values(step, kind), step.point.beyond_cores) for step in series.steps]
    return plot_series(ax, style_of(run.cat, series), series.label, rows, handles)


def _ideal(ax, kind, lo_nodes, hi_nodes, handles):
    ref = dict(color="0.35", lw=1.1, linestyle=(0, (6, 3)), zorder=2)
    if kind == "speedup":
        ax.plot([lo_nodes / 1.35, hi_nodes * 1.35], [1 / 1.35, hi_nodes * 1.35 / lo_nodes], **ref)
        handles["_ref_ideal"] = Line2D([], [], label=f"ideal: S = N / {lo_nodes:g}", **ref)
    elif kind == "efficiency":
        ax.axhline(1.0, **ref)
        handles["_ref_ideal"] = Line2D([], [], label="ideal: E = 1", **ref)


def node_figure(runs, kernel, scaling, kind, outdir):
    """One kind (time, speedup, efficiency) against nodes for one kernel, one panel per
    run that has node series there; None when no run has."""
    active = [r for r in runs if r.node_groups.get((kernel, scaling))]
    if not active:
        return None
    fig, axes = _new_figure(len(active))
    handles = {}
    weak = scaling == "weak"
    bases = set()
    for ax, run in zip(axes, active):
        nodes = []
        for s in run.node_groups[(kernel, scaling)]:
            nodes += _draw(ax, run, s, kind, handles)
            bases.add(s.base.nodes)
        nodes = nodes or [1]
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
            top = max([1.1] + [st.efficiency_range[1] * 1.08
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
    fig.suptitle(title, fontweight="bold")
    _legend(fig, axes, handles)
    base = ", ".join(f"{b:g}" for b in sorted(bases))
    caption = ("Each series keeps its layout per node (R ranks × T threads on every node, "
               "named R×T/node) and adds nodes: "
               + {"time": "median wall time of the slowest rank; bars span min–max over "
                          "repetitions.",
                  "speedup": ("scaled speedup N·T(N₀)/(N₀·T(N)) with n per worker fixed."
                              if weak else "speedup T(N₀)/T(N) at the same total n."),
                  "efficiency": ("efficiency T(N₀)/T(N) (1 = perfect)." if weak else
                                 "speedup over N/N₀ (1 = perfect).")}[kind]
               + f" N₀, the reference, is each series' fewest nodes (here {base}). "
               "Hollow markers: more workers than the cores of the point's allocation "
               "(nodes × cores per node).")
    meta = Figure(f"{_slug(kernel)}_{scaling}_nodes_{kind}", title, caption,
                  f"{kernel} ({scaling})", 0, 0, DPI)
    return _save(fig, meta, outdir)


def node_figures(runs, kernel, scaling, outdir):
    """The node figures of one (kernel, scaling), in page order."""
    figs = [node_figure(runs, kernel, scaling, kind, outdir) for kind in KINDS]
    plt.close("all")
    return [f for f in figs if f]
