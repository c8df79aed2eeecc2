"""The report's plotting style and the helpers every figure module shares.

Style rules:
- every series of a figure differs from the others in colour, marker and line style
  (Okabe-Ito colours; a mode keeps its own style in every figure, and a second series of
  the same mode takes the next style no mode of the figure uses: series_styles);
- series that share an x are offset a little along it (log axes: a factor), so that no
  marker hides another (offsets);
- markers are medians over repetitions and whiskers their interquartile range (IQR);
  a caption says so wherever a figure shows anything else;
- a hollow marker and a grey region mark oversubscribed points (workers > cores); a ring
  marks an unstable point and a square a superlinear one (answer.marks), so that neither
  is read as a plain result;
- reference lines carry a label on the line and in the legend;
- legends go below the plot, in as many columns as fit, so that a figure stays readable
  scaled to a 700 px wide page (the page embeds the SVG, whose text is text).
Every figure is saved as PNG (at DPI, size exactly its size in inches x DPI) and SVG.
"""

import math
import os
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from .answer import marks as point_marks  # noqa: E402
from .ticks import label as tick_label, log2_ticks  # noqa: E402

DPI = 150
PANEL_W, PANEL_H = 4.8, 3.9

OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky": "#56B4E9",
             "green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
             "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#7F7F7F"}

# Styles in catalogue order: a mode (or policy) gets the style of its place in the
# catalogue, so a new mode is drawn without a change here. With sumbench's modes,
# then the CPython baseline's, in order: serial, omp, mpi, hybrid, gil, cpython-serial,
# cpython-threads, cpython-processes; the last ones serve second series of a mode.
PALETTE = (
    dict(color=OKABE_ITO["black"], marker="o", linestyle="-", hatch=""),
    dict(color=OKABE_ITO["blue"], marker="s", linestyle="-", hatch="//"),
    dict(color=OKABE_ITO["vermillion"], marker="^", linestyle="--", hatch="\\\\"),
    dict(color=OKABE_ITO["green"], marker="D", linestyle="-.", hatch="++"),
    dict(color=OKABE_ITO["orange"], marker="v", linestyle=":", hatch=".."),
    dict(color=OKABE_ITO["grey"], marker="h", linestyle="-", hatch=""),
    dict(color=OKABE_ITO["purple"], marker="P", linestyle=(0, (5, 1.5)), hatch="xx"),
    dict(color=OKABE_ITO["sky"], marker="X", linestyle=(0, (3, 1, 1, 1, 1, 1)), hatch="--"),
    dict(color="#8C6D1F", marker="*", linestyle=(0, (1, 1)), hatch="oo"),
    dict(color="#6A3D9A", marker="p", linestyle=(0, (8, 2)), hatch="||"),
    dict(color="#1B7837", marker="<", linestyle=(0, (2, 1, 2, 3)), hatch="O"),
    dict(color="#B2182B", marker=">", linestyle=(0, (4, 1, 1, 1)), hatch="*"),
)
POLICY_PALETTE = (
    dict(color=OKABE_ITO["orange"], marker="o", linestyle="-"),
    dict(color=OKABE_ITO["vermillion"], marker="s", linestyle="--"),
    dict(color=OKABE_ITO["blue"], marker="^", linestyle="-."),
    dict(color=OKABE_ITO["green"], marker="D", linestyle=":"),
    dict(color=OKABE_ITO["purple"], marker="v", linestyle=(0, (5, 1.5))),
)
REF = dict(color="0.35", lw=1.1, linestyle=(0, (6, 3)), zorder=2)   # ideal lines
OFFSET_STEP = 0.035   # log2 units between neighbouring series at one x (2.5%)


def mode_style(cat, mode):
    st = PALETTE[cat.mode_rank(mode) % len(PALETTE)]
    return {k: v for k, v in st.items() if k != "hatch"}


def mode_hatch(cat, mode):
    return PALETTE[cat.mode_rank(mode) % len(PALETTE)]["hatch"]


def policy_style(cat, policy):
    names = cat.policy_names()
    index = names.index(policy) if policy in names else len(names)
    return POLICY_PALETTE[index % len(POLICY_PALETTE)]


