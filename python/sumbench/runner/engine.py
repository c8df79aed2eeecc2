"""A sweep: set-up of its folder, resume, the dry run, the manifest and the loop over
points (runners/sweep.py is the command)."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path
from typing import Optional

from .. import builds, folders, machine as machine_info, points, tidy_table
from ..catalogue import Catalogue
from ..errors import Interrupted, RuntimeFailure, UsageError, say_error
from ..io import atomic_write_json, read_json
from ..schema import SCHEMA_VERSION
from .allocation import attempt_number
from . import config
from .execute import probe_launch, run_point
from .launch import Machine, launch_only_command, point_command
from .launchers import MISMATCH
from .plan import Point
from .progress import Progress, say

# Settings that change what a measurement means; a resumed sweep must not mix them.
RESUME_MUST_MATCH = ("repetitions", "quick", "extra_args", "cpus")


BINDING = "binding: "   # the notes of binding.mismatches: also the manifest's "binding"


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _object_or_refuse(path: Path) -> dict:
    """A sweep file as a JSON object ({} when absent); a broken one is refused, since the
    resume checks need it (exit 2, the user decides what to do with it)."""
    try:
        doc = read_json(path)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: corrupted ({getattr(e, 'strerror', None) or e}); cannot resume "
                         f"this sweep safely: repair or move the file away") from None
    if not isinstance(doc, dict):
        raise UsageError(f"{path}: corrupted (not a JSON object); cannot resume this sweep "
                         f"safely: repair or move the file away")
    return doc


def read_previous(out: Path) -> tuple[dict, dict]:
    """(sweep.json, manifest.json) of an earlier run into the same folder, or {}."""
    previous, manifest = _object_or_refuse(out / "sweep.json"), _object_or_refuse(out / "manifest.json")
    runs = manifest.get("runs")
    manifest["runs"] = [r for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []
    return previous, manifest


def check_resume(cfg: dict, previous: dict, out: Path, build: dict) -> None:
    """A resumed sweep must measure what it measured before: the same settings and the
    same sumbench build (builds.check: its content hash, version and commit, whoever
    recorded it in the folder, sweep.py or fidelity.py)."""
    for key in RESUME_MUST_MATCH:
        if key in previous and previous[key] != cfg[key]:
            raise UsageError(f"{out} holds a sweep with {key}={previous[key]!r} but this run has "
                             f"{key}={cfg[key]!r}; use another --out or the same setting")
    builds.check(out, build, "run")


def open_out(out: Path) -> None:
    """Make --out ours (folders.claim: new, empty, or a sweep already), then hold its
    lock (folders.lock): one writer per sweep folder."""
    folders.claim(out, "sweep", "sweep.py", accept=folders.SWEEP_FOLDERS)
    (out / "points").mkdir(exist_ok=True)
    folders.lock(out)


def dry_run(order: list[Point], cfg: dict, machine: Machine, out: Path, notes: list[str]) -> int:
    print(f"# {len(order)} points, {machine.cpus}={machine.slots}, seed={cfg['seed']}, out={out}")
    for note in notes:
        print(f"# note: {note}")
    for point in order:
        point_dir = out / "points" / point.point_id
        status = points.read_status(point_dir)
        cmd = point_command(point, cfg, machine, str(point_dir / points.RAW))
        launch = launch_only_command(point, cfg, machine)
        redo = points.redo_reason(status, cfg["retry_failed"], slurm_attempt(machine))
        print(f"# {point.point_id}" + (f" (done: {status['status']}, would skip)"
                                       if redo is None else f" (would {redo})" if redo else ""))
        for w in cmd.warnings:
            print(f"# warning: {w}")
        print(f"# launch: {launch.shell()}")
        print(cmd.shell())
    return 0


def point_states(out: Path, point_ids: list[str]) -> dict[str, Optional[dict]]:
    """point id -> its status when complete (points.read_status: its files checked),
    else None."""
    return {pid: points.read_status(out / "points" / pid) for pid in point_ids}


def write_manifest(out: Path, manifest: dict, states: dict[str, Optional[dict]]) -> None:
    counts = {"total": len(states), **{s: 0 for s in ("ok", *points.NOT_OK, "pending")}}
    counts["unstable"] = 0
    for status in states.values():
        if status is None:
            counts["pending"] += 1
            continue
        counts[status["status"]] += 1
        counts["unstable"] += bool(status["unstable"])
    manifest["counts"] = counts
    atomic_write_json(out / "manifest.json", manifest)


def slurm_attempt(machine: Machine) -> Optional[int]:
    """The attempt of the Slurm job the sweep runs in (0, then 1, 2, ... when Slurm
    requeued it after a node failure); None outside Slurm."""
    return attempt_number(os.environ) if machine.in_slurm else None


def run_sweep(order: list[Point], cfg: dict, machine: Machine, out: Path, manifest: dict) -> int:
    ids = [p.point_id for p in order]
    states = point_states(out, ids)
    progress = Progress(len(order))
    attempt = slurm_attempt(machine)
    try:
        if attempt and any(points.redo_reason(states[p.point_id], cfg["retry_failed"], attempt)
                           is not None for p in order):
            said = probe_launch(order, cfg, machine, out)
            if said:
                progress.note(said)
        for point in order:
            point_dir = out / "points" / point.point_id
            done = states[point.point_id]
            redo = points.redo_reason(done, cfg["retry_failed"], attempt)
            if redo is None:
                progress.skipped(point.point_id, done["status"])
                continue
            if point_dir.exists():
                progress.note(f"redo {point.point_id} ({redo or 'incomplete: interrupted'})")
            t0 = time.monotonic()
            progress.start_point(point.point_id)
            states[point.point_id] = None
            info = run_point(point, cfg, machine, point_dir, progress.tick, attempt)
            states[point.point_id] = info
            progress.finished(point.point_id, info, time.monotonic() - t0)
            write_manifest(out, manifest, states)
            if str(info.get("reason", "")).startswith(MISMATCH):  # every MPI point would fail alike
                raise UsageError(f"{info['reason']} (point {point.point_id}; the sweep stops, "
                                 f"the points done are kept)")
    except RuntimeFailure as e:   # a full disk: the point in flight is redone next time
        manifest["runs"][-1]["error"] = str(e)
        raise
    except Interrupted as e:
        if sys.stdout.isatty():
            say("")  # end the live progress bar's line
        say_error("sweep.py", f"interrupted ({e}): the point in flight will be redone by the next run")
        manifest["runs"][-1]["interrupted"] = True
        return e.exit_code
    finally:
        manifest["runs"][-1]["finished"] = now()
        manifest["finished"] = now()
        write_manifest(out, manifest, states)
        tidy_table.rebuild_results(out)
    failed = [pid for pid, st in states.items() if st is None or st["status"] in points.NOT_OK]
    unstable = [pid for pid, st in states.items() if st is not None and st.get("unstable")]
    shaky = (f"; {len(unstable)} unstable (cv above {cfg['cv_threshold']:g} after reruns), no plain "
             f"result: {', '.join(unstable)}") if unstable else ""
    if failed:
        say(f"{len(failed)} of {len(ids)} points failed: {', '.join(failed)}{shaky}")
        return 1
    say(f"all {len(ids)} points ran and validated{shaky or ', all stable'}; results: {out / 'results.csv'}")
    return 0


def start(out: Path, cfg: dict, cat: Catalogue, build: dict, order: list[Point],
          machine: Machine, notes: list[str], manifest: dict, argv: list[str]) -> dict:
    """sweep.json, catalogue.json and the manifest of a run that starts (or resumes)."""
    saved = config.as_file({k: cfg[k] for k in (*config.CONFIG_SCHEMA, "params") if k in cfg})
    saved["order"] = [p.point_id for p in order]
    saved["schema_version"] = SCHEMA_VERSION
    saved["sumbench_version"] = cat.doc.get("sumbench_version")
    saved["sumbench_build"] = build
    atomic_write_json(out / "sweep.json", saved)
    cat.save(out)
    manifest.setdefault("run_id", f"{time.strftime('%Y%m%d-%H%M%S')}-{socket.gethostname()}")
    manifest.setdefault("started", now())
    launcher = machine.launcher.as_dict() if machine.launcher else None
    manifest.update(machine=machine_info.describe(machine.slots, machine.slots_per_node, machine.nodes,
                                                  machine.slurm_job_id, machine.is_root, machine.cpus,
                                                  machine.topology, launcher,
                                                  (cat.doc.get("build") or {}).get("native")),
                    seed=cfg["seed"], order=saved["order"], notes=notes, finished=None,
                    binding=[n.split(": ", 1)[1] for n in notes if n.startswith(BINDING)])
    manifest.setdefault("runs", []).append({"started": now(), "argv": argv})
    write_manifest(out, manifest, point_states(out, saved["order"]))
    return manifest


