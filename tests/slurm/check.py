#!/usr/bin/env python3
"""Assertions on the files a Slurm job of sumbench leaves behind (tests/slurm).

    check.py slurm-json DIR [--job-id ID] [--state S] [--exit-code N] [--nodes N]
                            [--ntasks N] [--cpus-per-task N] [--hosts H1,H2] [--signal SIG]
    check.py csv DIR [--rows-min N] [--status ok] [--valid 1] [--modes a,b] [--kernels a,b]
                     [--nodes N] [--ranks N] [--threads N] [--scalings a,b] [--hosts-all H1,H2]
    check.py raw DIR [--no-errors] [--context KEY=VALUE]...
    check.py points DIR [--ok-min N] [--not-ok-min N] [--complete-min N] [--retried-min N]
    check.py jobs SWEEP_DIR JOB_ID=STATE[:RECORD[:RESTARTS[:CAUSE]]] ...
    check.py attempts DIR N [--cause ATTEMPT=CAUSE]... [--state ATTEMPT=STATE]...
    check.py report SWEEP_DIR [--problem POINT_ID]... [--text TEXT]...
                              [--node-curve KERNEL_SCALING]...
    check.py binding DIR [--min-points N]
    check.py whole-cores DIR CORES_PER_NODE

Prints what it checked; exits 1 with a message at the first failed check.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path


def fail(msg: str) -> None:
    print(f"check.py: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def ok(msg: str) -> None:
    print(f"check.py: ok: {msg}")


def load(path: Path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")


def csv_list(text: str | None) -> list[str]:
    return [x for x in (text or "").split(",") if x]


def cmd_slurm_json(a) -> None:
    d = load(Path(a.dir) / "slurm.json")
    if a.job_id and "_" in a.job_id:  # an array task: <array>_<task>, its own id aside
        d = dict(d, job_id=f"{d.get('array_job_id')}_{d.get('array_task_id')}")
    want = {"job_id": a.job_id, "state": a.state, "signal": a.signal}
    for key, value in want.items():
        if value is not None and str(d.get(key)) != value:
            fail(f"slurm.json {key}={d.get(key)!r}, expected {value!r}")
    for key, value in {"exit_code": a.exit_code, "nodes": a.nodes, "ntasks": a.ntasks,
                       "cpus_per_task": a.cpus_per_task}.items():
        if value is not None and d.get(key) != value:
            fail(f"slurm.json {key}={d.get(key)!r}, expected {value}")
    if a.hosts is not None and sorted(d.get("hosts") or []) != sorted(csv_list(a.hosts)):
        fail(f"slurm.json hosts={d.get('hosts')!r}, expected {a.hosts}")
    for key in ("job_id", "node_list", "partition", "nodes", "ntasks", "cpus_per_task",
                "started", "state"):
        if d.get(key) in (None, ""):
            fail(f"slurm.json has no {key}")
    ok(f"slurm.json: job {d['job_id']} {d['state']} exit {d.get('exit_code')} nodes {d['nodes']} "
       f"[{d['node_list']}] ntasks {d['ntasks']} cpus/task {d['cpus_per_task']} "
       f"partition {d['partition']}")


def cmd_csv(a) -> None:
    path = Path(a.dir) / "results.csv"
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        fail(f"{path}: {e}")
    if len(rows) < a.rows_min:
        fail(f"{path}: {len(rows)} rows, expected at least {a.rows_min}")
    for i, r in enumerate(rows):
        where = f"{path} row {i + 1} ({r.get('point_id')})"
        if a.status is not None and r["status"] != a.status:
            fail(f"{where}: status {r['status']!r}, expected {a.status!r}")
        if a.valid is not None and r["valid"] != a.valid:
            fail(f"{where}: valid {r['valid']!r}, expected {a.valid!r}")
        for col, value in (("nodes", a.nodes), ("ranks", a.ranks), ("threads", a.threads)):
            if value is not None and r[col] != value:
                fail(f"{where}: {col} {r[col]!r}, expected {value!r}")
        if a.hosts_all:
            hosts = set(r["hosts"].replace(",", ";").split(";"))
            missing = set(csv_list(a.hosts_all)) - hosts
            if missing:
                fail(f"{where}: hosts {r['hosts']!r} lack {sorted(missing)}")
    for col, wanted in (("mode", a.modes), ("kernel", a.kernels), ("scaling", a.scalings)):
        got = {r[col] for r in rows}
        missing = set(csv_list(wanted)) - got
        if missing:
            fail(f"{path}: no rows with {col} in {sorted(missing)} (have {sorted(got)})")
    summary = sorted({(r["kernel"], r["mode"], r["ranks"], r["threads"], r["nodes"], r["scaling"],
                       r["status"], r["valid"], r["hosts"]) for r in rows})
    ok(f"{path}: {len(rows)} rows")
    for s in summary:
        print("    kernel=%s mode=%s ranks=%s threads=%s nodes=%s scaling=%s status=%s valid=%s hosts=%s" % s)


def raw_files(d: Path) -> list[Path]:
    return sorted(d.glob("points/*/raw.json"))


def cmd_raw(a) -> None:
    files = raw_files(Path(a.dir))
    if not files:
        fail(f"{a.dir}: no points/*/raw.json")
    for f in files:
        doc = load(f)
        benches = [b for b in doc.get("benchmarks", []) if b.get("run_type", "iteration") == "iteration"]
        if not benches:
            fail(f"{f}: no benchmark entries")
        if a.no_errors:
            errs = [b.get("name") for b in benches if b.get("error_occurred")]
            if errs:
                fail(f"{f}: error entries {errs}: "
                     f"{[b.get('error_message') for b in benches if b.get('error_occurred')]}")
        ctx = doc.get("context", {})
        for kv in a.context or []:
            key, _, value = kv.partition("=")
            if str(ctx.get(key)) != value:
                fail(f"{f}: context {key}={ctx.get(key)!r}, expected {value!r}")
    ok(f"{len(files)} raw.json file(s) under {a.dir}"
       + (", no error entries" if a.no_errors else "")
       + (f", context {' '.join(a.context)}" if a.context else ""))


def cmd_points(a) -> None:
    d = Path(a.dir) / "points"
    counts = {"ok": 0, "not_ok": 0, "complete": 0, "incomplete": 0, "retried": 0}
    for p in sorted(d.iterdir()) if d.is_dir() else []:
        if not p.is_dir():
            continue
        if (p / "status.json").exists():
            counts["complete"] += 1
            doc = load(p / "status.json")
            st = doc.get("status")
            counts["ok" if st == "ok" else "not_ok"] += 1
            history = [f"{h.get('outcome')} in attempt {h.get('slurm_attempt')}"
                       for h in doc.get("history") or []]
            counts["retried"] += bool(history)
            print(f"    {p.name}: {st} [{doc.get('outcome')}, attempt {doc.get('slurm_attempt')}]"
                  + (f" after {', '.join(history)}" if history else ""))
        else:
            counts["incomplete"] += 1
            print(f"    {p.name}: (no status.json)")
    if counts["ok"] < a.ok_min:
        fail(f"{d}: {counts['ok']} ok points, expected at least {a.ok_min}")
    if counts["not_ok"] < a.not_ok_min:
        fail(f"{d}: {counts['not_ok']} points not ok, expected at least {a.not_ok_min}")
    if counts["complete"] < a.complete_min:
        fail(f"{d}: {counts['complete']} complete points, expected at least {a.complete_min}")
    if counts["retried"] < a.retried_min:
        fail(f"{d}: {counts['retried']} points retried, expected at least {a.retried_min}")
    ok(f"{d}: {counts}")


def cmd_jobs(a) -> None:
    doc = load(Path(a.dir) / "jobs.json")
    by_id = {str(j.get("job_id")): j for j in doc.get("jobs", [])}
    for spec in a.expect:
        job_id, _, rest = spec.partition("=")
        state, _, rest = rest.partition(":")
        record, _, rest = rest.partition(":")
        restarts, _, cause = rest.partition(":")
        j = by_id.get(job_id)
        if j is None:
            fail(f"jobs.json has no job {job_id} (has {sorted(by_id)})")
        if j.get("state") != state:
            fail(f"jobs.json: job {job_id} state {j.get('state')!r}, expected {state!r}")
        if record and j.get("record") != record:
            fail(f"jobs.json: job {job_id} record {j.get('record')!r}, expected {record!r}")
        if restarts and str(j.get("restarts")) != restarts:
            fail(f"jobs.json: job {job_id} restarts {j.get('restarts')!r}, expected {restarts}")
        if cause and j.get("cause") != cause:
            fail(f"jobs.json: job {job_id} cause {j.get('cause')!r}, expected {cause!r}")
        with open(Path(a.dir) / "jobs.csv", newline="", encoding="utf-8") as f:
            row = next((r for r in csv.DictReader(f) if r["job_id"] == job_id), None)
        if row is None or row["state"] != state or (cause and row["cause"] != cause):
            fail(f"jobs.csv: job {job_id}: {row}, expected state {state} cause {cause or 'any'}")
        ok(f"jobs.json/csv: job {job_id} {j['state']} (source {j.get('state_source')}, record "
           f"{j.get('record')}, restarts {j.get('restarts')}, cause {j.get('cause') or '-'}, "
           f"points {j.get('points_ok')}/{j.get('points_not_ok')}/{j.get('points_retried')} "
           f"ok/not-ok/retried; reason: {j.get('reason') or '-'}; note: {j.get('note') or '-'})")


def cmd_attempts(a) -> None:
    """slurm.json lists N attempts; each has its record and its log; causes and states."""
    d = Path(a.dir)
    top = load(d / "slurm.json")
    tried = top.get("attempts") or []
    if len(tried) != a.n or top.get("attempt") != a.n - 1:
        fail(f"{d}/slurm.json: attempt {top.get('attempt')}, {len(tried)} attempt(s) "
             f"{tried}, expected {a.n}")
    for i in range(a.n):
        rec = load(d / "attempts" / str(i) / "slurm.json")
        log = d / "attempts" / str(i) / "job.log"
        text = log.read_text(errors="replace") if log.is_file() else ""
        if f"attempt {i} starts" not in text:
            fail(f"{log}: missing, or without the line that starts attempt {i}")
        print(f"    attempt {i}: {rec.get('state')} cause {rec.get('cause') or '-'} "
              f"on {rec.get('node_list')}: {rec.get('reason') or '-'}")
    for kind, specs in (("cause", a.cause or []), ("state", a.state or [])):
        for spec in specs:
            i, _, want = spec.partition("=")
            if tried[int(i)].get(kind) != want:
                fail(f"{d}/slurm.json: attempt {i} {kind} {tried[int(i)].get(kind)!r}, "
                     f"expected {want!r}")
    ok(f"{d}: {a.n} attempt(s), each with its slurm.json and job.log")


def cmd_report(a) -> None:
    rep = Path(a.dir) / "report"
    index = rep / "index.html"
    if not index.is_file():
        fail(f"{index} missing")
    text = index.read_text(encoding="utf-8", errors="replace")
    for pid in a.problem or []:
        if pid not in text:
            fail(f"{index} does not list {pid} among the problems")
    for want in a.text or []:
        if want not in text:
            fail(f"{index} does not say {want!r}")
    figures = {f["name"]: f for f in load(rep / "figures" / "figures.json")}
    for ks in a.node_curve or []:
        kernel, scaling = ks.rsplit("_", 1)
        for kind in ("time", "speedup", "efficiency"):
            name = f"{ks}_nodes_{kind}"
            if name not in figures or not (rep / figures[name]["png"]).is_file():
                fail(f"{rep}: no figure {name} (have {sorted(figures)})")
        with open(rep / "tables" / "nodes.csv", newline="", encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f) if (r["kernel"], r["scaling"]) == (kernel, scaling)]
        series = {}
        for r in rows:
            series.setdefault(r["series"], set()).add(int(r["nodes"]))
        if not any({1, 2} <= n for n in series.values()):
            fail(f"{rep}/tables/nodes.csv: no {kernel} {scaling} series at nodes 1 and 2 ({series})")
        ok(f"node curve {ks}: figures {ks}_nodes_{{time,speedup,efficiency}}, nodes.csv series "
           + ", ".join(f"{k} at nodes {sorted(v)}" for k, v in series.items()))
    ok(f"{index} ({len(text)} bytes)" + (f", lists {' '.join(a.problem)}" if a.problem else "")
       + (f", says {a.text}" if a.text else ""))


def cpu_set(text: str) -> set[int]:
    out = set()
    for item in filter(None, text.split(",")):
        lo, _, hi = item.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def srun_plan(argv: list[str]) -> tuple[int, int, str]:
    """(ranks, CPUs per rank, --cpu-bind) of the runner's srun command."""
    def value(name):
        return next((a.split("=", 1)[1] for a in argv if a.startswith(name + "=")), "")
    ranks = int(argv[argv.index("-n") + 1]) if "-n" in argv else 0
    return ranks, int(value("--cpus-per-task") or 1), value("--cpu-bind")


