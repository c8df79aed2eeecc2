"""The CPython baseline's orchestration, on the python3 that runs the script: it runs
baseline/child.py in each measured interpreter (its JSON protocol: child.py's
docstring), once per point, and writes the sweep-style folder (docs/DESIGN.md):

    OUT/points/cpython-<version>-<kernel>-<mode>-w<W>-<scaling>[-si<interval>|-ci<check>]/
        command.json  command.txt  raw.json  rows.json  status.json (written last)
    OUT/manifest.json (unless OUT already has one: an existing sweep keeps its own)
    OUT/results.csv   rebuilt from every point folder
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Optional

from .. import folders, machine, points, procs, tidy_table
from ..interpreters import Interpreter
from ..io import atomic_write_json, read_json_object
from ..parse import interval_token
from ..schema import COLUMNS, SCHEMA_VERSION, time_problem
from . import config, modes

CHILD = Path(__file__).resolve().with_name("child.py")
SCHEMA = "sumbench.gilchild/1"   # what child.py writes on every line
INFO_TIMEOUT_S = 60.0       # child.py's "info" imports multiprocessing, nothing more
CALIBRATE_TIMEOUT_S = 600.0
CALIBRATE_N = 2_000_000     # iterations of the loop per calibration run (0.03-0.1 s)


class ChildFailed(Exception):
    """The measured interpreter did not answer (crash, missing module, killed)."""


def ask(python: str, spec: dict, timeout: Optional[float] = None) -> list[dict]:
    """The result lines of child.py under `python` for `spec`. The child runs in its own
    process group: at the timeout, on SIGINT/SIGTERM, or if we die, its whole tree goes
    (multiprocessing workers included)."""
    what = spec["experiment"] + (f" {spec['kernel']}" if spec.get("kernel") else "")
    try:
        proc = procs.run([python, str(CHILD)], input=json.dumps(spec), timeout=timeout,
                         env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")})
    except OSError as e:
        raise ChildFailed(f"{python}: cannot start: {e}") from None
    if proc.timed_out:
        raise ChildFailed(f"{python} {CHILD.name}: no answer to {what!r} within {timeout:g} s (killed)")
    try:
        lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    except ValueError:
        lines = []
    if proc.returncode != 0 or not lines or \
            not all(isinstance(d, dict) and d.get("schema") == SCHEMA and "result" in d for d in lines):
        tail = proc.stderr.strip().splitlines()[-1:] or [f"exit status {proc.returncode}, no answer"]
        raise ChildFailed(f"{python} {CHILD.name}: {what}: {tail[0]}")
    return lines


def point_id(version, kernel, mode, workers, scaling, interval_s=None, check=None):
    pid = f"cpython-{version}-{kernel}-{mode.replace('cpython-', '')}-w{workers}-{scaling}"
    if interval_s is not None:
        return pid + f"-si{interval_token(interval_s)}"
    return pid + (f"-ci{check}" if check is not None else "")


def enumerate_points(cfg, info):
    """The points of one interpreter: `info` is its child's interpreter description."""
    old = info["gil"] == "old"   # Python 2: check intervals, no switch interval
    pts = []
    scaling_kernels = [k for k in cfg["kernels"] if modes.KERNEL_KINDS[k] != "latency"]
    for scaling in cfg["scalings"]:
        for kernel in scaling_kernels:
            for mode in cfg["modes"]:
                for w in ([1] if modes.MODES[modes.MODE_NAMES.index(mode)]["reference"] else cfg["workers"]):
                    pts.append({"kernel": kernel, "mode": mode, "workers": w, "scaling": scaling,
                                "interval_s": None, "check_interval": None})
    settings = [(None, c) for c in cfg["check_intervals"] or [info.get("check_interval")]] if old \
        else [(si, None) for si in cfg["switch_intervals"]]
    for kernel in (k for k in cfg["kernels"] if modes.KERNEL_KINDS[k] == "latency"):
        for mode in (m for m in cfg["modes"] if m in modes.THREAD_MODES):
            for si, check in settings:
                for w in cfg["workers"]:  # one I/O thread beside w - 1 CPU threads (w = 1: alone)
                    pts.append({"kernel": kernel, "mode": mode, "workers": w, "scaling": "strong",
                                "interval_s": si, "check_interval": check})
    for p in pts:
        p["point_id"] = point_id(info["version"], p["kernel"], p["mode"], p["workers"], p["scaling"],
                                 p["interval_s"], p["check_interval"])
    return pts


