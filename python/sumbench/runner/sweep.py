"""A sweep: set-up of its folder, resume, the dry run, the manifest and the loop over
points (runners/sweep.py is the command)."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import sys
import time
from pathlib import Path

from .. import machine as machine_info, points, tidy
from ..catalogue import Catalogue
from ..errors import UsageError
from ..io import atomic_write_json, read_json_object
from ..schema import SCHEMA_VERSION
from . import config
from .execute import Interrupted, install_signal_handlers, run_point
from .launch import Machine, launch_only_command, point_command
from .plan import Point
from .progress import Progress, say

# Settings that change what a measurement means; a resumed sweep must not mix them.
RESUME_MUST_MATCH = ("repetitions", "quick", "extra_args")


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def read_previous(out: Path) -> tuple[dict, dict]:
    """(sweep.json, manifest.json) of an earlier run into the same folder, or {}."""
    return read_json_object(out / "sweep.json") or {}, read_json_object(out / "manifest.json") or {}


def check_resume(cfg: dict, previous: dict, out: Path) -> None:
    for key in RESUME_MUST_MATCH:
        if key in previous and previous[key] != cfg[key]:
            raise UsageError(f"{out} holds a sweep with {key}={previous[key]!r} but this run has "
                             f"{key}={cfg[key]!r}; use another --out or the same setting")


def check_tools(cfg: dict, order: list[Point], machine: Machine) -> None:
    if any(p.multi_process for p in order):
        launcher = cfg["launcher"] if cfg["launcher"] != "auto" else ("srun" if machine.in_slurm else "mpirun")
        tool = "srun" if launcher == "srun" else cfg["mpirun"]
        if shutil.which(tool) is None:
            raise UsageError(f"{tool!r} not found; install Open MPI or pass --mpirun PATH")


_HELD_LOCKS = []  # open lock files, kept open until the process ends


def lock_out(out: Path) -> None:
    """One runner per sweep folder; the lock dies with the process (even kill -9)."""
    fh = open(out / ".lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise UsageError(f"another sweep.py is running in {out}")
    _HELD_LOCKS.append(fh)


def dry_run(order: list[Point], cfg: dict, machine: Machine, out: Path, notes: list[str]) -> int:
    print(f"# {len(order)} points, cores={machine.cores}, seed={cfg['seed']}, out={out}")
    for note in notes:
        print(f"# note: {note}")
    for point in order:
        point_dir = out / "points" / point.point_id
        status = points.status_of(point_dir)
        cmd = point_command(point, cfg, machine, str(point_dir / points.RAW))
        launch = launch_only_command(point, cfg, machine)
        skip = status is not None and not (cfg["retry_failed"] and status in points.NOT_OK)
        print(f"# {point.point_id}" + (f" (done: {status}, would skip)" if skip else ""))
        for w in cmd.warnings:
            print(f"# warning: {w}")
        print(f"# launch: {launch.shell()}")
        print(cmd.shell())
    return 0


def write_manifest(out: Path, manifest: dict, point_ids: list[str]) -> None:
    counts = {"total": len(point_ids), **{s: 0 for s in ("ok", *points.NOT_OK, "pending")}}
    counts["unstable"] = 0
    for pid in point_ids:
        status = points.read_status(out / "points" / pid)
        if status is None:
            counts["pending"] += 1
            continue
        counts[status["status"]] += 1
        counts["unstable"] += bool(status["unstable"])
    manifest["counts"] = counts
    atomic_write_json(out / "manifest.json", manifest)


def run_sweep(order: list[Point], cfg: dict, machine: Machine, out: Path, manifest: dict) -> int:
    ids = [p.point_id for p in order]
    progress = Progress(len(order))
    install_signal_handlers()
    try:
        for point in order:
            point_dir = out / "points" / point.point_id
            status = points.status_of(point_dir)
            if status is not None and not (cfg["retry_failed"] and status in points.NOT_OK):
                progress.skipped(point.point_id, status)
                continue
            if point_dir.exists():
                progress.note(f"redo {point.point_id} ({'retry ' + status if status else 'incomplete'})")
            t0 = time.monotonic()
            progress.start_point(point.point_id)
            info = run_point(point, cfg, machine, point_dir, progress.tick)
            progress.finished(point.point_id, info, time.monotonic() - t0)
            write_manifest(out, manifest, ids)
    except Interrupted as e:
        print(f"\ninterrupted ({e}): the point in flight will be redone by the next run",
              file=sys.stderr)
        manifest["runs"][-1]["interrupted"] = True
        return 130
    finally:
        manifest["runs"][-1]["finished"] = now()
        manifest["finished"] = now()
        write_manifest(out, manifest, ids)
        tidy.rebuild_results(out)
    failed = [pid for pid in ids if points.status_of(out / "points" / pid) in points.NOT_OK]
    if failed:
        say(f"{len(failed)} of {len(ids)} points failed: {', '.join(failed)}")
        return 1
    say(f"all {len(ids)} points ok; results: {out / 'results.csv'}")
    return 0


def start(out: Path, cfg: dict, cat: Catalogue, order: list[Point], machine: Machine,
          notes: list[str], manifest: dict, argv: list[str]) -> dict:
    """sweep.json, catalogue.json and the manifest of a run that starts (or resumes)."""
    saved = {k: cfg[k] for k in config.CONFIG_SCHEMA}
    saved["order"] = [p.point_id for p in order]
    saved["schema_version"] = SCHEMA_VERSION
    saved["sumbench_version"] = cat.doc.get("sumbench_version")
    atomic_write_json(out / "sweep.json", saved)
    cat.save(out)
    manifest.setdefault("run_id", f"{time.strftime('%Y%m%d-%H%M%S')}-{socket.gethostname()}")
    manifest.setdefault("started", now())
    manifest.update(machine=machine_info.describe(machine.cores, machine.cores_per_node, machine.nodes,
                                                  machine.slurm_job_id, machine.is_root),
                    seed=cfg["seed"], order=saved["order"], notes=notes, finished=None)
    manifest.setdefault("runs", []).append({"started": now(), "argv": argv})
    write_manifest(out, manifest, saved["order"])
    return manifest


def make_out(out: Path) -> None:
    try:
        (out / "points").mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create --out {str(out)!r}: {e.strerror}")
    if not os.access(out, os.W_OK):
        raise UsageError(f"--out {str(out)!r} is not writable")
