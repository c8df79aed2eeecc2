"""Every table of the report, computed from the analysed runs, and their CSV files.
Nothing here writes HTML: page.py renders these tables."""

import csv
import json
import os
import shlex
from dataclasses import dataclass, field

from .. import machine
from ..pyfunc import answer as pyfunc_answer
from . import answer, nodes
from .problems import point_counts, problem_rows
from .post_comparison import pick_common_workers
from .stats import median

# "over": the scaling dimension of the row, workers (p = workers) or nodes (p = N/N0 at
# a fixed layout per node, report/nodes.py); "nodes": the node counts involved.
FITS_CSV = ["run", "kernel", "scaling", "series", "over", "nodes", "law", "f", "se",
            "observations", "rss", "p", "flags"]
KARP_FLATT_CSV = ["run", "kernel", "scaling", "series", "over", "nodes", "workers", "p",
                  "speedup", "e", "oversubscribed", "flags"]
MEDIANS_CSV = ["run", "kernel", "scaling", "mode", "ranks", "threads", "nodes", "workers", "n",
               "gil_policy", "switch_interval_s", "check_interval", "interpreter", "reps",
               "median_s", "min_s",
               "max_s", "iqr_s",
               "speedup", "efficiency", "io_latency_s", "flags"]
NODES_CSV = ["run", "kernel", "scaling", "series", "mode", "ranks_per_node", "threads", "nodes",
             "ranks", "workers", "n", "reps", "median_s", "min_s", "max_s", "base_nodes",
             "speedup", "efficiency", "e", "oversubscribed", "flags"]
PROBLEMS_CSV = ["run", "point_id", "kernel", "mode", "workers", "reasons", "detail"]
FIDELITY_CSV = ["run", "figure", "label", "policy", "reference", "real_median", "real_q1", "real_q3",
                "model_median", "model_q1", "model_q3", "real_value", "model_value", "ratio", "low", "high",
                "outcome", "verdict", "passed", "controls", "discriminates", "discrimination",
                "defaults_outcome", "defaults_discriminates", "versions", "mechanism"]


@dataclass
class Tables:
    verdicts: list = field(default_factory=list)   # {run, kernel, scaling, line}
    cores: dict = field(default_factory=dict)      # run label -> core count or None
    fits: list = field(default_factory=list)       # fit_rows
    karp_flatt: list = field(default_factory=list)
    medians: list = field(default_factory=list)
    param_columns: list = field(default_factory=list)  # the modes' own (analysis.extra_columns)
    nodes: list = field(default_factory=list)      # nodes.node_rows
    problems: dict = field(default_factory=dict)   # run label -> problem_rows
    counts: dict = field(default_factory=dict)     # run label -> problems.point_counts
    answers: list = field(default_factory=list)    # answer.answers of every run
    unfitted: list = field(default_factory=list)   # unfitted_rows
    contexts: list = field(default_factory=list)   # one dict per run
    fidelity: dict = field(default_factory=dict)   # run label -> model-vs-real summaries
    pyfunc: dict = field(default_factory=dict)     # run label -> sumbench-py's answers and costs


def verdicts(run):
    """One line per (kernel, scaling): median speedups at the common worker count."""
    lines = []
    for (kernel, scaling), series in run.groups.items():
        cands = [s for s in series if not run.cat.is_reference(s.mode)]
        if not cands:
            continue
        w, over = pick_common_workers(run, cands)
        what = "" if scaling == "strong" else " (weak scaling, scaled speedup)"
        parts = []
        for s in cands:
            if w is not None:
                pt = next((p for p in s.points if p.workers == w and p.speedup), None)
                if pt is None:
                    continue
                mark = ", oversubscribed" if pt.beyond_cores and not over else ""
                rel = {"self": " self-relative", "rate": " (rate)"}.get(pt.baseline_kind, "")
                plain = answer.plain_name(run.cat, pt)   # hybrid 2x1 is MPI: say so
                name = s.name + (f" = {plain.split(' (hybrid')[0]}" if " (hybrid " in plain else "")
                parts.append(f"{name} {pt.speedup:.2f}×{rel} ({pt.where(run.multi_node)}{mark})")
            else:
                good = [p for p in s.points if p.speedup is not None and p.workers > 1]
                good_ok = [p for p in good if run.within_cores(p)] or good
                if not good_ok:
                    continue
                pt = good_ok[-1]
                mark = ", oversubscribed" if pt.beyond_cores else ""
                parts.append(f"{s.name} {pt.speedup:.2f}× ({pt.workers} workers: "
                             f"{pt.where(run.multi_node)}{mark})")
        if not parts:
            lines.append((kernel, scaling, f"{kernel}{what}: no speedup data (no serial "
                          f"reference and no points above 1 worker)"))
            continue
        tail = ""
        if w is not None:
            tail = f" at {w} workers" + (" (oversubscribed)" if over else "")
        lines.append((kernel, scaling, f"{kernel}{what}: " + ", ".join(parts) + tail))
    return lines


