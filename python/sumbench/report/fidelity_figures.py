"""The "model vs real interpreter" figures: one panel per metric (the CPU ratio of K threads
over one thread; the post's own comparison, K threads over the serial loop; the convoy's
added latency per wait; the time per GIL hand-off), each with the reference interpreter's
median and IQR, the other versions' medians (one marker per version, named in the legend)
and the model's median and IQR; then the model / real ratio of every figure, with its
confidence interval, and the ratios of its controls, against the band of the verdict rule.
Beazley's I/O convoy (operations per second relative to C = 0) is a second figure of the
same form: its values are judged ones, after each side's C = 0 runs, so they have no
per-run spread. Drawing only: the summaries, their verdicts and whether a figure
discriminates are the data's (RunAnalysis.fidelity, from sumbench.fidelity.scorecard);
nothing here judges, so the drawing cannot disagree with the verdict it shows."""

import math

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .plotting import DPI, Figure, OKABE_ITO, _log_y, _save, grow, suptitle

# The tolerance band of the verdict rule around ratio 1: a confidence interval of the
# model's figure over the interpreter's inside 0.8x to 1.25x (sumbench.fidelity.verdict).
BAND = (0.8, 1.25)
REAL = dict(color=OKABE_ITO["blue"], marker="o")
MODEL = dict(color=OKABE_ITO["vermillion"], marker="D")
VERSION_MARKERS = ("v", "^", "<", ">", "p", "h", "*", "X", "P", "d")
# Controls (and legacy's defaults) in the ratio panel: role -> (marker, legend text).
CONTROL_MARKERS = {"defaults": ("P", "legacy with sumbench's defaults"), "fifo": ("s", "control: fifo"),
                   "none": ("^", "control: none"), "crossed": ("v", "control: the crossed pairing")}
RATIO_LIMITS = (1 / 32, 32)   # a control's ratio beyond these is drawn at the edge, its value written
# kind -> (scale, y label, log axis); the order of the panels.
PANELS = {"cpu": (1.0, "time with K threads / time with 1 thread [×]\n(K: the figure's thread count)", False),
          "seed": (1.0, "time with K threads / serial loop [×]\n(the post's comparison)", False),
          "convoy": (1e3, "added latency per 1 ms wait [ms] (log)\n(C = 0's overshoot included)", True),
          "handoff": (1e6, "time per GIL hand-off [µs] (log)", True),
          "ioconvoy": (1.0, "I/O operations per second\nrelative to C = 0 [×] (log)", True)}


def _kind(s):
    return s.get("kind") or s["figure"].split(":")[0]


def _tick(s):
    k = s["figure"].split(":")
    name = s["figure"] + f"\nK = {k[1]}" if _kind(s) in ("cpu", "seed") else _short(s["figure"])
    disc = "discriminates" if s.get("discriminates") else "does not discr."
    return f"{name}\n{s['policy']} vs {s['reference'] or '-'}\n{s.get('outcome') or 'no data'}\n{disc}"


def _versions_at(ax, x, s, values, scale, versions, handles):
    others = [v for v in values if v != s["reference"] and values[v] is not None]
    for i, version in enumerate(others):
        marker = VERSION_MARKERS[versions.index(version) % len(VERSION_MARKERS)]
        dx = -0.32 + 0.2 * i / max(len(others) - 1, 1)
        ax.plot([x + dx], [values[version] * scale], linestyle="none", marker=marker, markersize=5.5,
                color=OKABE_ITO["sky"], markeredgecolor="0.3", markeredgewidth=0.5, zorder=2)
        handles.setdefault(f"v{version}", Line2D([], [], linestyle="none", marker=marker, markersize=6,
                                                  color=OKABE_ITO["sky"], markeredgecolor="0.3",
                                                  label=f"CPython {version}"))