def gil_policy_name(info):
    return f"cpython-{info['version']}" + ("-nogil" if info["gil"] == "free-threaded" else "")


def rows_of(pt, cfg, ctx, reps):
    """results.csv rows of one point from the child's repetitions; (rows, status, cv, unstable)."""
    w, info = pt["workers"], ctx["info"]
    multi = modes.MODES[modes.MODE_NAMES.index(pt["mode"])]["multi_process"]
    threaded = pt["mode"] in modes.THREAD_MODES
    old = info["gil"] == "old"
    base = {"run_id": ctx["run_id"], "point_id": pt["point_id"], "source": modes.SOURCE,
            "kernel": pt["kernel"], "mode": pt["mode"], "ranks": w if multi else 1,
            "threads": 1 if multi else w, "workers": w, "nodes": 1, "scaling": pt["scaling"],
            "oversubscribed": 1 if w > cfg["cores"] else 0, "hosts": ctx["host"],
            "bytes_per_s": None, "gil_policy": gil_policy_name(info) if threaded else None,
            "switch_interval_s": (pt["interval_s"] or info.get("switch_interval_s")) if threaded and not old else None,
            "check_interval": (pt["check_interval"] or info.get("check_interval")) if threaded and old else None,
            "interpreter": info["implementation"], "interpreter_version": info["version"],
            "gil_kind": info["gil"], "schema_version": SCHEMA_VERSION}
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
    points.write_command(pdir, ctx["argv"], env, cwd=os.getcwd(), interpreter=ctx["info"],
                         start_method=ctx["start_method"], point=pt, child=str(CHILD))
    atomic_write_json(pdir / points.RAW, {
        "source": modes.SOURCE, "point": pt, "interpreter": ctx["info"],
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
               "switch_interval": interval_token(pt["interval_s"]) if pt["interval_s"] else None,
               "check_interval": pt["check_interval"], "interpreter_version": ctx["info"]["version"]},
        exit_code=0, status=status, reason="; ".join(problems[:3]), wall_s=wall_s,
        launch_s=(sum(launches) / len(launches)) if launches else None,
        load_before=load_before, load_after=loadavg(), oversubscribed=bool(rows[0]["oversubscribed"]),
        warnings=warnings, attempts=1, cv=cv, unstable=bool(unstable))


def sum_size(cfg: dict, python: str) -> tuple[int, str]:
    """(n per worker, how it was chosen) in the interpreter at `python`."""
    if cfg["n"] is not None:
        return cfg["n"], "--n"
    if cfg["quick"] or not any(modes.KERNEL_KINDS[k] == "cpu-bound" for k in cfg["kernels"]):
        return config.QUICK_N, "--quick" if cfg["quick"] else "unused"
    lines = ask(python, {"experiment": "calibrate", "n": CALIBRATE_N, "repetitions": 3}, CALIBRATE_TIMEOUT_S)
    per_it = min(d["result"]["s_per_iteration"] for d in lines)  # a busy machine only slows a run
    if not (isinstance(per_it, float) and per_it > 0):
        raise ChildFailed(f"{python} {CHILD.name}: calibrate answered {per_it!r} s per iteration")
    n = cfg["target_s"] / per_it
    digits = 10 ** max(0, len(str(int(max(n, 1)))) - 2)  # two significant digits
    n = max(1000, int(round(n / digits)) * digits)
    return min(n, config.MAX_N), f"calibrated to {cfg['target_s']} s serial"