def _series(run):
    """(kernel, scaling, series) of every series that is not a reference mode's."""
    for (kernel, scaling), series in run.groups.items():
        for s in series:
            if not run.cat.is_reference(s.mode):
                yield kernel, scaling, s


def _node_steps(run):
    """(kernel, scaling, node series, step) of every step on more than its fewest nodes."""
    for (kernel, scaling), series in run.node_groups.items():
        for s in series:
            for st in s.steps:
                if st.ratio > 1:
                    yield kernel, scaling, s, st


def _nodes_text(nodes):
    return " ".join(str(n) for n in sorted(set(nodes)))


def fit_rows(run):
    """Amdahl (strong) / Gustafson (weak) fits of every non-serial series: over the
    workers, and over the nodes at a fixed layout per node (p = N / N0). A series is fitted
    only when measured at fits.MIN_WORKER_COUNTS or more counts within the cores (p = 1,
    or N0, included); the others are listed in unfitted_rows."""
    from . import fits
    law = {"strong": fits.fit_amdahl, "weak": fits.fit_gustafson}
    rows = []
    for (kernel, scaling, name, over), (ps, ss, s, counts) in _fit_data(run).items():
        if len(counts) < fits.MIN_WORKER_COUNTS:
            continue
        fit = law[scaling](ps, ss)
        if fit is not None:
            rows.append({"run": run.label, "kernel": kernel, "scaling": scaling, "series": name,
                         "over": over, "nodes": _nodes_text(p.nodes for p in s.points),
                         "fit": fit, "flags": fit.flags, "self_relative": over == "workers" and
                         any(p.baseline_kind == "self" for p in s.points)})
    return rows


def unfitted_rows(run):
    """The series with too few worker counts within the cores for a fit, and the counts
    they have."""
    from . import fits
    return [{"run": run.label, "kernel": kernel, "scaling": scaling, "series": name, "over": over,
             "counts": sorted(counts)}
            for (kernel, scaling, name, over), (_ps, _ss, _s, counts) in _fit_data(run).items()
            if len(counts) < fits.MIN_WORKER_COUNTS]


def _fit_data(run):
    """(kernel, scaling, series, over) -> (p, speedup per repetition, series, the distinct
    p within the cores, 1 included)."""
    obs = {}
    for kernel, scaling, s in _series(run):
        ps, ss, _s, counts = obs.setdefault((kernel, scaling, s.name, "workers"), ([], [], s, set()))
        for p in s.points:
            if run.within_cores(p) and p.baseline:
                counts.add(p.workers)
                if p.workers > 1:
                    for v in p.speedup_reps:
                        ps.append(p.workers)
                        ss.append(v)
    for kernel, scaling, s, st in _node_steps(run):
        ps, ss, _s, counts = obs.setdefault((kernel, scaling, s.name, "nodes"), ([], [], s, {1}))
        if run.within_cores(st.point):
            counts.add(st.ratio)
            ps += [st.ratio] * len(st.speedup_reps)
            ss += st.speedup_reps
    return obs


def karp_flatt_rows(run):
    from . import fits
    rows = [{"run": run.label, "kernel": kernel, "scaling": scaling, "series": s.name,
             "over": "workers", "nodes": p.nodes, "workers": p.workers, "p": p.workers,
             "speedup": p.speedup, "e": fits.karp_flatt(p.speedup, p.workers),
             "oversubscribed": p.beyond_cores, "unstable": p.unstable}
            for kernel, scaling, s in _series(run) for p in s.points if p.workers > 1 and p.speedup]
    rows += [{"run": run.label, "kernel": kernel, "scaling": scaling, "series": s.name,
              "over": "nodes", "nodes": st.nodes, "workers": st.point.workers, "p": st.ratio,
              "speedup": st.speedup, "e": fits.karp_flatt(st.speedup, st.ratio),
              "oversubscribed": st.point.beyond_cores, "unstable": st.point.unstable}
             for kernel, scaling, s, st in _node_steps(run) if st.speedup]
    for r in rows:
        r["flags"] = fits.karp_flatt_flags(r["e"])
    return rows


