"""Synthetic sweep folders that follow docs/DESIGN.md, for the reports tests.

make_sweep() writes OUT/{sweep.json, manifest.json, points/<id>/..., results.csv}
with a plausible 2-core machine: omp/mpi/hybrid scale on sum, gil does not,
everything scales on sleep, 4 workers are oversubscribed, GIL policy and
switch-interval variants for sum at 2 threads and for convoy, CPython baseline
rows, one failed point, one invalid point and one unstable point.
"""

import csv
import json
import os
import random
import shlex
import sys

from sumbench import points
from sumbench.io import atomic_write_text
from sumbench.schema import COLUMNS

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SUMBENCH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
REPORTS_DIR = os.path.join(SOURCE_DIR, "reports")
REPORT_PY = os.path.join(REPORTS_DIR, "report.py")
COMPARE_PY = os.path.join(REPORTS_DIR, "compare.py")

CORES = 2
N = {"sum": 50_000_000, "sleep": 8, "convoy": 20_000_000}
T1 = {"sum": 0.050, "sleep": 0.800, "convoy": 0.040}        # serial time, seconds
CPY_N = {"sum": 2_000_000, "sleep": 8}
CPY_T1 = {"sum": 0.150, "sleep": 0.800}


_atomic_write = atomic_write_text


def model_time(kernel, mode, ranks, threads, policy="cpython", interval=0.005, cores=CORES):
    """Noise-free median time of a point on a machine of `cores` cores (2 by default)."""
    p = ranks * threads
    eff = min(p, cores)
    over = p > cores
    if kernel == "sleep":
        if mode in ("serial", "cpython-serial"):
            return T1["sleep"]
        return T1["sleep"] / p + 0.002 * p          # sleeps overlap even oversubscribed
    base = T1[kernel] if not mode.startswith("cpython") else CPY_T1[kernel]
    if mode in ("serial", "cpython-serial"):
        return base
    if mode == "gil" or mode == "cpython-threads":
        if policy == "none":
            t = base * (0.02 + 0.98 / eff)
        else:
            t = base * (1.0 + 0.01 * (p - 1)) * (1.0 + 0.0002 / interval)
            if policy == "fifo":
                t *= 1.03
        return t
    f = {"omp": 0.02, "mpi": 0.03, "hybrid": 0.035, "cpython-processes": 0.06}[mode]
    t = base * (f + (1 - f) / eff)
    if over:
        t *= 1.0 + 0.08 * (p / cores)                 # time slicing overhead
    return t


WEAK_F = {"omp": 0.02, "mpi": 0.03, "hybrid": 0.035, "cpython-processes": 0.06}


def model_time_weak(kernel, mode, ranks, threads, cores=CORES):
    """Weak scaling (n per worker fixed): Gustafson S(p) = p - f (p - 1) within the cores."""
    p = ranks * threads
    base = T1[kernel] if not mode.startswith("cpython") else CPY_T1[kernel]
    if mode in ("serial", "cpython-serial"):
        return base
    if kernel == "sleep":
        return base * (1.0 + 0.002 * p)
    if mode in ("gil", "cpython-threads"):
        return base * p * 1.01                         # no parallelism at all
    eff = min(p, cores)
    speedup = eff - WEAK_F[mode] * (eff - 1)
    return base * p / speedup