def cmd_binding(a) -> None:
    """Each srun point's ranks were bound as planned (TaskPlugin=task/affinity): as many
    ranks as -n, each on --cpus-per-task cores of its own, none shared on a host
    (sumbench's rank_cores: "rank@host:cores;...")."""
    checked = 0
    for point in sorted((Path(a.dir) / "points").iterdir()):
        cmd = load(point / "command.json")
        argv = cmd.get("argv") or []
        if not argv or argv[0] != "srun" or not (point / "raw.json").is_file():
            continue
        ranks, cpus, bind = srun_plan(argv)
        ctx = load(point / "raw.json").get("context", {})
        places = [x for x in str(ctx.get("rank_cores", "")).split(";") if x]
        if bind not in ("cores", "threads"):
            fail(f"{point.name}: srun --cpu-bind={bind!r}, the plan binds nothing")
        if len(places) != ranks:
            fail(f"{point.name}: {len(places)} ranks in rank_cores {places}, srun -n {ranks}")
        seen = {}
        for place in places:
            rank, _, where = place.partition("@")
            host, _, cores = where.partition(":")
            got = cpu_set(cores)
            if len(got) != cpus:
                fail(f"{point.name}: rank {rank} on cores {sorted(got)} of {host}, planned "
                     f"--cpus-per-task={cpus} (srun {' '.join(argv[:8])} ...)")
            if seen.setdefault(host, set()) & got:
                fail(f"{point.name}: rank {rank} shares cores {sorted(seen[host] & got)} on {host}")
            seen[host] |= got
        checked += 1
        print(f"    {point.name}: {ranks} rank(s) x {cpus} core(s) as planned: {ctx.get('rank_cores')}")
    if checked < a.min_points:
        fail(f"{a.dir}: {checked} srun points checked, expected at least {a.min_points}")
    ok(f"{a.dir}: every rank of {checked} srun point(s) bound as planned")


