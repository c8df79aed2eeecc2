"""A combined Slurm sweep over 64 nodes of 128 hardware threads (2 x 32 x 2, --cpus=
hwthreads), as submit_sweep.py --combine leaves it: results.csv, manifest.json with the
machine and every array task's sbatch line, jobs.csv. Node counts 1..64, layouts per node
128x1, 8x16 and 1x128, modes mpi and hybrid, strong scaling: 385 points, up to 8192
workers. Times follow a plain model (a serial part, a per-node cost); no point folders:
the report reads results.csv and the manifest.
"""

import csv
import json
import os

from sumbench.schema import COLUMNS

NODES = range(1, 65)
PER_NODE = 128
LAYOUTS = ((128, 1), (8, 16), (1, 128))
N = 1 << 34
SCALINGS = ("strong",)   # the weak figures draw the same way; strong alone keeps the test short
T1 = 20.0   # seconds of the serial sum at N


def model(workers, nodes, scaling):
    serial, comm = 0.002, 0.0004 * nodes.bit_length()
    if scaling == "weak":
        return T1 / 1024 * (1 + serial * workers ** 0.25) + comm
    return T1 * (serial + (1 - serial) / workers) + comm


def _points():
    yield "serial", 1, 1, 1
    for nodes in NODES:
        for r, t in LAYOUTS:
            yield "mpi", nodes * r, 1, nodes
            yield "hybrid", nodes * r, t, nodes


def make_node_sweep(out):
    os.makedirs(out, exist_ok=True)
    rows, jobs, seen = [], [], set()
    for scaling in SCALINGS:
        for mode, ranks, threads, nodes in _points():
            workers = ranks * threads
            pid = f"j{nodes}-sum-{mode}-r{ranks}t{threads}-{scaling}"
            if pid in seen:
                continue
            seen.add(pid)
            n = N if scaling == "strong" else N // 1024 * workers
            base = model(workers, nodes, scaling)
            for rep in range(3):
                t = base * (1 + 0.01 * (rep - 1))
                rows.append({c: "" for c in COLUMNS} | {
                    "run_id": "node64", "point_id": pid, "source": "sumbench", "kernel": "sum",
                    "mode": mode, "ranks": ranks, "threads": threads, "workers": workers,
                    "nodes": nodes, "scaling": scaling, "n": n, "valid": 1, "oversubscribed": 0,
                    "hosts": f"node[001-{nodes:03d}]", "status": "ok", "cv": "0.0100",
                    "unstable": 0, "repetition": rep, "time_s": f"{t:.9g}",
                    "items_per_s": f"{n / t:.9g}", "cpus": "hwthreads", "schema_version": 1})
    for nodes in NODES:
        for i, (r, t) in enumerate(LAYOUTS):
            jobs.append({"job_id": f"{1000 + nodes}_{i}", "name": f"sumbench-N{nodes}-{r}x{t}",
                         "nodes": nodes, "layout": f"{r}x{t}", "state": "COMPLETED", "restarts": 0,
                         "points_ok": 4, "points_not_ok": 0, "points_retried": 0,
                         "command": f"SUMBENCH=/opt/sumbench/bin/sumbench sbatch --nodes={nodes} "
                                    f"--ntasks-per-node=128 --cpus-per-task=1 --array=0-2%4 "
                                    f"--exclusive --hint=multithread slurm/sumbench.sbatch"})
    with open(os.path.join(out, "results.csv"), "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as fh:
        json.dump({"run_id": "node64", "kind": "slurm-sweep", "started": "2026-12-01T10:00:00",
                   "finished": "2026-12-01T18:00:00",
                   "machine": {"hostname": "node[001-064]", "cores": 64 * PER_NODE,
                               "cores_per_node": PER_NODE, "nodes": 64, "cpus": "hwthreads",
                               "cpu_model": "Synthetic 2 x 32 x 2"},
                   "slurm_nodes": "whole nodes (sbatch --exclusive)",
                   "slurm_cores": "hardware threads: --hint=multithread", "slurm_jobs": jobs,
                   "counts": {"jobs": len(jobs), "rows": len(rows)}}, fh)
    return out, len(seen)