def _points(kernels=("sum", "sleep"), workers=(1, 2, 4), gil_variants=True,
            cpython=True, convoy=True, hybrid=True):
    pts = []
    for kernel in kernels:
        pts.append(dict(kernel=kernel, mode="serial", ranks=1, threads=1))
        for w in workers:
            pts.append(dict(kernel=kernel, mode="omp", ranks=1, threads=w))
            pts.append(dict(kernel=kernel, mode="mpi", ranks=w, threads=1))
            pts.append(dict(kernel=kernel, mode="gil", ranks=1, threads=w,
                            policy="cpython", interval=0.005))
            if hybrid and w >= 2:
                pts.append(dict(kernel=kernel, mode="hybrid", ranks=2, threads=w // 2))
        if cpython and kernel in CPY_N:
            pts.append(dict(kernel=kernel, mode="cpython-serial", ranks=1, threads=1))
            for w in workers:
                pts.append(dict(kernel=kernel, mode="cpython-threads", ranks=1, threads=w))
                pts.append(dict(kernel=kernel, mode="cpython-processes", ranks=w, threads=1))
    if gil_variants and "sum" in kernels:
        for policy in ("cpython", "legacy", "fifo", "none"):
            for interval in (0.0005, 0.001, 0.005, 0.02):
                if policy == "cpython" and interval == 0.005:
                    continue                     # already in the main curve
                pts.append(dict(kernel="sum", mode="gil", ranks=1, threads=2,
                                policy=policy, interval=interval))
    if convoy:
        pts.append(dict(kernel="convoy", mode="omp", ranks=1, threads=2))
        for policy in ("cpython", "legacy", "fifo"):
            for interval in (0.0005, 0.001, 0.005, 0.02):
                pts.append(dict(kernel="convoy", mode="gil", ranks=1, threads=2,
                                policy=policy, interval=interval))
    return pts


def _point_id(i, pt):
    pid = f"{i:04d}-{pt['kernel']}-{pt['mode']}-r{pt['ranks']}t{pt['threads']}"
    if pt["mode"] == "gil":
        pid += f"-{pt.get('policy', 'cpython')}-{int(round(pt.get('interval', 0.005) * 1e6))}us"
    return pid


def make_sweep(out, run_id="synthetic-a", seed=1, repetitions=3, noise=0.01,
               factors=None, failures=True, cpu_model="Synthetic CPU @ 2.0GHz",
               host="testhost", scaling="strong", cores=CORES, unstable_points=(), **point_args):
    """Write a sweep folder; factors maps (kernel, mode, ranks, threads) -> time factor;
    unstable_points lists more (kernel, mode, ranks, threads) that the runner marked
    unstable; cores: the machine's core count."""
    rng = random.Random(seed)
    factors = factors or {}
    os.makedirs(os.path.join(out, "points"), exist_ok=True)
    pts = _points(**point_args)
    rows = []
    order = []
    for i, pt in enumerate(pts):
        kernel, mode, ranks, threads = pt["kernel"], pt["mode"], pt["ranks"], pt["threads"]
        policy, interval = pt.get("policy", "cpython"), pt.get("interval", 0.005)
        is_gil = mode == "gil"
        source = "cpython" if mode.startswith("cpython") else "sumbench"
        workers = ranks * threads
        n = (CPY_N if source == "cpython" else N)[kernel]
        if scaling == "weak":
            n *= workers                                   # the n column: total size
        pid = _point_id(i, pt)
        order.append(pid)
        pdir = os.path.join(out, "points", pid)
        os.makedirs(pdir, exist_ok=True)
        over = int(workers > cores)
        argv = ["build/sumbench", f"--kernels={kernel}", f"--modes={mode}",
                f"--workers={workers}", "--quick", f"--benchmark_repetitions={repetitions}",
                "--benchmark_format=json"]
        if source == "cpython":
            argv = ["python3", "runners/cpython_baseline.py", f"--mode={mode}",
                    f"--workers={workers}"]
        elif ranks > 1:
            argv = ["mpirun", "-np", str(ranks)] + argv
        _atomic_write(os.path.join(pdir, "command.json"),
                      json.dumps({"argv": argv, "env": {"OMP_NUM_THREADS": str(threads)},
                                  "cwd": "/work/main"}, indent=1))
        _atomic_write(os.path.join(pdir, "command.txt"), shlex.join(argv) + "\n")
        status = "ok"
        valid = 1
        unstable = 0
        if failures and kernel == "sum" and mode == "mpi" and workers == 4:
            status = "failed"
        if failures and kernel == "sleep" and mode == "hybrid" and workers == 4:
            valid = 0
        if failures and kernel == "sum" and mode == "omp" and workers == 4:
            unstable = 1
        if (kernel, mode, ranks, threads) in unstable_points:
            unstable = 1
        base = (model_time(kernel, mode, ranks, threads, policy, interval, cores)
                if scaling == "strong" else model_time_weak(kernel, mode, ranks, threads, cores))
        base *= factors.get((kernel, mode, ranks, threads), 1.0)
        times = [base * (1.0 + rng.gauss(0.0, noise)) for _ in range(repetitions)]
        cv = (max(times) - min(times)) / base if unstable == 0 else 0.25
        bench = []
        for r, t in enumerate(times):
            name = f"{kernel}/{mode}/ranks:{ranks}/threads:{threads}/n:{n}"
            if is_gil:
                name += f"/policy:{policy}/interval:{int(round(interval * 1e6))}us"
            bench.append({"name": name, "run_name": name, "run_type": "iteration",
                          "repetitions": repetitions, "repetition_index": r,
                          "iterations": 1, "real_time": t, "time_unit": "s",
                          "ranks": ranks, "threads": threads, "workers": workers,
                          "n": n, "valid": valid, "oversubscribed": over})
        context = {"date": "2026-11-24T10:00:00+00:00", "host_name": host,
                   "executable": "build/sumbench", "num_cpus": cores, "mhz_per_cpu": 2000,
                   "cpu_scaling_enabled": False, "library_build_type": "release",
                   "caches": [{"type": "Data", "level": 1, "size": 32768, "num_sharing": 1}],
                   "load_avg": [0.1, 0.2, 0.3], "sumbench_version": "0.1.0",
                   "schema_version": "1", "hosts": host, "nodes": "1",
                   "cpu_model": cpu_model, "mpi_library": "Open MPI v4.1.4",
                   "mpi_ranks": str(ranks), "compiler": "GNU 12.2.0",
                   "cxx_flags": "-O3 -march=native", "build_type": "Release",
                   "git_commit": "0123456789abcdef", "scaling": "strong",
                   "sleep_ms": "100", "command_line": shlex.join(argv),
                   "OMP_NUM_THREADS": str(threads), "OMP_PROC_BIND": "close",
                   "OMP_PLACES": "cores", "placement_warnings": ""}
        if status == "ok":
            _atomic_write(os.path.join(pdir, "raw.json"),
                          json.dumps({"context": context, "benchmarks": bench}, indent=1))
            _atomic_write(os.path.join(pdir, "stdout.txt"), "ok\n")
            _atomic_write(os.path.join(pdir, "stderr.txt"), "")
        else:
            _atomic_write(os.path.join(pdir, "stdout.txt"), "")
            _atomic_write(os.path.join(pdir, "stderr.txt"),
                          "mpirun: not enough slots available\n")
        points.write_status(
            pdir, point_id=pid, exit_code=0 if status == "ok" else 1,
            status=status if valid else "invalid", wall_s=sum(times) + 0.3,
            launch_s=0.05 * ranks, load_before=[0.1], load_after=[0.2], oversubscribed=bool(over),
            warnings=["oversubscribed: 4 workers on 2 CPUs"] if over else [],
            attempts=1, cv=cv, unstable=bool(unstable), source=source)
        common = {"run_id": run_id, "point_id": pid, "source": source, "kernel": kernel,
                  "mode": mode, "ranks": ranks, "threads": threads, "workers": workers,
                  "nodes": 1, "scaling": scaling, "n": n, "valid": valid,
                  "oversubscribed": over, "hosts": host,
                  "switch_interval_s": interval if is_gil else "",
                  "gil_policy": policy if is_gil else "", "status": status,
                  "cv": f"{cv:.4f}", "unstable": unstable, "launch_s": 0.05 * ranks,
                  "combine_bytes": 8 * workers, "schema_version": 1}
        if status != "ok":
            row = dict(common, repetition="", time_s="", items_per_s="", bytes_per_s="",
                       io_latency_s="", combine_bytes="", cv="", launch_s="")
            rows.append(row)
            continue
        for r, t in enumerate(times):
            lat = ""
            if kernel == "convoy":
                lat = interval * (1.0 if policy == "legacy" else 0.5) * (1 + rng.gauss(0, 0.05)) \
                    if mode == "gil" else 2e-5
            rows.append(dict(common, repetition=r, time_s=f"{t:.9g}",
                             items_per_s=f"{n / t:.9g}", bytes_per_s="",
                             io_latency_s=lat))
    with open(os.path.join(out, "results.csv"), "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    _atomic_write(os.path.join(out, "sweep.json"), json.dumps({
        "kernels": ["sum", "sleep", "convoy"], "modes": ["serial", "omp", "mpi", "hybrid",
                                                         "gil"],
        "workers": [1, 2, 4], "repetitions": repetitions, "quick": True, "seed": seed,
        "order": order}, indent=1))
    _atomic_write(os.path.join(out, "manifest.json"), json.dumps({
        "run_id": run_id, "started": "2026-11-24T10:00:00Z",
        "finished": "2026-11-24T10:05:00Z",
        "machine": {"hostname": host, "cpu_model": cpu_model, "cores": cores,
                    "platform": "Linux-6.1-x86_64-with-glibc2.36"},
        "runs": [{"started": "2026-11-24T10:00:00Z", "argv": ["--quick", "--out", out]}],
        "counts": {"points": len(pts), "ok": len(pts) - (1 if failures else 0),
                   "failed": 1 if failures else 0}}, indent=1))
    return out


def png_size(path):
    """(width, height) from a PNG's IHDR chunk; raises ValueError if not a PNG."""
    import struct
    with open(path, "rb") as fh:
        head = fh.read(33)
    if len(head) < 33 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{path}: not a PNG")
    return struct.unpack(">II", head[16:24])


def run_script(argv, env=None, timeout=300, python=None):
    """Run [python] + argv (argv[0] is a script or an interpreter flag); text output."""
    import subprocess
    full_env = dict(os.environ)
    full_env.pop(GUARD_ENV, None)
    full_env["PYTHONDONTWRITEBYTECODE"] = "1"
    if env:
        full_env.update(env)
    return subprocess.run([python or sys.executable] + list(argv),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout, env=full_env)


GUARD_ENV = "SUMBENCH_REPORT_REEXEC"


def leftovers(parent):
    """Temporary report folders left beside REPORT_DIR (must be none)."""
    return [n for n in os.listdir(parent) if ".tmp-" in n or ".old-" in n]
