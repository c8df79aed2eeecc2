"""The figures of the GIL section: a latency kernel's added latency and a CPU-bound
kernel's throughput under the lock, against the switch interval, one line per policy
(median and interquartile range). A figure with fewer than 2 switch intervals is left
out, with a line in `missing` saying what to run."""

from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from .plotting import (DPI, Figure, label_line, _legend, _log_y, mode_style, _new_figure,
                       offsets, policy_style, _save, _slug, suptitle)
from .stats import median, quantile
from .units import fmt_seconds
from .variants import variant_modes


def _interval_axis(ax, intervals):
    ax.set_xscale("log")
    ticks = sorted({i * 1e3 for i in intervals})
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(ticks[0] / 1.5, ticks[-1] * 1.5)
    ax.set_xlabel("switch interval [ms] (log)")


def _policy_lines(ax, cat, pts, value, handles, scale=1.0):
    by_policy = {}
    for p in pts:
        by_policy.setdefault(p.policy, []).append(p)
    order = cat.policy_names()
    policies = sorted(by_policy, key=lambda k: (order.index(k) if k in order else len(order), k))
    for policy, off in zip(policies, offsets(len(policies))):
        ps = sorted(by_policy[policy], key=lambda p: p.interval or 0)
        xs, ys, lo, hi = [], [], [], []
        for p in ps:
            vals = value(p)
            if not vals or p.interval is None:
                continue
            m = median(vals)
            xs.append(p.interval * 1e3 * off)
            ys.append(m * scale)
            lo.append((m - quantile(vals, 0.25)) * scale)
            hi.append((quantile(vals, 0.75) - m) * scale)
        if not xs:
            continue
        st = policy_style(cat, policy)
        ax.errorbar(xs, ys, yerr=[lo, hi], color=st["color"], linestyle=st["linestyle"],
                    marker=st["marker"], markersize=7, linewidth=1.7, capsize=3.5, zorder=3)
        handles.setdefault(policy, Line2D([], [], color=st["color"], marker=st["marker"],
                                          linestyle=st["linestyle"], linewidth=1.7,
                                          label=f"policy {policy}"))


def _intervals(pts):
    return sorted({p.interval for p in pts if p.interval})


def _interval_figure(runs, select, where, what, missing):
    """(kernel, [(run, points)], fig, axes) of the runs where `select(run)` keeps points, one
    axis a run; None when none does, or when its kernel ran at one switch interval only
    (then `missing` says how to draw its `what` against the interval)."""
    found = [(r, pts) for r, pts in ((r, select(r)) for r in runs) if pts]
    if not found:
        return None
    kernel = found[0][1][0].kernel
    if max(len(_intervals(pts)) for _r, pts in found) < 2:
        missing.append(("gil", f"{kernel} {where} at one switch interval only: run "
                        f"runners/sweep.py --kernels {kernel} --modes serial,omp,gil --workers 2 "
                        f"--switch-interval 1ms,5ms,20ms to draw its {what} against the interval"))
        return None
    return (kernel, found, *_new_figure(len(found)))


def _finish(drawn, handles, what, title, caption, alt, outdir):
    """Title, legend and file of an _interval_figure: gil_<kernel>_<what>."""
    kernel, found, fig, axes = drawn
    suptitle(fig, title)
    _legend(fig, axes, handles)
    return _save(fig, Figure(f"gil_{_slug(kernel)}_{what}", title, caption, "gil", 0, 0, DPI, alt=alt,
                             xs=tuple(_intervals([p for _r, pts in found for p in pts]))), outdir)


def _latency_figure(runs, outdir, missing):
    """The convoy figure: a latency kernel's added latency against the switch interval,
    one line per policy, the modes without variants as references."""
    def latency_points(r):
        latency = {k["name"] for k in r.cat.kernels if not r.cat.has_scaling(k["name"])}
        variants = variant_modes(r.cat)
        return [p for p in r.points if p.kernel in latency and p.mode in variants and p.latency]
    if (drawn := _interval_figure(runs, latency_points, "under the lock", "latency", missing)) is None:
        return None
    kernel, conv, _fig, axes = drawn
    handles = {}
    for ax, (run, pts) in zip(axes, conv):
        threads = max({p.threads for p in pts},
                      key=lambda t: (sum(1 for p in pts if p.threads == t), -t))
        pts = [p for p in pts if p.threads == threads]
        _policy_lines(ax, run.cat, pts, lambda p: p.latency, handles, scale=1e3)
        variants = variant_modes(run.cat)
        ref = [p for p in run.points if p.kernel == kernel and p.mode not in variants
               and p.latency and p.threads == threads]
        _interval_axis(ax, [p.interval for p in pts if p.interval])
        for p in ref:
            st = mode_style(run.cat, p.mode)
            ax.axhline(median(p.latency) * 1e3, color=st["color"], lw=1.3,
                       linestyle=(0, (2, 2)), zorder=2)
            label_line(ax, ax.get_xlim()[1], median(p.latency) * 1e3,
                       f"{p.mode}, no lock: {fmt_seconds(median(p.latency))}", color=st["color"])
            handles.setdefault(f"_ref_{p.mode}", Line2D(
                [], [], color=st["color"], lw=1.3, linestyle=(0, (2, 2)),
                label=f"dotted: {p.mode} (no lock)"))
        _log_y(ax)
        ax.set_ylabel("added I/O latency per wait [ms] (log)")
        ax.set_title(f"{run.label + ': ' if len(conv) > 1 else ''}{threads} threads",
                     fontsize=10)
    title = f"Convoy effect ({kernel}): I/O latency behind a CPU-bound thread"
    return _finish(drawn, handles, "latency", title,
                   f"Kernel {kernel}: mean latency an I/O-bound thread adds per wait while a "
                   "CPU-bound thread holds the lock, against the switch interval, per lock policy "
                   "(median over repetitions, whiskers the interquartile range).",
                   f"{title}: one line per lock policy against the switch interval", outdir)