def medians_rows(runs):
    rows = []
    for run in runs:
        cat = run.cat
        for p in sorted(run.points, key=lambda p: (cat.kernel_rank(p.kernel), p.kernel,
                                                  p.scaling, cat.mode_rank(p.mode),
                                                  p.interpreter, p.policy, p.interval or 0,
                                                  p.check or 0, tuple(sorted(p.params.items())),
                                                  p.workers, p.ranks, p.nodes, p.n or 0)):
            rows.append({"run": run.label, "kernel": p.kernel, "scaling": p.scaling,
                         "mode": p.mode, "ranks": p.ranks, "threads": p.threads,
                         "nodes": p.nodes, "workers": p.workers, "n": p.n,
                         "gil_policy": p.policy or "", "switch_interval_s": p.interval,
                         "check_interval": p.check, **p.params,
                         "interpreter": p.interpreter,
                         "reps": p.reps, "median_s": p.median, "min_s": p.tmin,
                         "max_s": p.tmax, "iqr_s": (p.q3 - p.q1) if p.times else None,
                         "q1_s": p.q1 if p.times else None, "q3_s": p.q3 if p.times else None,
                         "cv": p.cv,
                         "speedup": p.speedup, "efficiency": p.efficiency,
                         "io_latency_s": median(p.latency) if p.latency else None,
                         "flags": ", ".join(p.flags()), "_over": p.beyond_cores})
    return rows


def param_columns(runs):
    """The modes' own parameter columns of the runs' points (Point.params), in order."""
    return list(dict.fromkeys(c for run in runs for p in run.points for c in p.params))


def medians_columns(params):
    """MEDIANS_CSV with the modes' own parameter columns after the gil mode's."""
    at = MEDIANS_CSV.index("check_interval") + 1
    return MEDIANS_CSV[:at] + list(params) + MEDIANS_CSV[at:]


def flatten(obj, prefix="", limit=40, width=400):
    """[(dotted key, text)] of a JSON value: lists cut after `limit` items, texts after
    `width` characters (None: in full)."""
    items = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            items += flatten(v, f"{prefix}.{k}" if prefix else str(k), limit, width)
    elif isinstance(obj, list) and all(not isinstance(v, (dict, list)) for v in obj):
        shown = ", ".join(str(v) for v in obj[:limit])
        if len(obj) > limit:
            shown += f", … ({len(obj) - limit} more)"
        items.append((prefix, shown))
    else:
        text = json.dumps(obj, ensure_ascii=False) if not isinstance(obj, str) else obj
        if width is not None and len(text) > width:
            text = text[:width] + " …"
        items.append((prefix, text))
    return items


def sweep_command(manifest):
    """The command that made the folder: the runner's last run (manifest.json "runs"),
    the CPython baseline's "command_line", or None."""
    if not isinstance(manifest, dict):
        return None
    runs = manifest.get("runs")
    if isinstance(runs, list) and runs and isinstance(runs[-1], dict):
        argv = runs[-1].get("argv")
        if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
            return shlex.join(["runners/sweep.py", *argv])
    line = manifest.get("command_line")
    if isinstance(line, list) and line and all(isinstance(a, str) for a in line):
        return shlex.join(line)
    return None


# A Slurm job in the context section: jobs.csv's columns worth a glance, then the rest.
JOB_SHOWN = ("job_id", "name", "nodes", "layout", "state", "exit_code", "restarts", "cause",
             "points_ok", "points_not_ok", "points_retried")


def slurm_job(job):
    """One Slurm job of the context section: its row, its sbatch line, its attempts and
    its Slurm facts in full (slurm.json, every key)."""
    facts = job.get("facts") if isinstance(job.get("facts"), dict) else None
    tried = (facts or {}).get("attempts") or []
    return {"row": [(k, job.get(k)) for k in JOB_SHOWN if k in job],
            "command": job.get("command") or "",
            "reason": job.get("reason") or "", "note": job.get("note") or "",
            "attempts": [a for a in tried if isinstance(a, dict)],
            "facts": flatten({k: v for k, v in facts.items() if k != "attempts"},
                             limit=10**6, width=None) if facts else None}


