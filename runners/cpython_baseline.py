#!/usr/bin/env python3
"""The blog post's experiment in the machine's real CPython, as sumbench tidy rows.

Runs the post's ``heavy_calculation`` (``for i in range(n): count += i``), its
sleeping ``hello_func`` and a GIL convoy experiment in CPython itself, with threads
(``threading.Thread``), processes (``multiprocessing.Process``) and one worker in the
main thread, and writes the results as a sweep-style folder (docs/DESIGN.md):

    OUT/points/cpython-<kernel>-<mode>-w<W>-<scaling>[-si<interval>]/
        command.json  command.txt  raw.json  rows.json  status.json (written last)
    OUT/results.csv   rebuilt with runners/tidy.py (else written here, same columns)

OUT may be an existing sumbench sweep folder, so reports show CPython beside
gil/omp/mpi; its manifest.json run_id is then reused and left untouched.

Standard library only; any CPython >= 3.8. Exit status: 0 all points ok, 1 a result
failed validation, 2 usage error or no CPython (one line on stderr).

Kernels (each row is one repetition):
  sum     strong: [0,n) split into W contiguous slices; weak: every worker sums range(n)
          (the post). The combined total is checked against n(n-1)/2 (weak: W times it).
          Processes send their partial back through a multiprocessing.Queue (pickled);
          combine_bytes is the pickled size of those messages (0 for threads: shared memory).
          time_s spans the first start() to the last join() plus the combine, as in the
          post (so it includes process creation); launch_s is how long after the first
          start() the last worker began running.
  sleep   time.sleep(--sleep-ms); strong: max(--workers) tasks split over W workers;
          weak: one task per worker. Valid when every task ran and lasted >= its duration.
  convoy  cpython-threads only: one I/O thread does K short waits (time.sleep(0.001))
          while C = W-1 CPU threads run the sum loop until the I/O thread is done, at each
          --switch-interval (sys.setswitchinterval). io_latency_s = mean(measured - nominal)
          per wait; time_s = the I/O thread's time for the K waits; n = K.

``n`` in a row is the total number of elements (sum), tasks (sleep) or waits (convoy)
over all workers, like sumbench's KernelConfig.n.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import multiprocessing
import os
import pickle
import platform
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SCRIPT = os.path.abspath(__file__)
RUNNERS_DIR = os.path.dirname(SCRIPT)
REPO_ROOT = os.path.dirname(RUNNERS_DIR)

MIN_PYTHON = (3, 8)
SOURCE = "cpython"
KERNELS = ("sum", "sleep", "convoy")
MODES = ("cpython-serial", "cpython-threads", "cpython-processes")
MODE_ALIASES = {"serial": "cpython-serial", "threads": "cpython-threads",
                "processes": "cpython-processes"}
SCALINGS = ("strong", "weak", "both")

# docs/DESIGN.md, results.csv schema_version 1 (runners/tidy.py's COLUMNS win when present).
LOCAL_SCHEMA_VERSION = 1
LOCAL_COLUMNS = [
    "run_id", "point_id", "source", "kernel", "mode", "ranks", "threads", "workers",
    "nodes", "scaling", "n", "repetition", "time_s", "items_per_s", "bytes_per_s",
    "valid", "oversubscribed", "hosts", "switch_interval_s", "gil_policy", "status",
    "cv", "unstable", "launch_s", "io_latency_s", "combine_bytes", "schema_version",
]

DEFAULT_TARGET_S = 0.3      # a serial sum run takes about this long (sumbench's default sum run)
QUICK_N = 100_000           # --quick: a few milliseconds of sum per worker
DEFAULT_SLEEP_MS = 100.0
QUICK_SLEEP_MS = 50.0
DEFAULT_IO_WAITS = 200
QUICK_IO_WAITS = 20
IO_WAIT_S = 0.001           # one convoy wait: time.sleep(0.001)
CONVOY_CHUNK = 2_000        # convoy CPU threads check the stop flag every CHUNK elements
SLEEP_SLACK_S = 1e-6        # float noise allowed when checking a sleep lasted its duration
DEFAULT_CV_THRESHOLD = 0.05  # like runners/sumbench_runner's --cv-threshold
REEXEC_ENV = "CPYTHON_BASELINE_REEXEC"


class UsageError(Exception):
    """Bad command-line input: one line, exit 2."""


# ----------------------------------------------------------------------- parsing

def parse_workers(text):
    items = [t.strip() for t in str(text).split(",")]
    out = []
    for t in items:
        if not re.fullmatch(r"[0-9]+", t or "x") or int(t) < 1 or int(t) > 4096:
            raise UsageError(f"bad --workers value {t!r} in {text!r}: expected a comma list "
                             f"of integers 1..4096, e.g. 1,2,4")
        if int(t) not in out:
            out.append(int(t))
    return out


def parse_names(text, allowed, what, aliases=None):
    aliases = aliases or {}
    out = []
    for t in str(text).split(","):
        t = t.strip()
        name = aliases.get(t, t)
        if name not in allowed:
            raise UsageError(f"unknown {what} {t!r}: allowed are {','.join(allowed)}")
        if name not in out:
            out.append(name)
    return out


_INTERVAL_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def parse_interval(token):
    """'500us' / '1ms' / '0.005s' / '0.005' (seconds) -> seconds, like sumbench."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(us|ms|s)?\s*", token)
    if not m:
        raise UsageError(f"bad --switch-interval value {token!r}: expected e.g. 500us, 1ms, 0.005s")
    seconds = float(m.group(1)) * _INTERVAL_UNITS[m.group(2) or "s"]
    if not (seconds > 0 and math.isfinite(seconds)) or seconds > 60:
        raise UsageError(f"bad --switch-interval value {token!r}: must be > 0 and <= 60s")
    return seconds