def cmd_whole_cores(a) -> None:
    """The runner planned on the job's whole cores (the allocation's, not a divided
    count) and marked no point oversubscribed; no srun command overcommits."""
    d = Path(a.dir)
    machine = load(d / "manifest.json").get("machine") or {}
    topo = machine.get("topology") or {}
    if topo.get("planned_cores_per_node") != a.cores:
        fail(f"{d}/manifest.json: planned {topo.get('planned_cores_per_node')} cores per node, "
             f"expected {a.cores}")
    for point in sorted((d / "points").iterdir()):
        status = load(point / "status.json")
        argv = (load(point / "command.json").get("argv") or [])
        if status.get("oversubscribed") or "--overcommit" in argv or "--cpu-bind=none" in argv:
            fail(f"{point.name}: oversubscribed ({' '.join(argv[:10])} ...)")
        with open(point / "results.csv" if (point / "results.csv").exists() else d / "results.csv",
                  newline="", encoding="utf-8") as f:
            over = [r for r in csv.DictReader(f)
                    if r.get("point_id") == point.name and r.get("oversubscribed") not in ("", "0")]
        if over:
            fail(f"{point.name}: sumbench marked it oversubscribed")
    ok(f"{d}: {a.cores} whole cores per node planned, no point oversubscribed")


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("slurm-json")
    s.add_argument("dir")
    s.add_argument("--job-id")
    s.add_argument("--state")
    s.add_argument("--signal")
    s.add_argument("--exit-code", type=int)
    s.add_argument("--nodes", type=int)
    s.add_argument("--ntasks", type=int)
    s.add_argument("--cpus-per-task", type=int)
    s.add_argument("--hosts")
    s = sub.add_parser("csv")
    s.add_argument("dir")
    s.add_argument("--rows-min", type=int, default=1)
    for flag in ("--status", "--valid", "--modes", "--kernels", "--nodes", "--ranks",
                 "--threads", "--scalings", "--hosts-all"):
        s.add_argument(flag)
    s = sub.add_parser("raw")
    s.add_argument("dir")
    s.add_argument("--no-errors", action="store_true")
    s.add_argument("--context", action="append")
    s = sub.add_parser("points")
    s.add_argument("dir")
    s.add_argument("--ok-min", type=int, default=0)
    s.add_argument("--not-ok-min", type=int, default=0)
    s.add_argument("--complete-min", type=int, default=0)
    s.add_argument("--retried-min", type=int, default=0)
    s = sub.add_parser("jobs")
    s.add_argument("dir")
    s.add_argument("expect", nargs="*")
    s = sub.add_parser("attempts")
    s.add_argument("dir")
    s.add_argument("n", type=int)
    s.add_argument("--cause", action="append")
    s.add_argument("--state", action="append")
    s = sub.add_parser("report")
    s.add_argument("dir")
    s.add_argument("--problem", action="append")
    s.add_argument("--text", action="append")
    s.add_argument("--node-curve", action="append")
    s = sub.add_parser("binding")
    s.add_argument("dir")
    s.add_argument("--min-points", type=int, default=1)
    s = sub.add_parser("whole-cores")
    s.add_argument("dir")
    s.add_argument("cores", type=int)
    a = p.parse_args()
    {"binding": cmd_binding, "whole-cores": cmd_whole_cores, "slurm-json": cmd_slurm_json, "csv": cmd_csv, "raw": cmd_raw, "points": cmd_points,
     "jobs": cmd_jobs, "attempts": cmd_attempts, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