def context(run):
    """What the context section shows of one run: machine and build, commands, files."""
    sw = run.sweep
    rows = machine.report_rows(sw.manifest, sw.context)
    if run.cores:
        rows.insert(2, ("cores (logical CPUs)", str(run.cores) + (
            f" (the largest allocation: up to {run.node_counts[-1]} nodes × "
            f"{run.cores_per_node} cores per node; each point counts its own nodes)"
            if run.multi_node and run.cores_per_node else "")))
    if sw.context:
        rows.insert(-1, ("OMP_PROC_BIND / OMP_PLACES",
                         f"{sw.context.get('OMP_PROC_BIND', '—')} / {sw.context.get('OMP_PLACES', '—')}"))
    cat = sw.catalogue
    files = [("manifest.json", sw.manifest), ("sweep.json", sw.config),
             (f"Google Benchmark context (points/{sw.context_point}/raw.json)", sw.context)]
    return {"label": run.label, "path": sw.path, "run_id": sw.run_id, "rows": len(sw.rows),
            "slurm_jobs": [slurm_job(j) for j in sw.slurm_jobs],
            "points": len({r["point_id"] for r in sw.rows}), "machine": rows,
            "command": sweep_command(sw.manifest),
            "point_command": (sw.context_point, (sw.context or {}).get("command_line")),
            "catalogue": f"{cat.origin}" + ("" if cat.is_legacy else
                                             f" (sumbench {cat.doc.get('sumbench_version')})"),
            "files": [(title, flatten(obj) if obj is not None else None) for title, obj in files],
            "commands": list(sw.commands.items()), "warnings": list(sw.warnings)}


def compute(runs):
    t = Tables()
    for run in runs:
        t.cores[run.label] = run.cores
        t.verdicts += [{"run": run.label, "kernel": k, "scaling": s, "line": line}
                       for k, s, line in verdicts(run)]
        t.verdicts += [{"run": run.label, "kernel": k, "scaling": s, "line": line, "over": "nodes"}
                       for k, s, line in nodes.node_verdicts(run, run.node_groups)]
        t.nodes += nodes.node_rows(run, run.node_groups)
        t.fits += fit_rows(run)
        t.karp_flatt += karp_flatt_rows(run)
        t.problems[run.label] = problem_rows(run.sweep)
        t.counts[run.label] = point_counts(run.sweep, t.problems[run.label])
        t.answers += answer.answers(run)
        t.unfitted += unfitted_rows(run)
        t.contexts.append(context(run))
        t.fidelity[run.label] = run.fidelity
        t.pyfunc[run.label] = pyfunc_answer.summarize(run, [v for v in t.verdicts if v["run"] == run.label])
    t.medians = medians_rows(runs)
    t.param_columns = param_columns(runs)
    return t


def _write(path, rows, columns):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])


def write_csvs(t, folder):
    """tables/*.csv of the report folder (itself written beside its place and swapped in)."""
    fits = [{"run": r["run"], "kernel": r["kernel"], "scaling": r["scaling"], "series": r["series"],
             "over": r["over"], "nodes": r["nodes"], "law": r["fit"].law, "f": r["fit"].f,
             "se": r["fit"].se, "observations": r["fit"].m, "rss": r["fit"].rss,
             "p": " ".join(map(str, r["fit"].workers)), "flags": "; ".join(r["flags"])}
            for r in t.fits]
    _write(os.path.join(folder, "fits.csv"), fits, FITS_CSV)
    _write(os.path.join(folder, "karp_flatt.csv"), [dict(r, flags="; ".join(r["flags"])) for r in t.karp_flatt],
           KARP_FLATT_CSV)
    _write(os.path.join(folder, "medians.csv"), t.medians, medians_columns(t.param_columns))
    _write(os.path.join(folder, "nodes.csv"), t.nodes, NODES_CSV)
    problems = [dict(p, run=run, reasons="; ".join(p["reasons"]))
                for run, rows in t.problems.items() for p in rows]
    _write(os.path.join(folder, "problems.csv"), problems, PROBLEMS_CSV)
    fidelity = [dict(s, run=run, versions=" ".join(f"{v}:{m:.6g}" for v, m in s["versions"].items() if m is not None),
                     mechanism="" if s["passed"] else s["mechanism"],
                     controls=" ".join(f"{r['policy']}:{r['role']}:{r['outcome'].replace(' ', '_')}" for r in s["roles"][1:]),
                     defaults_outcome=(s.get("defaults") or {}).get("outcome"),
                     defaults_discriminates=(s.get("defaults") or {}).get("discriminates"))
                for run, rows in t.fidelity.items() for s in rows]
    _write(os.path.join(folder, "fidelity.csv"), fidelity, FIDELITY_CSV)
    _write(os.path.join(folder, "pyfunc_costs.csv"),
           [r for s in t.pyfunc.values() if s for r in s["costs"]], pyfunc_answer.COST_COLUMNS)
    _write(os.path.join(folder, "pyfunc_answers.csv"),
           [dict(a, run=run) for run, s in t.pyfunc.items() if s for a in s["answers"]],
           ["run", "function", "interpreter", "workers", "line"])