def parse_intervals(text):
    out = []
    for t in str(text).split(","):
        s = parse_interval(t)
        if s not in out:
            out.append(s)
    return out


def interval_token(seconds):
    """Seconds -> '1ms', '500us', '1.5ms' (for point ids)."""
    us = seconds * 1e6
    if abs(us - round(us)) < 1e-6:
        us = int(round(us))
        if us % 1_000_000 == 0:
            return f"{us // 1_000_000}s"
        if us % 1000 == 0:
            return f"{us // 1000}ms"
        return f"{us}us"
    return f"{us:g}us"


def _positive(kind, name, low=1):
    def conv(text):
        try:
            v = kind(text)
        except (TypeError, ValueError):
            raise UsageError(f"bad {name} value {text!r}: expected a number >= {low}")
        if not (v >= low) or (isinstance(v, float) and not math.isfinite(v)):
            raise UsageError(f"bad {name} value {text!r}: expected a number >= {low}")
        return v
    return conv


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser():
    p = _Parser(prog="cpython_baseline.py",
                description="The post's threads-vs-processes experiment in the real CPython, "
                            "written as sumbench tidy rows.")
    a = p.add_argument
    a("--out", required=True, metavar="DIR", help="sweep-style output folder (may be an existing sweep)")
    a("--kernels", default=",".join(KERNELS), help="comma list of sum,sleep,convoy (default all)")
    a("--modes", default=",".join(MODES),
      help="comma list of cpython-serial,cpython-threads,cpython-processes (or serial,threads,processes)")
    a("--workers", default=None, help="comma list of worker counts (default 1,2,4,... up to 2x cores, plus cores)")
    a("--scaling", default="both", help="strong, weak or both (default both)")
    a("--n", default=None, help="sum elements per worker at one worker (default: calibrated to ~0.3 s serial)")
    a("--target-s", default=None, help="calibration target for one serial sum run (default 0.3)")
    a("--sleep-ms", default=None, help="duration of one sleep task in ms (default 100; --quick 50)")
    a("--io-waits", default=None, help="convoy: number K of 1 ms waits of the I/O thread (default 200)")
    a("--switch-interval", default="1ms,5ms", help="convoy: comma list like 500us,1ms,0.005s (default 1ms,5ms)")
    a("--repetitions", default="3", help="repetitions per point (default 3)")
    a("--cores", default=None, help="core count for the oversubscribed flag (default: affinity mask)")
    a("--cv-threshold", default=str(DEFAULT_CV_THRESHOLD), help="a point whose time CV exceeds it is unstable (default 0.05)")
    a("--quick", action="store_true", help="tiny sizes for tests and smoke runs")
    a("--run-id", default=None, help="run_id of the rows (default: OUT/manifest.json's, else a new one)")
    a("--python", default=None, metavar="PATH", help="run the experiment with this CPython interpreter")
    return p