def series_styles(cat, series_list):
    """{id(series): style}: each mode's own style for its first series; a mode's further
    series take palette entries that no mode of the figure has, so that colour, marker
    and line all differ."""
    taken = {cat.mode_rank(s.mode) % len(PALETTE) for s in series_list}
    spare = [i for i in range(len(PALETTE)) if i not in taken]
    out, seen = {}, set()
    for s in series_list:
        own = cat.mode_rank(s.mode) % len(PALETTE)
        index = own if own not in seen else (spare.pop(0) if spare else (own + len(seen)) % len(PALETTE))
        seen.add(index)
        out[id(s)] = {k: v for k, v in PALETTE[index].items() if k != "hatch"}
    return out


def offsets(n):
    """Multiplicative x offsets (log axes) of n series drawn at the same x values."""
    return [2 ** ((i - (n - 1) / 2.0) * OFFSET_STEP) for i in range(n)]


OVERSUB_SHADE = "#E4E4E4"

RC = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10,
      "legend.fontsize": 9, "xtick.labelsize": 9, "ytick.labelsize": 9,
      "figure.titlesize": 11.5, "axes.grid": True, "grid.alpha": 0.35,
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
    alt: str = ""        # what the figure shows, in words (the page's alt text)
    xs: tuple = ()       # the distinct x values drawn (a scaling figure has 2 or more)

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


def _new_figure(ncols, height=PANEL_H, panel_w=PANEL_W, sharey=True, nrows=1):
    """ncols panels side by side (several runs), or nrows stacked (one run's panels of
    another kind: C++ and CPython times), so that one run's figure stays narrow."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_w * ncols + 0.4, height * nrows), dpi=DPI,
                             squeeze=False, sharey=sharey, layout="constrained")
    return fig, list(axes.ravel())


def _save(fig, fig_meta, outdir):
    base = os.path.join(outdir, fig_meta.name)
    fig_meta.png = base + ".png"
    fig_meta.svg = base + ".svg"
    w, h = fig.get_size_inches()
    fig_meta.width_in, fig_meta.height_in = float(w), float(h)
    fig_meta.alt = fig_meta.alt or fig_meta.caption
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


def label_line(ax, x, y, text, ha="right", va="bottom", color="0.3"):
    """A reference line's label, written on the line (data coordinates)."""
    ax.annotate(text, (x, y), xytext=(-2 if ha == "right" else 2, 2 if va == "bottom" else -2),
                textcoords="offset points",
                ha=ha, va=va, fontsize=8, color=color, zorder=6,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.6, alpha=0.85))


MARK_STYLE = {"unstable": dict(marker="o", markersize=15, markerfacecolor="none",
                               markeredgecolor="0.15", markeredgewidth=1.1),
              "superlinear": dict(marker="s", markersize=15, markerfacecolor="none",
                                  markeredgecolor=OKABE_ITO["vermillion"], markeredgewidth=1.3),
              "turns": dict(marker="D", markersize=14, markerfacecolor="none",
                            markeredgecolor=OKABE_ITO["vermillion"], markeredgewidth=1.3)}
MARK_LABEL = {"unstable": "ring: unstable (cv > threshold)",
              "superlinear": "square: above the ideal (superlinear)",
              "turns": "diamond: above 1× with threads taking turns under a lock"}


def mark_handle(kind):
    return Line2D([], [], linestyle="none", label=MARK_LABEL[kind], **MARK_STYLE[kind])


def draw_marks(ax, x, y, point, handles):
    """Rings and squares around a point that is not a plain result (answer.marks)."""
    for kind, _words in point_marks(point):
        ax.plot([x], [y], linestyle="none", zorder=5, **MARK_STYLE[kind])
        handles.setdefault(f"mark_{kind}", mark_handle(kind))


