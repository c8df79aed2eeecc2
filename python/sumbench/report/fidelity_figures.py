"""The "model vs real interpreter" figure: one panel per metric (the CPU ratio of K threads
over one thread; the convoy's added latency per wait; the time per GIL hand-off), each
with the reference interpreter's median and IQR, the other versions' medians (one marker
per version, named in the legend) and the model's median and IQR; then the model / real
ratio of every figure against the tolerance band of the verdict rule. Drawing only: the
summaries and their verdicts are the data's (RunAnalysis.fidelity, from
sumbench.fidelity.summary); nothing here judges, so the drawing cannot disagree with the
verdict it shows. Where a summary carries a confidence interval of the ratio
(`ratio_ci`: low, high), it is drawn as the ratio's whisker."""

import math

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .plotting import DPI, Figure, OKABE_ITO, _log_y, _save, grow, suptitle

# The tolerance band of the verdict rule around ratio 1: the model's figure within
# 0.8x to 1.25x of the interpreter's (the rule of the fidelity issue: a confidence
# interval of the ratio inside it).
BAND = (0.8, 1.25)
REAL = dict(color=OKABE_ITO["blue"], marker="o")
MODEL = dict(color=OKABE_ITO["vermillion"], marker="D")
VERSION_MARKERS = ("v", "^", "<", ">", "p", "h", "*", "X", "P", "d")
PANELS = (("cpu", 1.0, "time with K threads / time with 1 thread [×]\n(K: the figure's thread count)"),
          ("convoy", 1e3, "added latency per 1 ms wait [ms] (log)"),
          ("handoff", 1e6, "time per GIL hand-off [µs] (log)"))


def _kind(s):
    return s["figure"].split(":")[0]


def _tick(s):
    k = s["figure"].split(":")
    name = f"{s['figure']}\nK = {k[1]}" if k[0] == "cpu" else s["figure"]
    verdict = (s.get("verdict") or "no data").split(":")[0].split(" (")[0]
    return f"{name}\n{s['policy']} vs {s['reference'] or '-'}\n{verdict}"


def _panel(ax, rows, scale, versions, handles):
    for x, s in enumerate(rows):
        others = [v for v in s["spread"] if v != s["reference"] and s["spread"][v][0] is not None]
        for i, version in enumerate(others):
            marker = VERSION_MARKERS[versions.index(version) % len(VERSION_MARKERS)]
            dx = -0.32 + 0.2 * i / max(len(others) - 1, 1)
            ax.plot([x + dx], [s["spread"][version][0] * scale], linestyle="none", marker=marker,
                    markersize=5.5, color=OKABE_ITO["sky"], markeredgecolor="0.3", markeredgewidth=0.5, zorder=2)
            handles.setdefault(f"v{version}", Line2D([], [], linestyle="none", marker=marker, markersize=6,
                                                      color=OKABE_ITO["sky"], markeredgecolor="0.3",
                                                      label=f"CPython {version} (median)"))
        for dx, which, st in ((0.0, "real", REAL), (0.14, "model", MODEL)):
            med = s[f"{which}_median"]
            if med is not None:
                ax.errorbar([x + dx], [med * scale], yerr=[[(med - s[f"{which}_q1"]) * scale],
                                                         [(s[f"{which}_q3"] - med) * scale]],
                            markersize=7, capsize=4, linewidth=1.6, zorder=3, **st)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([_tick(s) for s in rows], fontsize=7.5)
    for label, s in zip(ax.get_xticklabels(), rows):
        if not s["passed"]:
            label.set_color(OKABE_ITO["vermillion"])
    ax.set_xlim(-0.6, len(rows) - 0.4)


def _ratio_panel(ax, rows):
    ax.axhspan(*BAND, color="#DDEEDD", zorder=0, lw=0)
    ax.axhline(1.0, color="0.5", lw=0.8, zorder=1)
    for x, s in enumerate(rows):
        if not s.get("ratio"):
            continue
        color = "#1B7837" if s["passed"] else OKABE_ITO["vermillion"]
        ci = s.get("ratio_ci")
        yerr = [[s["ratio"] - ci[0]], [ci[1] - s["ratio"]]] if ci else None
        ax.errorbar([x], [s["ratio"]], yerr=yerr, marker="o" if s["passed"] else "X", markersize=7,
                    color=color, capsize=4, linestyle="none", zorder=3)
        ax.annotate(f"{s['ratio']:.2f}×", (x, s["ratio"]), xytext=(6, 0), textcoords="offset points",
                    fontsize=7.5, va="center", color=color)
    ax.set_yscale("log", base=2)
    lo = min([BAND[0] / 1.3] + [s["ratio"] / 1.2 for s in rows if s.get("ratio")])
    hi = max([BAND[1] * 1.3] + [s["ratio"] * 1.2 for s in rows if s.get("ratio")])
    ax.set_ylim(lo, hi)
    ax.set_yticks([t for t in (0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0) if lo <= t <= hi])
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: f"{v:g}×"))
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([f"{s['figure']}\n{s['policy']}" + ("" if s["passed"] else "\nFAIL") for s in rows],
                       fontsize=7.5)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylabel("model / interpreter (median ratio)")