def parse_args(argv):
    ns = build_parser().parse_args(argv)
    cfg = {"out": ns.out, "quick": ns.quick, "run_id": ns.run_id, "python": ns.python}
    cfg["kernels"] = parse_names(ns.kernels, KERNELS, "kernel")
    cfg["modes"] = parse_names(ns.modes, MODES, "mode", MODE_ALIASES)
    if ns.scaling not in SCALINGS:
        raise UsageError(f"bad --scaling value {ns.scaling!r}: allowed are {','.join(SCALINGS)}")
    cfg["scalings"] = ["strong", "weak"] if ns.scaling == "both" else [ns.scaling]
    cfg["cores"] = _positive(int, "--cores")(ns.cores) if ns.cores is not None else detect_cores()
    cfg["workers"] = parse_workers(ns.workers) if ns.workers is not None else default_workers(cfg["cores"])
    cfg["n"] = _positive(int, "--n")(ns.n) if ns.n is not None else None
    cfg["target_s"] = _positive(float, "--target-s", 0.001)(ns.target_s) if ns.target_s is not None \
        else DEFAULT_TARGET_S
    cfg["sleep_ms"] = _positive(float, "--sleep-ms", 0.001)(ns.sleep_ms) if ns.sleep_ms is not None \
        else (QUICK_SLEEP_MS if ns.quick else DEFAULT_SLEEP_MS)
    cfg["io_waits"] = _positive(int, "--io-waits")(ns.io_waits) if ns.io_waits is not None \
        else (QUICK_IO_WAITS if ns.quick else DEFAULT_IO_WAITS)
    cfg["switch_intervals"] = parse_intervals(ns.switch_interval)
    cfg["repetitions"] = _positive(int, "--repetitions")(ns.repetitions)
    cfg["cv_threshold"] = _positive(float, "--cv-threshold", 0.0)(ns.cv_threshold)
    if ns.out.strip() == "":
        raise UsageError("bad --out value '': expected a folder path")
    return cfg


def detect_cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers(cores):
    """1, 2, 4, ... up to 2x cores, plus the core count itself (like the sweep runner)."""
    out, w = {cores}, 1
    while w <= 2 * cores:
        out.add(w)
        w *= 2
    return sorted(out)


# ------------------------------------------------------------------ interpreter

_PROBE = ("import json, platform, sys; print(json.dumps({'implementation': "
          "platform.python_implementation(), 'version': platform.python_version(), "
          "'version_info': list(sys.version_info[:3]), 'executable': sys.executable}))")


def interpreter_info():
    gil = getattr(sys, "_is_gil_enabled", None)
    return {
        "implementation": platform.python_implementation(),
        "version": platform.python_version(),
        "version_info": list(sys.version_info[:3]),
        "executable": sys.executable,
        "build": list(platform.python_build()),
        "compiler": platform.python_compiler(),
        "gil_enabled": bool(gil()) if callable(gil) else True,
        "default_switch_interval_s": sys.getswitchinterval(),
    }


def check_cpython(impl, version_info, where):
    """'' when (impl, version) is a usable CPython, else why not."""
    if impl != "CPython":
        return (f"no CPython: {where} is {impl} {'.'.join(map(str, version_info))}; this "
                f"baseline measures CPython's GIL, so run it with CPython >= 3.8 "
                f"(python3 or --python PATH)")
    if tuple(version_info[:2]) < MIN_PYTHON:
        return (f"no usable CPython: {where} is CPython {'.'.join(map(str, version_info))}; "
                f"need >= {MIN_PYTHON[0]}.{MIN_PYTHON[1]}")
    return ""