def run(cfg: dict, interps: list[Interpreter], argv: list[str], script: str) -> int:
    """Every point in every interpreter, one interpreter after the other; exit status."""
    out_dir = os.path.abspath(cfg["out"])
    folders.check(out_dir, accept=folders.SWEEP_FOLDERS)   # before any interpreter runs
    infos = []
    for interp in interps:   # every interpreter answers before anything is written
        lines = ask(interp.path, {"experiment": "info"}, INFO_TIMEOUT_S)
        infos.append((interp.path, lines[0]["interpreter"], lines[0]["result"]["start_method"]))
    folders.claim(out_dir, "sweep", "cpython_baseline.py", accept=folders.SWEEP_FOLDERS)
    os.makedirs(os.path.join(out_dir, "points"), exist_ok=True)
    folders.lock(out_dir)   # not while sweep.py writes the same folder
    manifest_path = os.path.join(out_dir, "manifest.json")
    existing = read_json_object(manifest_path)
    host = socket.gethostname()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    run_id = cfg["run_id"] or str((existing or {}).get("run_id") or "") or \
        f"cpython-{host}-{time.strftime('%Y%m%dT%H%M%S')}"
    argv_full = [sys.executable, script] + argv
    summary, sizes, total = {"ok": 0, "invalid": 0}, {}, 0
    try:
        for python, info, start_method in infos:
            n, n_how = sum_size(cfg, python)
            sizes[info["version"]] = {"n_per_worker": n, "how": n_how}
            ctx = {"run_id": run_id, "host": host, "n": n, "start_method": start_method, "info": info,
                   "cfg": cfg, "argv": argv_full}
            pts = enumerate_points(cfg, info)
            total += len(pts)
            print(f"cpython_baseline: {info['implementation']} {info['version']} ({info['gil']} GIL, {python}), "
                  f"start method {start_method}, {cfg['cores']} cores, n={n} ({n_how}), "
                  f"{len(pts)} points x {cfg['repetitions']} repetitions -> {out_dir}", flush=True)
            for pt in pts:
                status = run_point(python, pt, cfg, ctx, out_dir)
                summary[status] += 1
        if not os.path.exists(manifest_path):  # an existing sweep keeps its own
            atomic_write_json(manifest_path, {
                "run_id": run_id, "source": modes.SOURCE, "machine": machine.describe(cfg["cores"]),
                "interpreters": [i for _, i, _ in infos], "interpreter": infos[0][1],
                "start_method": infos[0][2], "started": started,
                "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "counts": {"points": total, **summary},
                "config": {k: v for k, v in cfg.items() if k != "out"}, "n_per_worker": sizes,
                "command_line": argv_full})
    finally:  # the points written so far are in results.csv, also when interrupted
        csv_path = tidy_table.rebuild_results(out_dir)
    print(f"cpython_baseline: {summary['ok']} ok, {summary['invalid']} invalid; {csv_path}", flush=True)
    return 1 if summary["invalid"] else 0


def run_point(python, pt, cfg, ctx, out_dir) -> str:
    load_before, t = loadavg(), time.perf_counter()
    spec = dict(experiment="point", kernel=pt["kernel"], mode=pt["mode"], workers=pt["workers"],
                scaling=pt["scaling"], n_per_worker=ctx["n"], max_workers=max(cfg["workers"]),
                sleep_ms=cfg["sleep_ms"], waits=cfg["io_waits"], repetitions=cfg["repetitions"])
    if pt["interval_s"] is not None:
        spec["switch_interval_s"] = pt["interval_s"]
    if pt["check_interval"] is not None:
        spec["check_interval"] = pt["check_interval"]
    reps = [dict(d["result"], repetition=d["repetition"]) for d in ask(python, spec)]
    rows, status, cv, unstable = rows_of(pt, cfg, ctx, reps)
    write_point(out_dir, pt, rows, reps, status, cv, unstable, time.perf_counter() - t, load_before, ctx)
    times = [r["time_s"] for r in rows if r["time_s"] is not None] or [float("nan")]
    lats = [r["io_latency_s"] for r in rows if r["io_latency_s"] is not None]
    extra = f"  io_latency {statistics.median(lats) * 1e3:.3f} ms" if lats else ""
    print(f"  {pt['point_id']:<52} {status:<7} median {statistics.median(times):.4f} s"
          f"  cv {cv:.3f}{extra}", flush=True)
    return status