def _panel(ax, rows, scale, versions, handles):
    for x, s in enumerate(rows):
        if s["unit"] == "rel":   # judged values (after C = 0): one value per side, no spread
            _versions_at(ax, x, s, s["versions"], scale, versions, handles)
            for dx, which, st in ((0.0, "real", REAL), (0.14, "model", MODEL)):
                if s.get(f"{which}_value"):
                    ax.plot([x + dx], [s[f"{which}_value"] * scale], linestyle="none", markersize=7,
                            zorder=3, **st)
            continue
        _versions_at(ax, x, s, {v: m for v, (m, _q1, _q3) in s["spread"].items()}, scale, versions, handles)
        for dx, which, st in ((0.0, "real", REAL), (0.14, "model", MODEL)):
            med = s[f"{which}_median"]
            if med is not None:
                ax.errorbar([x + dx], [med * scale], yerr=[[(med - s[f"{which}_q1"]) * scale],
                                                         [(s[f"{which}_q3"] - med) * scale]],
                            markersize=7, capsize=4, linewidth=1.6, zorder=3, **st)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([_tick(s) for s in rows], fontsize=7.5)
    for label, s in zip(ax.get_xticklabels(), rows):
        if not s.get("discriminates"):
            label.set_color(OKABE_ITO["vermillion"])
    ax.set_xlim(-0.6, len(rows) - 0.4)


def _ci(s):
    """The ratio's confidence interval: the summary's low and high (or an older ratio_ci)."""
    if s.get("low") is not None and s.get("high") is not None:
        return s["low"], s["high"]
    return s.get("ratio_ci")


def _finite(r):
    return r is not None and isinstance(r, (int, float)) and math.isfinite(r) and r > 0


def _times(v):
    """A ratio tick: 1.25×, 4×, 1/8× (below 1/4, a power of two as a fraction)."""
    return f"1/{1 / v:g}×" if 0 < v < 0.25 and (1 / v).is_integer() else f"{v:g}×"


def _clip(r):
    return min(max(r, RATIO_LIMITS[0]), RATIO_LIMITS[1])


def _controls_at(ax, x, s, handles):
    """The ratios of the figure's controls (and legacy's defaults) beside its own: grey when a
    control fails as it must, orange when it does not (the figure does not discriminate)."""
    roles = [r for r in s.get("roles", [])[1:] if r.get("role") in CONTROL_MARKERS and _finite(r.get("ratio"))]
    for i, r in enumerate(roles):
        marker, text = CONTROL_MARKERS[r["role"]]
        wrong = r["role"] != "defaults" and r.get("outcome") != "fail"
        color = OKABE_ITO["orange"] if wrong else ("0.35" if r["role"] != "defaults" else OKABE_ITO["blue"])
        y = _clip(r["ratio"])   # beyond the axis: at its edge (the table has the value)
        ax.plot([x + 0.16 + 0.1 * i], [y], linestyle="none", marker=marker, markersize=5, color=color,
                markerfacecolor=color if r["role"] != "defaults" else "none", zorder=2)
        handles.setdefault(f"c{r['role']}", Line2D([], [], linestyle="none", marker=marker, markersize=6,
                                                    color="0.35", label=text,
                                                    markerfacecolor="0.35" if r["role"] != "defaults" else "none"))


def _short(figure):
    """A figure id on two lines where it has a setting: convoy:1:check100 -> convoy:1 / check100."""
    head, _, last = figure.rpartition(":")
    return f"{head}\n{last}" if head and not last.isdigit() else figure


