#!/usr/bin/env python3
"""Run a sumbench sweep: one process per point, one folder per point, results.csv.

    python3 runners/sweep.py --kernels=sum,sleep --modes=serial,omp,mpi --workers=1,2 \
        --repetitions=1 --quick --out results/smoke

See ``--help`` and docs/DESIGN.md ("Runners -> point folders -> results.csv").
Exit status: 0 all points ok, 1 some point not ok, 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import fcntl
import os
import platform
import shutil
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tidy, sumbench_runner

import tidy  # noqa: E402
from sumbench_runner import config as config_mod  # noqa: E402
from sumbench_runner.config import MPI_MODES, UsageError  # noqa: E402
from sumbench_runner.execute import Interrupted, install_signal_handlers, run_point  # noqa: E402
from sumbench_runner.launch import (Machine, detect_machine, launch_only_command,  # noqa: E402
                                    point_command)
from sumbench_runner.points import Point, enumerate_points, shuffled  # noqa: E402
from sumbench_runner.progress import Progress, say  # noqa: E402

# Settings that change what a measurement means; a resumed sweep must not mix them.
RESUME_MUST_MATCH = ("repetitions", "quick", "extra_args")
NOT_OK = ("failed", "invalid", "timeout")


def err(msg: str) -> None:
    print(f"sweep.py: error: {msg}", file=sys.stderr)


# ------------------------------------------------------------------ set-up

def read_previous(out: Path) -> tuple[dict, dict]:
    """(sweep.json, manifest.json) of an earlier run into the same folder, or {}."""
    found = []
    for name in ("sweep.json", "manifest.json"):
        try:
            found.append(tidy.read_json(out / name))
        except (OSError, ValueError):
            found.append({})
    return found[0], found[1]


def check_resume(cfg: dict, previous: dict, out: Path) -> None:
    for key in RESUME_MUST_MATCH:
        if key in previous and previous[key] != cfg[key]:
            raise UsageError(f"{out} holds a sweep with {key}={previous[key]!r} but this run has "
                             f"{key}={cfg[key]!r}; use another --out or the same setting")


def check_tools(cfg: dict, points: list[Point], machine: Machine) -> None:
    sumbench = cfg["sumbench"]
    if not (os.path.isfile(sumbench) and os.access(sumbench, os.X_OK)):
        raise UsageError(f"sumbench {sumbench!r} is not an executable file; build it "
                         f"(scripts/build.sh) or pass --sumbench PATH / set SUMBENCH")
    needs_mpi = any(p.mode in MPI_MODES for p in points)
    launcher = cfg["launcher"] if cfg["launcher"] != "auto" else ("srun" if machine.in_slurm else "mpirun")
    if needs_mpi:
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


def machine_info(machine: Machine) -> dict:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8", errors="replace"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"hostname": socket.gethostname(), "platform": platform.platform(),
            "python": sys.version.split()[0], "cpu_model": cpu, "cores": machine.cores,
            "cores_per_node": machine.cores_per_node, "nodes": machine.nodes,
            "slurm_job_id": machine.slurm_job_id, "is_root": machine.is_root}


def point_status(point_dir: Path) -> str | None:
    """Status of a complete point, None if it has no (readable) status.json."""
    try:
        return tidy.read_json(point_dir / "status.json").get("status", "failed")
    except (OSError, ValueError):
        return None


# -------------------------------------------------------------------- modes

def dry_run(order: list[Point], cfg: dict, machine: Machine, out: Path, notes: list[str]) -> int:
    print(f"# {len(order)} points, cores={machine.cores}, seed={cfg['seed']}, out={out}")
    for note in notes:
        print(f"# note: {note}")
    for point in order:
        point_dir = out / "points" / point.point_id
        status = point_status(point_dir)
        cmd = point_command(point, cfg, machine, str(point_dir / "raw.json"))
        launch = launch_only_command(point, cfg, machine)
        skip = status is not None and not (cfg["retry_failed"] and status in NOT_OK)
        print(f"# {point.point_id}" + (f" (done: {status}, would skip)" if skip else ""))
        for w in cmd.warnings:
            print(f"# warning: {w}")
        print(f"# launch: {launch.shell()}")
        print(cmd.shell())
    return 0


def write_manifest(out: Path, manifest: dict, points_ids: list[str]) -> None:
    counts = {"total": len(points_ids)}
    for s in ("ok", *NOT_OK, "pending"):
        counts[s] = 0
    counts["unstable"] = 0
    for pid in points_ids:
        try:
            st = tidy.read_json(out / "points" / pid / "status.json")
        except (OSError, ValueError):
            counts["pending"] += 1
            continue
        counts[st.get("status", "failed")] = counts.get(st.get("status", "failed"), 0) + 1
        counts["unstable"] += bool(st.get("unstable"))
    manifest["counts"] = counts
    tidy.atomic_write_json(out / "manifest.json", manifest)


def run_sweep(order: list[Point], cfg: dict, machine: Machine, out: Path,
              manifest: dict) -> int:
    ids = [p.point_id for p in order]
    progress = Progress(len(order))
    install_signal_handlers()
    try:
        for point in order:
            point_dir = out / "points" / point.point_id
            status = point_status(point_dir)
            if status is not None and not (cfg["retry_failed"] and status in NOT_OK):
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
        manifest["runs"][-1]["finished"] = _now()
        manifest["finished"] = _now()
        write_manifest(out, manifest, ids)
        tidy.rebuild_results(out)
    failed = [pid for pid in ids if point_status(out / "points" / pid) in NOT_OK]
    if failed:
        say(f"{len(failed)} of {len(ids)} points failed: {', '.join(failed)}")
        return 1
    say(f"all {len(ids)} points ok; results: {out / 'results.csv'}")
    return 0


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


# --------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    try:
        cfg, given, ns = config_mod.resolve(argv)
        cfg["retry_failed"] = ns.retry_failed
        if ns.save_config:
            try:
                tidy.atomic_write_json(ns.save_config, given)
            except OSError as e:
                raise UsageError(f"cannot write --save-config {ns.save_config!r}: {e.strerror}")
            print(f"saved config to {ns.save_config}")
            return 0
        machine = detect_machine(cores_override=cfg["cores"])
        points, notes = enumerate_points(cfg, machine.cores)
        if not points:
            raise UsageError("no points: every kernel/mode combination was left out "
                             f"({'; '.join(notes)})")
        out = Path(cfg["out"] or f"results/sweep-{time.strftime('%Y%m%d-%H%M%S')}").resolve()
        previous, manifest = read_previous(out)
        if previous:
            check_resume(cfg, previous, out)
        if cfg["seed"] is None:
            # Resuming keeps the earlier order; a new sweep seeds from the clock.
            cfg["seed"] = previous.get("seed") if isinstance(previous.get("seed"), int) \
                else time.time_ns() % 2**32
        order = shuffled(points, cfg["seed"])
        if ns.dry_run:
            return dry_run(order, cfg, machine, out, notes)
        check_tools(cfg, points, machine)
        try:
            (out / "points").mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UsageError(f"cannot create --out {str(out)!r}: {e.strerror}")
        lock_out(out)
    except UsageError as e:
        err(str(e))
        return 2

    cfg["out"] = str(out)
    saved = {k: cfg[k] for k in config_mod.CONFIG_SCHEMA}
    saved["order"] = [p.point_id for p in order]
    saved["schema_version"] = tidy.SCHEMA_VERSION
    tidy.atomic_write_json(out / "sweep.json", saved)
    manifest.setdefault("run_id", f"{time.strftime('%Y%m%d-%H%M%S')}-{socket.gethostname()}")
    manifest.setdefault("started", _now())
    manifest.update(machine=machine_info(machine), seed=cfg["seed"],
                    order=saved["order"], notes=notes, finished=None)
    manifest.setdefault("runs", []).append({"started": _now(), "argv": sys.argv[1:] if argv is None else argv})
    write_manifest(out, manifest, saved["order"])
    say(f"sweep: {len(order)} points, cores={machine.cores}, seed={cfg['seed']}, out={out}")
    for note in notes:
        say(f"note: {note}")
    return run_sweep(order, cfg, machine, out, manifest)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # dry-run piped into head: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