def reexec_with(path, argv):
    """Run this script under the interpreter at `path`; return its exit status."""
    resolved = path if os.sep in path else None
    if resolved is None:
        import shutil
        resolved = shutil.which(path)
    if not resolved or not os.path.isfile(resolved) or not os.access(resolved, os.X_OK):
        raise UsageError(f"no CPython found: --python {path!r} is not an executable file")
    try:
        probe = subprocess.run([resolved, "-c", _PROBE], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
        info = json.loads(probe.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        raise UsageError(f"no CPython found: --python {path!r} does not run as a Python interpreter")
    why = check_cpython(info.get("implementation"), info.get("version_info") or [0, 0, 0],
                        f"--python {path}")
    if why:
        raise UsageError(why)
    env = dict(os.environ)
    env[REEXEC_ENV] = "1"
    return subprocess.call([resolved, SCRIPT] + list(argv), env=env)


# ------------------------------------------------------------------- the work

def heavy_calculation(begin, end):
    """The post's heavy_calculation on [begin, end): ``count += i``."""
    count = 0
    for i in range(begin, end):
        count += i
    return count


def sum_task(begin, end):
    start = time.perf_counter()
    count = heavy_calculation(begin, end)
    return start, count, time.perf_counter()


def sleep_task(tasks, sleep_s):
    """Run `tasks` sleeps one after the other; the measured duration of each."""
    start = time.perf_counter()
    durations = []
    for _ in range(tasks):
        a = time.perf_counter()
        time.sleep(sleep_s)
        durations.append(time.perf_counter() - a)
    return start, durations, time.perf_counter()


TASKS = {"sum": sum_task, "sleep": sleep_task}


def process_entry(queue, index, kernel, args):
    """A worker process: run the task and send (index, start, payload, end, error)."""
    try:
        start, payload, end = TASKS[kernel](*args)
        queue.put((index, start, payload, end, ""))
    except BaseException as e:  # report, never hang the parent
        queue.put((index, time.perf_counter(), None, time.perf_counter(), repr(e)))


def partition(n, parts, index):
    """[begin, end) of part `index` of `parts` over [0, n); like kernels/kernel.hpp."""
    base, extra = divmod(n, parts)
    begin = index * base + min(index, extra)
    return begin, begin + base + (1 if index < extra else 0)


def calibrate_n(target_s):
    """Elements of heavy_calculation that one thread runs in about `target_s`."""
    probe = 100_000
    while True:
        t = time.perf_counter()
        heavy_calculation(0, probe)
        elapsed = time.perf_counter() - t
        if elapsed >= 0.05 or probe >= 1 << 30:
            break
        probe *= 2
    # Best of three at the final probe size: a busy machine only makes a run slower.
    for _ in range(2):
        t = time.perf_counter()
        heavy_calculation(0, probe)
        elapsed = min(elapsed, time.perf_counter() - t)
    n = target_s * probe / max(elapsed, 1e-9)
    digits = 10 ** max(0, int(math.floor(math.log10(max(n, 1)))) - 1)  # two significant digits
    return max(1000, int(round(n / digits)) * digits)


def run_workers(mode, kernel, tasks, mp_ctx):
    """Run one task per worker in `mode`; return timing and the per-worker results.

    The timed region, as in the post: from before the first start() to after the last
    join(), plus the combine (sum of partials / list of durations).
    """
    w = len(tasks)
    results = [None] * w
    errors = []
    combine_bytes = 0
    t0 = time.perf_counter()
    if mode == "cpython-serial":
        for i, args in enumerate(tasks):
            results[i] = TASKS[kernel](*args)
    elif mode == "cpython-threads":
        def target(i, args):
            try:
                results[i] = TASKS[kernel](*args)
            except BaseException as e:
                errors.append(f"worker {i}: {e!r}")
        threads = [threading.Thread(target=target, args=(i, args), name=f"cpython-worker-{i}")
                   for i, args in enumerate(tasks)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elif mode == "cpython-processes":
        queue = mp_ctx.Queue()
        procs = [mp_ctx.Process(target=process_entry, args=(queue, i, kernel, args))
                 for i, args in enumerate(tasks)]
        for p in procs:
            p.start()
        received = 0
        while received < w:
            try:
                msg = queue.get(timeout=0.5)
            except Exception:  # queue.Empty: check that somebody is still alive to send
                if not any(p.is_alive() for p in procs):
                    try:
                        msg = queue.get(timeout=1.0)
                    except Exception:
                        errors.append(f"{w - received} worker process(es) died without a result "
                                      f"(exit codes {[p.exitcode for p in procs]})")
                        break
                else:
                    continue
            index, start, payload, end, err = msg
            combine_bytes += len(pickle.dumps(msg))
            if err:
                errors.append(f"worker {index}: {err}")
            else:
                results[index] = (start, payload, end)
            received += 1
        for p in procs:
            p.join()
            if p.exitcode != 0:
                errors.append(f"worker process exit code {p.exitcode}")
        queue.close()
        queue.join_thread()
    else:
        raise ValueError(mode)
    tc = time.perf_counter()
    done = [r for r in results if r is not None]
    if kernel == "sum":
        combined = sum(r[1] for r in done)
    else:
        combined = [d for r in done for d in r[1]]
    t1 = time.perf_counter()
    starts = [r[0] for r in done]
    return {
        "time_s": t1 - t0,
        "launch_s": (max(starts) - t0) if starts else None,
        "combine_s": t1 - tc,
        "combine_bytes": combine_bytes,
        "combined": combined,
        "worker_s": [r[2] - r[0] for r in done],
        "workers_done": len(done),
        "errors": errors,
    }


def run_convoy(cpu_threads, waits, interval_s):
    """One I/O thread does `waits` 1 ms sleeps while `cpu_threads` threads run sum."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(interval_s)
    try:
        stop = [False]
        barrier = threading.Barrier(cpu_threads + 1)
        cpu_results = [None] * cpu_threads
        io_result = {}
        errors = []

        def cpu(idx):
            try:
                barrier.wait()
                count, done = 0, 0
                while not stop[0]:
                    for i in range(done, done + CONVOY_CHUNK):
                        count += i
                    done += CONVOY_CHUNK
                cpu_results[idx] = (done, count)
            except BaseException as e:
                stop[0] = True
                errors.append(f"cpu thread {idx}: {e!r}")

        def io_thread():
            try:
                barrier.wait()
                lat = []
                t0 = time.perf_counter()
                for _ in range(waits):
                    a = time.perf_counter()
                    time.sleep(IO_WAIT_S)
                    lat.append(time.perf_counter() - a)
                io_result.update(t0=t0, t1=time.perf_counter(), waits=lat)
            except BaseException as e:
                errors.append(f"io thread: {e!r}")
            finally:
                stop[0] = True

        threads = [threading.Thread(target=cpu, args=(i,), name=f"cpython-cpu-{i}")
                   for i in range(cpu_threads)]
        threads.append(threading.Thread(target=io_thread, name="cpython-io"))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        actual = sys.getswitchinterval()
    finally:
        sys.setswitchinterval(old)

    lat = io_result.get("waits", [])
    problems = list(errors)
    if len(lat) != waits:
        problems.append(f"{len(lat)} of {waits} waits ran")
    short = [d for d in lat if d < IO_WAIT_S - SLEEP_SLACK_S]
    if short:
        problems.append(f"{len(short)} waits shorter than {IO_WAIT_S}s (min {min(short):.6f}s)")
    cpu_elements = 0
    for idx, r in enumerate(cpu_results):
        if r is None:
            problems.append(f"cpu thread {idx} gave no result")
            continue
        done, count = r
        cpu_elements += done
        if count != done * (done - 1) // 2:
            problems.append(f"cpu thread {idx}: sum of range({done}) = {count}, "
                            f"expected {done * (done - 1) // 2}")
    time_s = (io_result["t1"] - io_result["t0"]) if "t1" in io_result else None
    return {
        "time_s": time_s,
        "io_latency_s": (sum(d - IO_WAIT_S for d in lat) / len(lat)) if lat else None,
        "io_latency_max_s": (max(lat) - IO_WAIT_S) if lat else None,
        "cpu_elements": cpu_elements,
        "switch_interval_s": actual,
        "problems": problems,
    }


# ------------------------------------------------------------------- points

def point_id(kernel, mode, workers, scaling, interval_s=None):
    pid = f"cpython-{kernel}-{mode.replace('cpython-', '')}-w{workers}-{scaling}"
    if interval_s is not None:
        pid += f"-si{interval_token(interval_s)}"
    return pid


def enumerate_points(cfg):
    pts = []
    for scaling in cfg["scalings"]:
        for kernel in ("sum", "sleep"):
            if kernel not in cfg["kernels"]:
                continue
            for mode in cfg["modes"]:
                counts = [1] if mode == "cpython-serial" else cfg["workers"]
                for w in counts:
                    pts.append({"kernel": kernel, "mode": mode, "workers": w, "scaling": scaling,
                                "interval_s": None})
    if "convoy" in cfg["kernels"] and "cpython-threads" in cfg["modes"]:
        for si in cfg["switch_intervals"]:
            for w in cfg["workers"]:
                pts.append({"kernel": "convoy", "mode": "cpython-threads", "workers": w,
                            "scaling": "strong", "interval_s": si})
    for p in pts:
        p["point_id"] = point_id(p["kernel"], p["mode"], p["workers"], p["scaling"], p["interval_s"])
    return pts


def gil_policy_name(info):
    return f"cpython-{info['version']}" + ("" if info["gil_enabled"] else "-nogil")


def run_point(pt, cfg, ctx):
    """All repetitions of one point: (rows, raw details, point status, warnings)."""
    kernel, mode, w, scaling = pt["kernel"], pt["mode"], pt["workers"], pt["scaling"]
    ranks, threads = (w, 1) if mode == "cpython-processes" else (1, w)
    oversubscribed = 1 if w > cfg["cores"] else 0
    threaded = mode == "cpython-threads"
    base = {
        "run_id": ctx["run_id"], "point_id": pt["point_id"], "source": SOURCE,
        "kernel": kernel, "mode": mode, "ranks": ranks, "threads": threads, "workers": w,
        "nodes": 1, "scaling": scaling, "oversubscribed": oversubscribed,
        "hosts": ctx["host"], "bytes_per_s": None,
        "switch_interval_s": (pt["interval_s"] if pt["interval_s"] is not None
                              else sys.getswitchinterval()) if threaded else None,
        "gil_policy": ctx["gil_policy"] if threaded else None,
        "io_latency_s": None, "schema_version": ctx["schema_version"],
    }
    reps, raw = [], []
    warnings = []
    if oversubscribed:
        warnings.append(f"{w} workers on {cfg['cores']} cores: oversubscribed")
    for rep in range(cfg["repetitions"]):
        row = dict(base, repetition=rep)
        problems = []
        if kernel == "convoy":
            r = run_convoy(w - 1, cfg["io_waits"], pt["interval_s"])
            n = cfg["io_waits"]
            problems = r["problems"]
            row.update(n=n, time_s=r["time_s"], io_latency_s=r["io_latency_s"],
                       launch_s=None, combine_bytes=0)
            detail = {k: r[k] for k in ("io_latency_max_s", "cpu_elements", "switch_interval_s")}
        else:
            if kernel == "sum":
                if scaling == "strong":
                    n = ctx["n"]
                    tasks = [partition(n, w, i) for i in range(w)]
                    expected = n * (n - 1) // 2
                else:
                    n = ctx["n"] * w
                    tasks = [(0, ctx["n"])] * w
                    expected = w * (ctx["n"] * (ctx["n"] - 1) // 2)
            else:
                sleep_s = cfg["sleep_ms"] / 1000.0
                n = max(cfg["workers"]) if scaling == "strong" else w
                tasks = [(partition(n, w, i)[1] - partition(n, w, i)[0], sleep_s) for i in range(w)]
            r = run_workers(mode, kernel, tasks, ctx["mp"])
            problems = list(r["errors"])
            if r["workers_done"] != w:
                problems.append(f"{r['workers_done']} of {w} workers returned a result")
            if kernel == "sum":
                if r["combined"] != expected:
                    problems.append(f"sum {r['combined']} != expected {expected}")
            else:
                durations = r["combined"]
                if len(durations) != n:
                    problems.append(f"{len(durations)} of {n} sleep tasks ran")
                short = [d for d in durations if d < sleep_s - SLEEP_SLACK_S]
                if short:
                    problems.append(f"{len(short)} sleep tasks shorter than {sleep_s}s "
                                    f"(min {min(short):.6f}s)")
            row.update(n=n, time_s=r["time_s"], launch_s=r["launch_s"],
                       combine_bytes=r["combine_bytes"])
            detail = {k: r[k] for k in ("combine_s", "worker_s")}
        t = row["time_s"]
        row["items_per_s"] = (n / t) if t else None
        row["valid"] = 0 if problems else 1
        reps.append(row)
        raw.append(dict(repetition=rep, time_s=t, valid=row["valid"], problems=problems,
                        launch_s=row.get("launch_s"), io_latency_s=row.get("io_latency_s"), **detail))
    times = [r["time_s"] for r in reps if r["time_s"]]
    cv = (statistics.pstdev(times) / statistics.mean(times)) if len(times) >= 2 else 0.0
    unstable = 1 if cv > cfg["cv_threshold"] else 0
    status = "ok" if all(r["valid"] for r in reps) else "invalid"
    for r in reps:
        r.update(status=status, cv=cv, unstable=unstable)
    return reps, raw, status, warnings, cv, unstable


# ------------------------------------------------------------------- files

def atomic_write_text(path, text):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_json(path, obj):
    atomic_write_text(path, json.dumps(obj, indent=2) + "\n")


def load_tidy():
    """runners/tidy.py when importable (the shared CSV helpers), else None."""
    package_dir = os.path.join(REPO_ROOT, "python")
    if package_dir not in sys.path:
        sys.path.insert(0, package_dir)
    try:
        from sumbench import tidy
        from sumbench.schema import COLUMNS, SCHEMA_VERSION
        tidy.COLUMNS, tidy.SCHEMA_VERSION = COLUMNS, SCHEMA_VERSION
    except ImportError:
        return None
    except Exception as e:  # a broken tidy.py must not lose our measurements
        print(f"cpython_baseline: warning: runners/tidy.py failed to import ({e!r}); "
              f"writing results.csv here", file=sys.stderr)
        return None
    if not hasattr(tidy, "rebuild_results"):
        return None
    return tidy


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return str(v)


def rebuild_results_local(out_dir, columns):
    """Fallback when runners/tidy.py is absent: rows.json of every complete point, plus
    rows of an existing results.csv whose point folder has no rows.json (sumbench points
    whose raw.json only tidy.py parses), written atomically."""
    points_dir = os.path.join(out_dir, "points")
    rows, covered = [], set()
    if os.path.isdir(points_dir):
        for name in sorted(os.listdir(points_dir)):
            pdir = os.path.join(points_dir, name)
            rows_path = os.path.join(pdir, "rows.json")
            if name.startswith(".") or not os.path.exists(os.path.join(pdir, "status.json")) \
                    or not os.path.exists(rows_path):
                continue
            with open(rows_path, encoding="utf-8") as f:
                rows.extend(json.load(f))
            covered.add(name)
    csv_path = os.path.join(out_dir, "results.csv")
    if os.path.exists(csv_path):
        with open(csv_path, newline="", encoding="utf-8") as f:
            kept = [r for r in csv.DictReader(f) if r.get("point_id") not in covered]
        rows = kept + rows
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_csv_value(r.get(c)) for c in columns])
    atomic_write_text(csv_path, buf.getvalue())
    return csv_path


def write_point(out_dir, pt, rows, raw, status, warnings, cv, unstable, wall_s, load_before,
                ctx, columns):
    pdir = os.path.join(out_dir, "points", pt["point_id"])
    os.makedirs(pdir, exist_ok=True)
    status_path = os.path.join(pdir, "status.json")
    if os.path.exists(status_path):
        os.unlink(status_path)  # a rerun: the point is incomplete until status.json is back
    argv = ctx["argv"]
    atomic_write_json(os.path.join(pdir, "command.json"), {
        "argv": argv, "cwd": os.getcwd(),
        "env": {k: v for k, v in os.environ.items()
                if k.startswith(("PYTHON", "OMP_", "SLURM_")) or k in ("PATH", "HOSTNAME")},
        "interpreter": ctx["interpreter"], "start_method": ctx["start_method"],
        "point": {k: v for k, v in pt.items()},
    })
    atomic_write_text(os.path.join(pdir, "command.txt"),
                      " ".join(shlex.quote(a) for a in argv) + "\n")
    atomic_write_json(os.path.join(pdir, "raw.json"), {
        "source": SOURCE, "point": pt, "interpreter": ctx["interpreter"],
        "start_method": ctx["start_method"], "n_per_worker": ctx["n"],
        "sleep_ms": ctx["cfg"]["sleep_ms"], "io_waits": ctx["cfg"]["io_waits"],
        "io_wait_s": IO_WAIT_S, "repetitions": raw,
    })
    atomic_write_json(os.path.join(pdir, "rows.json"),
                      [{c: r.get(c) for c in columns} for r in rows])
    launches = [r["launch_s"] for r in rows if r.get("launch_s") is not None]
    atomic_write_json(status_path, {
        "point_id": pt["point_id"],
        "point": {"kernel": pt["kernel"], "mode": pt["mode"], "ranks": rows[0]["ranks"],
                  "threads": rows[0]["threads"], "workers": pt["workers"],
                  "scaling": pt["scaling"], "n": rows[0]["n"],
                  "gil_policy": rows[0]["gil_policy"],
                  "switch_interval": interval_token(pt["interval_s"]) if pt["interval_s"] else None},
        "exit_code": 0, "status": status, "wall_s": wall_s,
        "launch_s": (sum(launches) / len(launches)) if launches else None,
        "load_before": load_before, "load_after": loadavg(),
        "oversubscribed": rows[0]["oversubscribed"], "warnings": warnings, "attempts": 1,
        "cv": cv, "unstable": unstable, "source": SOURCE,
    })


def loadavg():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


# ------------------------------------------------------------------- main

def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        cfg = parse_args(argv)
        if cfg["python"] and not os.environ.get(REEXEC_ENV):
            return reexec_with(cfg["python"], argv)
        why = check_cpython(platform.python_implementation(), list(sys.version_info[:3]),
                            f"this interpreter ({sys.executable})")
        if why:
            raise UsageError(why)
    except UsageError as e:
        print(f"cpython_baseline.py: error: {e}", file=sys.stderr)
        return 2

    out_dir = os.path.abspath(cfg["out"])
    try:
        os.makedirs(os.path.join(out_dir, "points"), exist_ok=True)
    except OSError as e:
        print(f"cpython_baseline.py: error: cannot create --out {cfg['out']!r}: {e}", file=sys.stderr)
        return 2

    tidy = load_tidy()
    columns = list(getattr(tidy, "COLUMNS", LOCAL_COLUMNS)) if tidy else LOCAL_COLUMNS
    schema_version = getattr(tidy, "SCHEMA_VERSION", LOCAL_SCHEMA_VERSION) if tidy else LOCAL_SCHEMA_VERSION
    if columns != LOCAL_COLUMNS:
        print("cpython_baseline: warning: runners/tidy.py COLUMNS differ from docs/DESIGN.md's; "
              "using tidy's", file=sys.stderr)

    info = interpreter_info()
    methods = multiprocessing.get_all_start_methods()
    start_method = "fork" if "fork" in methods else multiprocessing.get_start_method()
    manifest_path = os.path.join(out_dir, "manifest.json")
    existing = None
    if os.path.exists(manifest_path):
        try:
            with open(manifest_path, encoding="utf-8") as f:
                existing = json.load(f)
        except (OSError, ValueError):
            existing = None
    host = socket.gethostname()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    run_id = cfg["run_id"] or (existing or {}).get("run_id") or \
        f"cpython-{host}-{time.strftime('%Y%m%dT%H%M%S')}"

    if cfg["n"] is not None:
        n, n_how = cfg["n"], "--n"
    elif cfg["quick"]:
        n, n_how = QUICK_N, "--quick"
    elif "sum" in cfg["kernels"]:
        n, n_how = calibrate_n(cfg["target_s"]), f"calibrated to {cfg['target_s']} s serial"
    else:
        n, n_how = QUICK_N, "unused"

    ctx = {"run_id": run_id, "host": host, "n": n, "mp": multiprocessing.get_context(start_method),
           "start_method": start_method, "interpreter": info, "gil_policy": gil_policy_name(info),
           "schema_version": schema_version, "cfg": cfg,
           "argv": [sys.executable, SCRIPT] + argv}
    points = enumerate_points(cfg)
    print(f"cpython_baseline: {info['implementation']} {info['version']} ({sys.executable}), "
          f"start method {start_method}, {cfg['cores']} cores, n={n} ({n_how}), "
          f"{len(points)} points x {cfg['repetitions']} repetitions -> {out_dir}", flush=True)

    summary = {"ok": 0, "invalid": 0}
    for pt in points:
        load_before = loadavg()
        t = time.perf_counter()
        rows, raw, status, warnings, cv, unstable = run_point(pt, cfg, ctx)
        wall_s = time.perf_counter() - t
        write_point(out_dir, pt, rows, raw, status, warnings, cv, unstable, wall_s, load_before,
                    ctx, columns)
        summary[status] += 1
        times = [r["time_s"] for r in rows if r["time_s"] is not None]
        extra = ""
        if pt["kernel"] == "convoy":
            lats = [r["io_latency_s"] for r in rows if r["io_latency_s"] is not None]
            if lats:
                extra = f"  io_latency {statistics.median(lats) * 1e3:.3f} ms"
        print(f"  {pt['point_id']:<44} {status:<7} median {statistics.median(times):.4f} s"
              f"  cv {cv:.3f}{extra}", flush=True)

    if existing is None:
        atomic_write_json(manifest_path, {
            "run_id": run_id, "source": SOURCE, "machine": {
                "host": host, "cores": cfg["cores"], "platform": platform.platform(),
                "processor": platform.processor(), "machine": platform.machine()},
            "interpreter": info, "start_method": start_method,
            "started": started, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "counts": {"points": len(points), **summary},
            "config": {k: v for k, v in cfg.items() if k != "out"}, "n_per_worker": n,
            "n_how": n_how, "command_line": ctx["argv"],
        })
    if tidy is not None:
        try:
            csv_path = tidy.rebuild_results(out_dir)
        except Exception as e:
            print(f"cpython_baseline: warning: tidy.rebuild_results failed ({e!r}); "
                  f"writing results.csv here", file=sys.stderr)
            csv_path = rebuild_results_local(out_dir, columns)
    else:
        csv_path = rebuild_results_local(out_dir, columns)
    print(f"cpython_baseline: {summary['ok']} ok, {summary['invalid']} invalid; {csv_path}", flush=True)
    return 1 if summary["invalid"] else 0


if __name__ == "__main__":
    sys.exit(main())