def _throughput_figure(runs, outdir, missing):
    """The first CPU-bound kernel at 2 threads under the lock: throughput against the
    switch interval per policy, with the reference mode and the lock-free thread modes."""
    def throughput_points(r):
        cpu = r.cat.kernels_of_kind(*r.cat.summary_kinds()[:1])[:1]
        variants = variant_modes(r.cat)
        return [p for p in r.points if p.kernel in cpu and p.mode in variants
                and p.threads == 2 and p.ranks == 1 and p.times and p.interval]
    if (drawn := _interval_figure(runs, throughput_points, "at 2 threads under the lock", "throughput",
                                  missing)) is None:
        return None
    kernel, thr, _fig, axes = drawn
    handles = {}
    for ax, (run, pts) in zip(axes, thr):
        scaling = "strong" if any(p.scaling == "strong" for p in pts) else "weak"
        pts = [p for p in pts if p.scaling == scaling]
        n = pts[0].n
        pts = [p for p in pts if p.n == n]
        rates = [p.throughput for p in run.points if p.kernel == kernel and p.throughput]
        top = max(rates) if rates else 1.0
        scale, unit = next((s, u) for s, u in ((1e-9, "billion"), (1e-6, "million"),
                                               (1e-3, "thousand"), (1.0, ""))
                           if top * s >= 1.0 or s == 1.0)
        _policy_lines(ax, run.cat, pts, lambda p: [p.n / t for t in p.times] if p.n else p.items,
                      handles, scale=scale)
        variants = variant_modes(run.cat)
        refs = [(run.cat.doc["reference_mode"], 1, " (1 thread)")]
        refs += [(m["name"], 2, ", 2 threads (no lock)") for m in run.cat.modes
                 if m["source"] == "sumbench" and not m.get("reference") and
                 not m.get("multi_process") and m["name"] not in variants]
        refs_drawn = []
        for mode, threads, what in refs:
            ref = [p for p in run.points if p.kernel == kernel and p.mode == mode
                   and p.threads == threads and p.ranks == 1 and p.n == n
                   and p.scaling == scaling and p.throughput]
            if ref:
                st = mode_style(run.cat, mode)
                ax.axhline(ref[0].throughput * scale, color=st["color"], lw=1.3,
                           linestyle=(0, (2, 2)), zorder=2)
                refs_drawn.append((ref[0].throughput * scale, mode + what, st["color"]))
                handles.setdefault(f"_ref_{mode}", Line2D(
                    [], [], color=st["color"], lw=1.3, linestyle=(0, (2, 2)), label="dotted: " + mode + what))
        _interval_axis(ax, [p.interval for p in pts])
        for y, text, color in refs_drawn:
            label_line(ax, ax.get_xlim()[1], y, text, color=color)
        ax.set_ylim(bottom=0)
        item = run.cat.kernel(kernel).get("item", "element")
        ax.set_ylabel(f"throughput [{unit + ' ' if unit else ''}{item}s/s]")
        if len(thr) > 1:
            ax.set_title(run.label, fontsize=10)
    title = f"{kernel} at 2 threads under the GIL: throughput vs switch interval"
    return _finish(drawn, handles, "throughput", title,
                   f"Kernel {kernel}, 2 threads under the lock: items per second against the switch "
                   "interval per lock policy (policy none = no lock), with the reference mode and the "
                   "lock-free thread modes as references (median over repetitions, whiskers the "
                   "interquartile range).",
                   f"{title}: one line per lock policy, the lock-free modes as labelled lines", outdir)


def gil_figures(runs, outdir, missing):
    return [f for f in (_latency_figure(runs, outdir, missing), _throughput_figure(runs, outdir, missing))
            if f]
