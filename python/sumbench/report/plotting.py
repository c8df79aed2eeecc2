"""The report's plotting style and the helpers every figure module shares.

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

from .ticks import label as tick_label, log2_ticks  # noqa: E402

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
    """A log-scale y axis with readable ticks: more labelled ticks when the range is narrow."""
    import math
    ax.set_yscale("log", base=base)
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
    ax.yaxis.set_major_formatter(FuncFormatter(tick_label if base == 2 else _g))  # 1024, not 1e+03
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
    ticks = log2_ticks(workers)   # thinned to powers of two when there are many
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(tick_label))
    ax.xaxis.set_minor_formatter(NullFormatter())
    lo, hi = min(workers), max(workers)
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


def plot_series(ax, st, name, rows, handles):
    """One series from rows of (x, median, min, max, oversubscribed): medians joined, min-max
    bars, a hollow marker where oversubscribed, and its legend handle. Rows without a median
    are left out. Returns the xs drawn; nothing is drawn when there are none."""
    rows = [r for r in rows if r[1] is not None]
    if not rows:
        return []
    xs = [r[0] for r in rows]
    ys = [r[1] for r in rows]
    lo = [max(r[1] - r[2], 0.0) for r in rows]
    hi = [max(r[3] - r[1], 0.0) for r in rows]
    hollow = [r[4] for r in rows]
    ax.errorbar(xs, ys, yerr=[lo, hi], color=st["color"], linestyle=st["linestyle"],
                linewidth=1.7, elinewidth=1.2, capsize=3.5, capthick=1.2, marker="none",
                zorder=3)
    for empty in (False, True):
        sel = [(x, y) for x, y, h in zip(xs, ys, hollow) if h == empty]
        if not sel:
            continue
        if empty:
            _hollow_handle(handles)
        ax.plot([x for x, _ in sel], [y for _, y in sel], linestyle="none",
                marker=st["marker"], markersize=7.5, color=st["color"],
                markerfacecolor="white" if empty else st["color"],
                markeredgewidth=1.6, zorder=4)
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


def _slug(text):
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)