def _ratio_panel(ax, rows, handles):
    ax.axhspan(*BAND, color="#DDEEDD", zorder=0, lw=0)
    ax.axhline(1.0, color="0.5", lw=0.8, zorder=1)
    shown = []
    for x, s in enumerate(rows):
        _controls_at(ax, x, s, handles)
        if not _finite(s.get("ratio")):   # no ratio to draw: say why where it would be
            ax.text(x, 1.0, f"no ratio:\n{s.get('outcome') or 'no data'}", ha="center", va="center", fontsize=7,
                    color="0.35", zorder=3)
            continue
        color = "#1B7837" if s["passed"] else OKABE_ITO["vermillion"]
        ci = _ci(s)
        y = _clip(s["ratio"])
        ci = [_clip(c) for c in ci] if ci and all(map(_finite, ci)) else None
        yerr = [[max(y - ci[0], 0)], [max(ci[1] - y, 0)]] if ci else None
        ax.errorbar([x], [y], yerr=yerr, marker="o" if s["passed"] else "X", markersize=7,
                    color=color, capsize=4, linestyle="none", zorder=3)
        ax.annotate(f"{s['ratio']:.3g}×", (x, y), xytext=(-6, 0), textcoords="offset points",
                    fontsize=7.5, va="center", ha="right", color=color)
        shown += [y] + (ci or [])
    shown += [_clip(r["ratio"]) for s in rows for r in s.get("roles", [])[1:] if _finite(r.get("ratio"))]
    ax.set_yscale("log", base=2)
    lo = min([BAND[0] / 1.3] + [v / 1.2 for v in shown])
    hi = max([BAND[1] * 1.3] + [v * 1.2 for v in shown])
    ax.set_ylim(lo / 1.1, hi * 1.1)
    ticks = [2.0 ** k for k in range(-5, 6) if lo <= 2.0 ** k <= hi]   # RATIO_LIMITS: 2^-5 to 2^5
    if hi / lo <= 64:
        ticks = sorted(set(ticks) | {BAND[0], BAND[1]})
    ax.set_yticks(ticks)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: _times(v)))
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([f"{_short(s['figure'])}\n{s['policy']}"
                        + ("" if s["passed"] else f"\n{s.get('outcome') or 'no data'}") for s in rows], fontsize=7.5)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylabel(f"model / interpreter\n(ratio, 90% CI; beyond\n{_times(RATIO_LIMITS[0])} to "
                  f"{_times(RATIO_LIMITS[1])}: at the edge)", fontsize=8.5)


def _draw(rows, kinds, outdir, name, title, caption):
    panels = [([s for s in rows if _kind(s) == kind], *PANELS[kind]) for kind in kinds]
    panels = [p for p in panels if p[0]]
    if not panels:
        return None
    ratio_rows = [s for p in panels for s in p[0]]
    versions = sorted({v for s in ratio_rows for v in list(s["spread"]) + list(s["versions"])},
                      key=lambda v: tuple(int(x) if x.isdigit() else 0 for x in v.split(".")))
    width = max(6.0, 0.95 * max(len(p[0]) for p in panels) + 1.6, 0.7 * len(ratio_rows) + 1.6)
    width = (round(min(width, 20.0) * DPI) + 0.1) / DPI
    heights = [3.1] * len(panels) + [2.8]
    fig, axes = plt.subplots(len(panels) + 1, 1, figsize=(width, sum(heights) + 1.2), dpi=DPI,
                             squeeze=False, layout="constrained", gridspec_kw={"height_ratios": heights})
    handles = {}
    for ax, (prows, scale, ylabel, log) in zip(axes[:, 0], panels):
        _panel(ax, prows, scale, versions, handles)
        ax.set_ylabel(ylabel, fontsize=8.5)
        if log:
            _log_y(ax)
        else:
            ax.axhline(1.0, color="0.6", lw=0.8, zorder=1)
    _ratio_panel(axes[-1, 0], ratio_rows, handles)
    legend = [Line2D([], [], linestyle="-", markersize=7, label="reference interpreter: median, IQR", **REAL),
              Line2D([], [], linestyle="-", markersize=7, label="model (sumbench gil policy): median, IQR", **MODEL),
              Patch(facecolor="#DDEEDD", label=f"band of the verdict rule: {BAND[0]:g}× to {BAND[1]:g}×"),
              Line2D([], [], marker="X", linestyle="none", color=OKABE_ITO["vermillion"],
                     label="policy's verdict not pass"),
              Line2D([], [], marker="s", linestyle="none", color=OKABE_ITO["orange"],
                     label="a control that does not fail"),
              Line2D([], [], linestyle="none", label="red tick labels: does not discriminate")]
    legend += [handles[k] for k in [f"v{v}" for v in versions] + [f"c{r}" for r in CONTROL_MARKERS] if k in handles]
    ncol = 2 if fig.get_size_inches()[0] < 9 else 3
    grow(fig, 0.3 + 0.2 * math.ceil(len(legend) / ncol))
    fig.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, 0.01), ncol=ncol, fontsize=8,
               frameon=False)
    suptitle(fig, title)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    passed = sum(1 for s in ratio_rows if s["passed"])
    disc = sum(1 for s in ratio_rows if s.get("discriminates"))
    failed = [s["figure"] + " " + s["policy"] for s in ratio_rows if not s["passed"]]
    return _save(fig, Figure(
        safe, title, caption, "fidelity", 0, 0, DPI,
        alt=f"{title}: {len(ratio_rows)} figures, {passed} pass, {disc} discriminate"
            + (f"; not reproduced: {', '.join(failed)}" if failed else "")), outdir)


