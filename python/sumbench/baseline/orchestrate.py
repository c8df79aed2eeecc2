"""The CPython baseline's orchestration, on the python3 that runs the script: it asks the
measured interpreter about itself, runs baseline/child.py in it once per point, and
writes the sweep-style folder (docs/DESIGN.md):

    OUT/points/cpython-<kernel>-<mode>-w<W>-<scaling>[-si<interval>]/
        command.json  command.txt  raw.json  rows.json  status.json (written last)
    OUT/manifest.json (unless OUT already has one: an existing sweep keeps its own)
    OUT/results.csv   rebuilt from every point folder
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Optional

from .. import folders, machine, points, procs, tidy
from ..errors import UsageError
from ..interpreters import probe
from ..io import atomic_write_json, read_json_object
from ..parse import interval_token
from ..schema import COLUMNS, SCHEMA_VERSION, time_problem
from . import config, modes

CHILD = Path(__file__).resolve().with_name("child.py")
MIN_PYTHON = (3, 6)         # what child.py is written for
# A healthy interpreter answers the probe in well under a second (CPython 2.7 to 3.13
# on the project's VMs: 0.013-0.040 s); 10 s leaves room for a loaded machine, and is the
# most a user waits for a --python that hangs.
PROBE_TIMEOUT_S = 10.0
INFO_TIMEOUT_S = 60.0       # child.py's "info" imports multiprocessing, nothing more
CALIBRATE_TIMEOUT_S = 600.0


class ChildFailed(Exception):
    """The measured interpreter did not answer (crash, missing module, killed)."""


def check_interpreter(path: str) -> str:
    """The absolute path of a usable CPython at `path` (name or path); UsageError if not.
    A --python that does not answer the probe within PROBE_TIMEOUT_S is given up, its
    whole process tree killed (procs.run)."""
    resolved = path if os.sep in path else shutil.which(path)
    if not resolved or not os.path.isfile(resolved) or not os.access(resolved, os.X_OK):
        raise UsageError(f"no CPython found: --python {path!r} is not an executable file")
    interp, why = probe(resolved, timeout=PROBE_TIMEOUT_S)
    if interp is None:
        raise UsageError(f"no CPython found: --python {path!r} {why}")
    version = ".".join(map(str, interp.version_info))
    if interp.implementation != "CPython":
        raise UsageError(f"no CPython: {path} is {interp.implementation} {version}; this baseline "
                         f"measures CPython's GIL, so give --python a CPython (see --list-interpreters)")
    if tuple(interp.version_info[:2]) < MIN_PYTHON:
        raise UsageError(f"no usable CPython: {path} is CPython {version}; the baseline needs >= "
                         f"{MIN_PYTHON[0]}.{MIN_PYTHON[1]} (see --list-interpreters)")
    return os.path.abspath(resolved)


def ask(python: str, request: dict, timeout: Optional[float] = None, need: tuple = ()) -> dict:
    """One request to child.py under `python` (its JSON protocol: child.py's docstring).
    The child runs in its own process group: at the timeout, on SIGINT/SIGTERM, or if we
    die, its whole tree goes (multiprocessing workers included)."""
    try:
        proc = procs.run([python, str(CHILD)], input=json.dumps(request), timeout=timeout,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    except OSError as e:
        raise ChildFailed(f"{python}: cannot start: {e}") from None
    if proc.timed_out:
        raise ChildFailed(f"{python} {CHILD.name}: no answer to {request['action']!r} within "
                          f"{timeout:g} s (killed)")
    try:
        answer = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        answer = None
    if proc.returncode != 0 or not isinstance(answer, dict):
        tail = proc.stderr.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise ChildFailed(f"{python} {CHILD.name}: {tail[0]}")
    missing = [key for key in need if key not in answer]
    if missing:
        raise ChildFailed(f"{python} {CHILD.name}: the answer to {request['action']!r} has no "
                          f"{', '.join(missing)}")
    return answer


def point_id(kernel, mode, workers, scaling, interval_s=None):
    pid = f"cpython-{kernel}-{mode.replace('cpython-', '')}-w{workers}-{scaling}"
    return pid + (f"-si{interval_token(interval_s)}" if interval_s is not None else "")


def enumerate_points(cfg):
    pts = []
    scaling_kernels = [k for k in cfg["kernels"] if modes.KERNEL_KINDS[k] != "latency"]
    for scaling in cfg["scalings"]:
        for kernel in scaling_kernels:
            for mode in cfg["modes"]:
                for w in ([1] if modes.MODES[modes.MODE_NAMES.index(mode)]["reference"] else cfg["workers"]):
                    pts.append({"kernel": kernel, "mode": mode, "workers": w, "scaling": scaling,
                                "interval_s": None})
    for kernel in (k for k in cfg["kernels"] if modes.KERNEL_KINDS[k] == "latency"):
        for mode in (m for m in cfg["modes"] if m in modes.THREAD_MODES):
            for si in cfg["switch_intervals"]:
                for w in cfg["workers"]:
                    pts.append({"kernel": kernel, "mode": mode, "workers": w, "scaling": "strong",
                                "interval_s": si})
    for p in pts:
        p["point_id"] = point_id(p["kernel"], p["mode"], p["workers"], p["scaling"], p["interval_s"])
    return pts


def gil_policy_name(info):
    return f"cpython-{info['version']}" + ("" if info["gil_enabled"] else "-nogil")


def rows_of(pt, cfg, ctx, reps):
    """results.csv rows of one point from the child's repetitions; (rows, status, cv, unstable)."""
    w = pt["workers"]
    multi = modes.MODES[modes.MODE_NAMES.index(pt["mode"])]["multi_process"]
    threaded = pt["mode"] in modes.THREAD_MODES
    interval = (pt["interval_s"] if pt["interval_s"] is not None
                else ctx["interpreter"]["default_switch_interval_s"]) if threaded else None
    base = {"run_id": ctx["run_id"], "point_id": pt["point_id"], "source": modes.SOURCE,
            "kernel": pt["kernel"], "mode": pt["mode"], "ranks": w if multi else 1,
            "threads": 1 if multi else w, "workers": w, "nodes": 1, "scaling": pt["scaling"],
            "oversubscribed": 1 if w > cfg["cores"] else 0, "hosts": ctx["host"],
            "bytes_per_s": None, "switch_interval_s": interval,
            "gil_policy": ctx["gil_policy"] if threaded else None, "schema_version": SCHEMA_VERSION}
    rows = []
    for r in reps:
        t = r["time_s"]
        rows.append(dict(base, repetition=r["repetition"], n=r["n"], time_s=t, launch_s=r["launch_s"],
                         combine_bytes=r["combine_bytes"], io_latency_s=r["io_latency_s"],
                         items_per_s=(r["n"] / t) if t else None, valid=0 if r["problems"] else 1))
    for r in rows:  # a time that is not a measurement fails validation (schema's rule)
        if time_problem(r["time_s"]):
            r["valid"] = 0
    times = [r["time_s"] for r in rows if r["valid"]]
    cv = (statistics.pstdev(times) / statistics.mean(times)) if len(times) >= 2 else 0.0
    unstable = 1 if cv > cfg["cv_threshold"] else 0
    status = "ok" if rows and all(r["valid"] for r in rows) else "invalid"
    for r in rows:
        r.update(status=status, cv=cv, unstable=unstable)
    return rows, status, cv, unstable


def loadavg():
    try:
        return list(os.getloadavg())
    except (AttributeError, OSError):
        return None


def write_point(out_dir, pt, rows, reps, status, cv, unstable, wall_s, load_before, ctx):
    pdir = Path(out_dir) / "points" / pt["point_id"]
    pdir.mkdir(parents=True, exist_ok=True)
    (pdir / points.STATUS).unlink(missing_ok=True)  # a rerun: incomplete until status.json is back
    env = {k: v for k, v in os.environ.items()
           if k.startswith(("PYTHON", "OMP_", "SLURM_")) or k in ("PATH", "HOSTNAME")}
    points.write_command(pdir, ctx["argv"], env, cwd=os.getcwd(), interpreter=ctx["interpreter"],
                         start_method=ctx["start_method"], point=pt)
    atomic_write_json(pdir / points.RAW, {
        "source": modes.SOURCE, "point": pt, "interpreter": ctx["interpreter"],
        "start_method": ctx["start_method"], "n_per_worker": ctx["n"],
        "sleep_ms": ctx["cfg"]["sleep_ms"], "io_waits": ctx["cfg"]["io_waits"],
        "repetitions": reps})
    atomic_write_json(pdir / points.ROWS, [{c: r.get(c) for c in COLUMNS} for r in rows])
    launches = [r["launch_s"] for r in rows if r.get("launch_s") is not None]
    warnings = [f"{pt['workers']} workers on {ctx['cfg']['cores']} cores: oversubscribed"] \
        if rows and rows[0]["oversubscribed"] else []
    problems = sorted({p for r in reps for p in r["problems"]})
    points.write_status(
        pdir, point_id=pt["point_id"], source=modes.SOURCE,
        point={"kernel": pt["kernel"], "mode": pt["mode"], "ranks": rows[0]["ranks"],
               "threads": rows[0]["threads"], "workers": pt["workers"], "scaling": pt["scaling"],
               "n": rows[0]["n"], "gil_policy": rows[0]["gil_policy"],
               "switch_interval": interval_token(pt["interval_s"]) if pt["interval_s"] else None},
        exit_code=0, status=status, reason="; ".join(problems[:3]), wall_s=wall_s,
        launch_s=(sum(launches) / len(launches)) if launches else None,
        load_before=load_before, load_after=loadavg(), oversubscribed=bool(rows[0]["oversubscribed"]),
        warnings=warnings, attempts=1, cv=cv, unstable=bool(unstable))


def sum_size(cfg: dict, python: str) -> tuple[int, str]:
    """(n per worker, how it was chosen)."""
    if cfg["n"] is not None:
        return cfg["n"], "--n"
    if cfg["quick"] or not any(modes.KERNEL_KINDS[k] == "cpu-bound" for k in cfg["kernels"]):
        return config.QUICK_N, "--quick" if cfg["quick"] else "unused"
    n = ask(python, {"action": "calibrate", "target_s": cfg["target_s"]}, CALIBRATE_TIMEOUT_S,
            need=("n",))["n"]
    if not isinstance(n, int) or n < 1:
        raise ChildFailed(f"{python} {CHILD.name}: calibrate answered n={n!r}")
    return min(n, config.MAX_N), f"calibrated to {cfg['target_s']} s serial"


def run(cfg: dict, python: str, argv: list[str], script: str) -> int:
    out_dir = os.path.abspath(cfg["out"])
    folders.check(out_dir, accept=folders.SWEEP_FOLDERS)   # before the interpreter runs
    info = ask(python, {"action": "info"}, INFO_TIMEOUT_S, need=("interpreter", "start_method"))
    interp = info["interpreter"]
    n, n_how = sum_size(cfg, python)
    folders.claim(out_dir, "sweep", "cpython_baseline.py", accept=folders.SWEEP_FOLDERS)
    os.makedirs(os.path.join(out_dir, "points"), exist_ok=True)
    folders.lock(out_dir)   # not while sweep.py writes the same folder
    manifest_path = os.path.join(out_dir, "manifest.json")
    existing = read_json_object(manifest_path)
    host = socket.gethostname()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    run_id = cfg["run_id"] or str((existing or {}).get("run_id") or "") or \
        f"cpython-{host}-{time.strftime('%Y%m%dT%H%M%S')}"
    ctx = {"run_id": run_id, "host": host, "n": n, "start_method": info["start_method"],
           "interpreter": interp, "gil_policy": gil_policy_name(interp), "cfg": cfg,
           "argv": [sys.executable, script] + argv}
    pts = enumerate_points(cfg)
    print(f"cpython_baseline: {interp['implementation']} {interp['version']} ({python}), "
          f"start method {info['start_method']}, {cfg['cores']} cores, n={n} ({n_how}), "
          f"{len(pts)} points x {cfg['repetitions']} repetitions -> {out_dir}", flush=True)
    summary = {"ok": 0, "invalid": 0}
    try:
        for pt in pts:
            load_before, t = loadavg(), time.perf_counter()
            request = dict(action="point", kernel=pt["kernel"], mode=pt["mode"], workers=pt["workers"],
                           scaling=pt["scaling"], n_per_worker=n, max_workers=max(cfg["workers"]),
                           sleep_ms=cfg["sleep_ms"], io_waits=cfg["io_waits"],
                           interval_s=pt["interval_s"], repetitions=cfg["repetitions"])
            reps = ask(python, request, need=("repetitions",))["repetitions"]
            rows, status, cv, unstable = rows_of(pt, cfg, ctx, reps)
            write_point(out_dir, pt, rows, reps, status, cv, unstable, time.perf_counter() - t,
                        load_before, ctx)
            summary[status] += 1
            times = [r["time_s"] for r in rows if r["time_s"] is not None] or [float("nan")]
            lats = [r["io_latency_s"] for r in rows if r["io_latency_s"] is not None]
            extra = f"  io_latency {statistics.median(lats) * 1e3:.3f} ms" if lats else ""
            print(f"  {pt['point_id']:<44} {status:<7} median {statistics.median(times):.4f} s"
                  f"  cv {cv:.3f}{extra}", flush=True)
        if not os.path.exists(manifest_path):  # an existing sweep keeps its own
            atomic_write_json(manifest_path, {
                "run_id": run_id, "source": modes.SOURCE,
                "machine": machine.describe(cfg["cores"]), "interpreter": interp,
                "start_method": info["start_method"], "started": started,
                "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "counts": {"points": len(pts), **summary},
                "config": {k: v for k, v in cfg.items() if k != "out"}, "n_per_worker": n,
                "n_how": n_how, "command_line": ctx["argv"]})
    finally:  # the points written so far are in results.csv, also when interrupted
        csv_path = tidy.rebuild_results(out_dir)
    print(f"cpython_baseline: {summary['ok']} ok, {summary['invalid']} invalid; {csv_path}", flush=True)
    return 1 if summary["invalid"] else 0