def plot_series(ax, st, name, rows, handles, offset=1.0):
    """One series from rows of (x, median, q1, q3, oversubscribed, point): medians joined,
    IQR whiskers, a hollow marker where oversubscribed, rings and squares around unstable
    and superlinear points (point may be None), and its legend handle; x is multiplied by
    `offset`. Rows without a median are left out. Returns the xs drawn (unshifted)."""
    rows = [r for r in rows if r[1] is not None]
    if not rows:
        return []
    xs = [r[0] * offset for r in rows]
    ys = [r[1] for r in rows]
    lo = [max(r[1] - r[2], 0.0) if r[2] is not None else 0.0 for r in rows]
    hi = [max(r[3] - r[1], 0.0) if r[3] is not None else 0.0 for r in rows]
    ax.errorbar(xs, ys, yerr=[lo, hi], color=st["color"], linestyle=st["linestyle"],
                linewidth=1.7, elinewidth=1.2, capsize=3.5, capthick=1.2, marker="none", zorder=3)
    for empty in (False, True):
        sel = [(x, y) for x, y, r in zip(xs, ys, rows) if r[4] == empty]
        if not sel:
            continue
        if empty:
            handles["oversub_marker"] = Line2D([], [], color="0.25", marker="o", linestyle="none",
                                               markerfacecolor="white", markeredgewidth=1.5,
                                               label="hollow marker: oversubscribed")
        ax.plot([x for x, _ in sel], [y for _, y in sel], linestyle="none",
                marker=st["marker"], markersize=7.5, color=st["color"],
                markerfacecolor="white" if empty else st["color"], markeredgewidth=1.6, zorder=4)
    for x, y, r in zip(xs, ys, rows):
        if len(r) > 5 and r[5] is not None:
            draw_marks(ax, x, y, r[5], handles)
    handles.setdefault(name, Line2D([], [], color=st["color"], linestyle=st["linestyle"],
                                    marker=st["marker"], markersize=7, linewidth=1.7, label=name))
    return [r[0] for r in rows]


def grow(fig, extra):
    """Make the figure `extra` inches taller, to a whole number of pixels (+0.1 px, so that
    float rounding cannot lose one), and keep the plots above the new strip; returns the
    strip's height."""
    w, h = fig.get_size_inches()
    total = (round((h + extra) * DPI) + 0.1) / DPI
    fig.set_size_inches(w, total)
    extra = total - h
    fig.get_layout_engine().set(rect=(0, extra / total, 1, 1 - extra / total))
    return extra


def _legend(fig, axes, handles, title="markers: median; whiskers: interquartile range (IQR)"):
    """The legend below the plots, in as many columns as its longest label allows; the
    figure grows by its height."""
    if len({ax.get_position().x0 for ax in axes}) > 1:   # side by side: one y label
        for ax in axes[1:]:
            ax.set_ylabel("")
    order = [h for k, h in handles.items() if not k.startswith(("oversub", "_ref", "mark_"))]
    order += [h for k, h in handles.items() if k.startswith("_ref")]
    order += [handles[k] for k in ("oversub_cores", "oversub_region", "oversub_marker",
                                   "mark_unstable", "mark_superlinear", "mark_turns") if k in handles]
    if not order:
        return
    kw = dict(handles=order, loc="lower center", bbox_to_anchor=(0.5, 0.01), frameon=False,
              title=title, title_fontsize=9, borderaxespad=0.2, columnspacing=1.2, handletextpad=0.5)
    renderer = fig.canvas.get_renderer()
    for ncol in (3, 2, 1):   # as many columns as fit the figure's width
        trial = fig.legend(ncol=ncol, **kw)
        wide = trial.get_window_extent(renderer).width
        trial.remove()
        if wide <= fig.bbox.width * 0.97:
            break
    grow(fig, 0.35 + 0.215 * math.ceil(len(order) / ncol))
    fig.legend(ncol=ncol, **kw)


def suptitle(fig, text, size=11.5):
    """The figure's title, wrapped to the figure's width (a narrow figure keeps all of it)."""
    import textwrap
    width = max(20, int(fig.get_size_inches()[0] * 72 / (size * 0.62)))
    lines = [part for line in text.split("\n") for part in textwrap.wrap(line, width)]
    fig.suptitle("\n".join(lines), fontweight="bold", fontsize=size)


def _slug(text):
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)