CAPTION = (
    "Each GIL figure of the fidelity experiment (runners/fidelity.py) in the real interpreter and in "
    "the sumbench policy that models it, measured interleaved in one run with its controls, one panel "
    "per metric. {metrics} Reference interpreter (legacy: Python 2.7; cpython: 3.11) and model: {spread}; "
    "the other versions: {others}, one marker each. Under each figure: its policy's verdict and whether it "
    "discriminates (its policy passes and every control fails). Bottom: the model / interpreter ratio "
    "that is judged{after}, with its 90% bootstrap confidence interval, beside the ratios of the controls "
    f"(fifo, none, the crossed pairing) and of legacy with sumbench's defaults, against the band "
    f"{BAND[0]:g}× to {BAND[1]:g}× of the verdict rule; verdicts are the data's (the table below).")


def _one_run(run, outdir, prefix):
    figs = [_draw(run.fidelity, ("cpu", "seed", "convoy", "handoff"), outdir,
                  "fidelity_model_vs_real" + (f"_{run.label}" if prefix else ""),
                  f"{prefix}Model vs real interpreter", CAPTION.format(
                      metrics="cpu:K is the time of the post's loop split over K threads over the same loop in "
                              "one thread; seed:K the same K threads over the serial loop (the post's own "
                              "comparison; the interpreter's serial loop runs in its main thread); "
                              "convoy:C:I the latency an I/O thread's 1 ms waits gain beside C spinning "
                              "threads at switch interval I (check100: Python 2's check interval); "
                              "handoff:I the time per GIL hand-off.",
                      spread="median with its interquartile range", others="their medians",
                      after=" (convoys: after each side's median C = 0 overshoot)")),
            _draw(run.fidelity, ("ioconvoy",), outdir,
                  "fidelity_io_convoy" + (f"_{run.label}" if prefix else ""),
                  f"{prefix}Beazley's I/O convoy, model vs real interpreter", CAPTION.format(
                      metrics="ioconvoy:C:I is the operations per second of an I/O thread whose 1-byte "
                              "socketpair ping-pongs complete at once (bpo-7946), beside C spinning threads "
                              "at switch interval I, relative to the same side's C = 0 runs; ioconvoy2 has "
                              "two I/O threads.",
                      spread="the judged value (median over runs over the median at C = 0; no per-run "
                             "spread)", others="their judged values", after=""))]
    return [f for f in figs if f]


def fidelity_figures(runs, outdir):
    with_rows = [r for r in runs if r.fidelity]
    multi = len(with_rows) > 1
    return [f for r in with_rows for f in _one_run(r, outdir, f"{r.label}: " if multi else "")]
