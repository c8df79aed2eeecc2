"""The "model vs real interpreter" figure: for each fidelity figure, the reference
interpreter's median with its IQR, the other versions' medians, and the model's median
with its IQR; the ratio and the verdict under each. Drawing only: the summaries are the
analysis's (RunAnalysis.fidelity, from sumbench.fidelity.summary)."""

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from .plotting import DPI, OKABE_ITO, Figure, _log_y, _save

REAL = dict(color=OKABE_ITO["blue"], marker="o")
OTHER = dict(color=OKABE_ITO["sky"], marker=".")
MODEL = dict(color=OKABE_ITO["vermillion"], marker="D")


def _tick(s):
    ratio = f"{s['ratio']:.2f}" if s.get("ratio") is not None else "-"
    disc = "discriminates" if s.get("discriminates") else "does not discr."
    return f"{s['figure']}\n{s['policy']} vs {s['reference'] or '-'}\n{ratio} {s.get('outcome', '')}\n{disc}"


def _judged_panel(ax, rows):
    """Figures judged after their C = 0 baseline (I/O convoy: operations per second relative
    to C = 0): the judged values, no per-run spread."""
    for x, s in enumerate(rows):
        for version, value in s["versions"].items():
            if version != s["reference"] and value:
                ax.plot([x - 0.12], [value], linestyle="none", markersize=6, zorder=2, **OTHER)
        if s.get("real_value"):
            ax.plot([x - 0.12], [s["real_value"]], linestyle="none", markersize=8, zorder=3, **REAL)
        if s.get("model_value"):
            ax.plot([x + 0.12], [s["model_value"]], linestyle="none", markersize=7, zorder=4, **MODEL)


def _panel(ax, rows, scale, ylabel):
    if rows and rows[0]["unit"] == "rel":
        _judged_panel(ax, rows)
    for x, s in enumerate(rows if not rows or rows[0]["unit"] != "rel" else []):
        ref = s["reference"]
        for version, (med, _q1, _q3) in s["spread"].items():
            if version != ref and med is not None:
                ax.plot([x - 0.12], [med * scale], linestyle="none", markersize=6, zorder=2, **OTHER)
        if s["real_median"] is not None:
            ax.errorbar([x - 0.12], [s["real_median"] * scale],
                        yerr=[[(s["real_median"] - s["real_q1"]) * scale], [(s["real_q3"] - s["real_median"]) * scale]],
                        markersize=8, capsize=4, linewidth=1.6, zorder=3, **REAL)
        if s["model_median"] is not None:
            ax.errorbar([x + 0.12], [s["model_median"] * scale],
                        yerr=[[(s["model_median"] - s["model_q1"]) * scale], [(s["model_q3"] - s["model_median"]) * scale]],
                        markersize=7, capsize=4, linewidth=1.6, zorder=4, **MODEL)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([_tick(s) for s in rows], fontsize=7.5)
    for label, s in zip(ax.get_xticklabels(), rows):
        if not s.get("discriminates"):
            label.set_color(OKABE_ITO["vermillion"])
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylabel(ylabel)


def _one_run(run, outdir, title_prefix):
    cpu = [s for s in run.fidelity if s["unit"] == "x"]
    lat = [s for s in run.fidelity if s["unit"] == "s"]
    io = [s for s in run.fidelity if s["unit"] == "rel"]
    panels = [p for p in ((cpu, 1.0, "K threads / 1 thread (cpu), / serial loop (seed) [x]"),
                          (lat, 1e3, "added latency per wait, or time per hand-off [ms] (log)"),
                          (io, 1.0, "I/O operations per second / C = 0 (log)")) if p[0]]
    width = max(6.0, 1.3 * max(len(p[0]) for p in panels) + 1.5) + 2.9  # + the legend
    fig, axes = plt.subplots(len(panels), 1, figsize=(width, 3.9 * len(panels)), dpi=DPI,
                             squeeze=False, layout="constrained")
    for ax, (rows, scale, ylabel) in zip(axes[:, 0], panels):
        _panel(ax, rows, scale, ylabel)
        if scale != 1.0 or rows[0]["unit"] == "rel":
            _log_y(ax)
        else:
            ax.axhline(1.0, color="0.6", lw=0.8, zorder=1)
    handles = [Line2D([], [], linestyle="-", markersize=8, label="real interpreter (reference): median, IQR", **REAL),
               Line2D([], [], linestyle="none", markersize=6, label="other versions: medians", **OTHER),
               Line2D([], [], linestyle="-", markersize=7, label="model (sumbench gil policy): median, IQR", **MODEL)]
    axes[0, 0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8,
                      frameon=False, borderaxespad=0.0)
    title = f"{title_prefix}Model vs real interpreter"
    fig.suptitle(title, fontweight="bold")
    name = "fidelity_model_vs_real" + (f"_{run.label}" if title_prefix else "")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return _save(fig, Figure(
        safe, title,
        "Each GIL figure of the fidelity experiment (runners/fidelity.py) in the real interpreter "
        "and in the sumbench policy that models it, measured interleaved in one run: the reference "
        "interpreter's per-run median with its interquartile range (legacy: Python 2.7; cpython: "
        "3.11), the other versions' medians, and the model's median with its IQR (the I/O convoy: "
        "operations per second relative to C = 0, as judged). Under each: the model / interpreter "
        "ratio (model / real; convoys: after each side's C = 0 overshoot), the policy's verdict (a 90% bootstrap "
        "CI inside [0.8, 1.25]) and whether the figure discriminates (every control fails); a figure "
        "in red does not, and the table below says why.", "fidelity", 0, 0, DPI), outdir)


def fidelity_figures(runs, outdir):
    with_rows = [r for r in runs if r.fidelity]
    multi = len(with_rows) > 1
    return [_one_run(r, outdir, f"{r.label}: " if multi else "") for r in with_rows]