def _one_run(run, outdir, title_prefix):
    rows = run.fidelity
    panels = [([s for s in rows if _kind(s) == kind], scale, label) for kind, scale, label in PANELS]
    panels = [p for p in panels if p[0]]
    versions = sorted({v for s in rows for v in s["spread"]},
                      key=lambda v: tuple(int(x) if x.isdigit() else 0 for x in v.split(".")))
    width = (round(max(6.0, 0.95 * max(len(p[0]) for p in panels) + 1.6) * DPI) + 0.1) / DPI
    heights = [3.1] * len(panels) + [2.6]
    fig, axes = plt.subplots(len(panels) + 1, 1, figsize=(width, sum(heights) + 1.2), dpi=DPI,
                             squeeze=False, layout="constrained",
                             gridspec_kw={"height_ratios": heights})
    handles = {}
    for ax, (prows, scale, ylabel) in zip(axes[:, 0], panels):
        _panel(ax, prows, scale, versions, handles)
        ax.set_ylabel(ylabel, fontsize=8.5)
        if scale != 1.0:
            _log_y(ax)
        else:
            ax.axhline(1.0, color="0.6", lw=0.8, zorder=1)
    ratio_rows = [s for p in panels for s in p[0]]
    _ratio_panel(axes[-1, 0], ratio_rows)
    legend = [Line2D([], [], linestyle="-", markersize=7, label="reference interpreter: median, IQR", **REAL),
              Line2D([], [], linestyle="-", markersize=7, label="model (sumbench gil policy): median, IQR", **MODEL),
              Patch(facecolor="#DDEEDD", label=f"ratio band of the verdict rule: {BAND[0]:g}× to {BAND[1]:g}×"),
              Line2D([], [], marker="X", linestyle="none", color=OKABE_ITO["vermillion"],
                     label="verdict FAIL (red tick labels too)")]
    legend += list(handles.values())
    ncol = 2 if fig.get_size_inches()[0] < 9 else 3
    grow(fig, 0.3 + 0.2 * math.ceil(len(legend) / ncol))
    fig.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, 0.01), ncol=ncol, fontsize=8,
               frameon=False)
    title = f"{title_prefix}Model vs real interpreter"
    suptitle(fig, title)
    name = "fidelity_model_vs_real" + (f"_{run.label}" if title_prefix else "")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    failed = [s["figure"] for s in rows if not s["passed"]]
    return _save(fig, Figure(
        safe, title,
        "Each GIL figure of the fidelity experiment (runners/fidelity.py) in the real interpreter "
        "and in the sumbench policy that models it, measured interleaved in one run, one panel per "
        "metric: cpu:K is the time of the post's loop split over K threads over the same loop in one "
        "thread; convoy:C:I the latency an I/O thread's 1 ms waits gain beside C spinning threads at "
        "switch interval I; handoff:I the time per GIL hand-off. Reference interpreter (legacy: "
        "Python 2.7; cpython: 3.11) and model: median with its interquartile range; the other "
        "versions: their medians, one marker each. Bottom: the model / interpreter ratio against the "
        f"band {BAND[0]:g}× to {BAND[1]:g}× of the verdict rule; the verdict under each figure is the "
        "data's (the table below), a figure in red is not reproduced.", "fidelity", 0, 0, DPI,
        alt=f"{title}: {len(rows)} figures, {len(rows) - len(failed)} pass"
            + (f", not reproduced: {', '.join(failed)}" if failed else "")), outdir)


def fidelity_figures(runs, outdir):
    with_rows = [r for r in runs if r.fidelity]
    multi = len(with_rows) > 1
    return [_one_run(r, outdir, f"{r.label}: " if multi else "") for r in with_rows]
