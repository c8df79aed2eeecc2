"""The figures of the report's "Your function" section (sumbench-py), one pair per run and
function: the answer as grouped bars (speedup at the answer's worker count, per
interpreter and model), and where the time of each model goes (its phases, for the
newest interpreter measured). Computing is sumbench.pyfunc.answer's."""

from .plotting import DPI, OKABE_ITO, RC, Figure, _save, _slug, mode_hatch, mode_style

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ..pyfunc import answer, modes, record  # noqa: E402

SECTION = "pyfunc"
PHASE_COLORS = dict(zip(record.PHASES, (OKABE_ITO["orange"], OKABE_ITO["sky"], OKABE_ITO["blue"],
                                        OKABE_ITO["vermillion"], OKABE_ITO["grey"], OKABE_ITO["purple"])))
SHOWN = [m for _, m in modes.ANSWER + modes.ALSO]


def pyfunc_figures(runs, outdir):
    figs = []
    for index, run in enumerate(runs):
        found = answer.answers(run)
        costs = answer.cost_rows(run)
        for kernel in dict.fromkeys(a["function"] for a in found):
            mine = [a for a in found if a["function"] == kernel and a["workers"]]
            tag = _slug(f"pyfunc_{kernel}" + (f"_{index + 1}" if len(runs) > 1 else ""))
            label = f"{kernel}" + (f" ({run.label})" if len(runs) > 1 else "")
            if mine:
                figs.append(answer_figure(run, label, mine, outdir, tag))
                fig = phases_figure(run, label, mine, costs, kernel, outdir, tag)
                if fig:
                    figs.append(fig)
    return figs


def _point(run, kernel, interp, mode, workers):
    return next((p for p in run.points if (p.kernel, p.interpreter, p.mode, p.workers) ==
                 (kernel, interp, mode, workers)), None)


def answer_figure(run, label, mine, outdir, tag):
    plt.rcParams.update(RC)
    kernel = mine[0]["function"]
    shown = [m for m in SHOWN if any(_point(run, kernel, a["interpreter"], m, a["workers"]) for a in mine)]
    width = max(6.0, 1.0 + 0.32 * len(mine) * max(len(shown), 1))
    fig, ax = plt.subplots(figsize=(width, 4.4), dpi=DPI, layout="constrained")
    step = 0.8 / max(len(shown), 1)
    for j, mode in enumerate(shown):
        xs, ys, lo, hi = [], [], [], []
        for i, a in enumerate(mine):
            p = _point(run, kernel, a["interpreter"], mode, a["workers"])
            if p is None or p.speedup is None:
                continue
            low, high = p.speedup_range
            xs.append(i - 0.4 + step * (j + 0.5))
            ys.append(p.speedup)
            lo.append(max(p.speedup - low, 0.0))
            hi.append(max(high - p.speedup, 0.0))
        st = mode_style(run.cat, mode)
        ax.bar(xs, ys, width=step * 0.92, color=st["color"], hatch=mode_hatch(run.cat, mode),
               edgecolor="white", label=mode, zorder=3)
        ax.errorbar(xs, ys, yerr=[lo, hi], fmt="none", ecolor="0.2", capsize=2, lw=0.9, zorder=4)
    ax.axhline(1.0, color="0.3", lw=1.0, linestyle="--", zorder=2)
    ax.set_xticks(range(len(mine)))
    ax.set_xticklabels([f"{a['interpreter']}\n{a['workers']} workers" for a in mine])
    ax.set_ylabel("speedup vs serial [×]")
    ax.set_title(f"{label}: speedup per interpreter and model")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    meta = Figure(f"{tag}_answer", f"{label}: speedup per interpreter and model",
                  "Bars: median serial time / median time of each model at the answer's worker count "
                  "(the largest ≤ the cores that the answer's models share), start-up included; whiskers: "
                  "the range over repetitions; dashed: serial. A model an interpreter lacks has no bar "
                  "(the section says why).", SECTION, width, 4.4, DPI)
    return _save(fig, meta, outdir)


def phases_figure(run, label, mine, costs, kernel, outdir, tag):
    newest = sorted(mine, key=lambda a: answer.version_key(a["interpreter"]))[-1]
    rows = [r for r in costs if r["function"] == kernel and r["interpreter"] == newest["interpreter"]
            and (r["workers"] == newest["workers"] or r["mode"] == modes.REFERENCE_MODE) and r["reps"]]
    if not rows:
        return None
    plt.rcParams.update(RC)
    height = 1.4 + 0.42 * len(rows)
    fig, ax = plt.subplots(figsize=(8.6, height), dpi=DPI, layout="constrained")
    for i, r in enumerate(rows):
        left = 0.0
        for phase in record.PHASES:
            value = (r[phase] or 0.0) * 1e3
            ax.barh(i, value, left=left, color=PHASE_COLORS[phase], edgecolor="white", height=0.7, zorder=3)
            left += value
        ax.plot([(r["time_s"] or 0.0) * 1e3], [i], marker="|", markersize=16, color="black", zorder=4)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{r['mode']} ({r['workers']})" for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds (medians over repetitions)")
    ax.set_title(f"{label}: where the time goes, CPython {newest['interpreter']}")
    handles = [Patch(color=PHASE_COLORS[p], label=p[:-2]) for p in record.PHASES]
    handles.append(plt.Line2D([], [], color="black", marker="|", linestyle="none", markersize=12,
                              label="time (the point's median)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    meta = Figure(f"{tag}_phases", f"{label}: where the time goes (CPython {newest['interpreter']})",
                  "Each bar: the phases of one model at the answer's worker count, medians over valid "
                  "repetitions, laid end to end: start (until every worker is ready), send (until the "
                  "last holds its slice; a pool's start-up), compute (the slowest call), return "
                  "(pickling, pipe, unpickling), stop (join), combine (the reducer). Phases of different "
                  "workers can overlap, so the bar may differ from the time (|). Every interpreter: "
                  "tables/pyfunc_costs.csv.", SECTION, 8.6, height, DPI)
    return _save(fig, meta, outdir)
