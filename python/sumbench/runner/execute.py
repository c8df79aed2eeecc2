"""Run one point: a process group with a timeout, attempts until the timing is stable,
and the point folder of docs/DESIGN.md with ``status.json`` written last."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .. import points, procs, tidy_table
from ..errors import RuntimeFailure
from ..io import atomic_write_json, read_json, read_json_object
from ..schema import PARAMETER_COLUMNS, SPECS
from . import launchers
from .launch import Command, Machine, launch_only_command, point_command
from .plan import Point

def kill_stale(point_dir: Path) -> None:
    """A runner killed -9 may have left its child running; stop it before redoing."""
    info = read_json_object(point_dir / points.RUNNING) or {}
    try:
        pid = int(info["pid"])
    except (KeyError, TypeError, ValueError):
        return
    procs.kill_recorded(pid, info.get("start_time"))


@dataclass
class ProcResult:
    exit_code: Optional[int]   # None when killed for the timeout or never started
    wall_s: float
    timed_out: bool
    start_error: str = ""      # exec failed (missing binary, being rebuilt, ...)


def run_process(cmd: Command, cwd: Path, stdout_path: Path, stderr_path: Path,
                timeout: float, running_file: Optional[Path] = None,
                tick: Optional[Callable[[], None]] = None) -> ProcResult:
    """Run cmd in its own session (process group); output captured to temp files
    that are renamed into place when the process is over."""
    env = os.environ.copy()
    env.update(cmd.env)
    tmp_out = stdout_path.with_name(f".{stdout_path.name}.tmp")
    tmp_err = stderr_path.with_name(f".{stderr_path.name}.tmp")
    try:
        with open(tmp_out, "wb") as out, open(tmp_err, "wb") as err:
            start = time.monotonic()
            try:
                proc = subprocess.Popen(cmd.argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=err, start_new_session=True,
                                        preexec_fn=procs.child_setup(os.getpid()))
            except OSError as e:
                # A point that cannot start is a failed point, not the end of the sweep.
                err.write(f"sweep.py: cannot start {cmd.argv[0]}: {e}\n".encode())
                proc = None
                result = ProcResult(None, time.monotonic() - start, False, f"cannot start: {e}")
            if proc is not None:
                result = _wait(proc, timeout, running_file, start, tick)
        os.replace(tmp_out, stdout_path)
        os.replace(tmp_err, stderr_path)
    except BaseException:  # interrupted, disk full: no temporary file stays behind
        tmp_out.unlink(missing_ok=True)
        tmp_err.unlink(missing_ok=True)
        raise
    return result


def _wait(proc: subprocess.Popen, timeout: float, running_file: Optional[Path],
          start: float, tick: Optional[Callable[[], None]]) -> ProcResult:
    """Wait for proc; kill its whole tree on timeout or when we are interrupted.
    Wakes up every second to call tick (the live progress bar) without a thread."""
    try:
        if running_file is not None:
            atomic_write_json(running_file, {"pid": proc.pid, "start_time": procs.proc_start_time(proc.pid)})
        deadline = start + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                code, timed_out = proc.wait(timeout=max(0.0, min(1.0, left))), False
                break
            except subprocess.TimeoutExpired:
                if left <= 1.0:
                    procs.kill_tree(proc)
                    code, timed_out = None, True
                    break
                if tick is not None:
                    tick()
    except BaseException:
        procs.kill_tree(proc)  # Ctrl-C, SIGTERM, SIGHUP: take the child group down with us
        raise
    finally:  # the process is gone: nothing is left for a later run to stop
        if running_file is not None:
            running_file.unlink(missing_ok=True)
    return ProcResult(code, time.monotonic() - start, timed_out)


# --------------------------------------------------------------------- points

def load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def classify(result: ProcResult, raw_path: Path) -> tuple[str, Optional[dict], str]:
    """(status, parsed raw.json or None, reason): points.judge_run's rule."""
    if result.timed_out:
        return "timeout", None, "timed out"
    if result.start_error:
        return "failed", None, result.start_error
    try:
        doc = read_json(raw_path)
    except FileNotFoundError:
        doc = None
    except (OSError, ValueError) as e:
        return "failed", None, f"raw.json unreadable: {e}"
    status, reason = points.judge_run(result.exit_code, doc)
    return status, doc if isinstance(doc, dict) else None, reason


def coefficient_of_variation(doc: dict) -> Optional[float]:
    """Largest stdev/mean of time_s over the repetitions of each benchmark (rows of one
    value of every parameter column: legacy's check intervals apart); None below 2."""
    times: dict[tuple, list[float]] = {}
    for row in tidy_table.rows_from_gbench_json(doc):
        if row["status"] == "ok" and row["time_s"] != "":
            key = tuple(row[c] for c in PARAMETER_COLUMNS) + tuple(  # and a mode's own parameters
                sorted((k, str(v)) for k, v in row.items() if k not in SPECS))
            times.setdefault(key, []).append(float(row["time_s"]))
    cvs = []
    for values in times.values():
        if len(values) >= 2 and statistics.fmean(values) > 0:
            cvs.append(statistics.stdev(values) / statistics.fmean(values))
    return round(max(cvs), 6) if cvs else None


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-limit:].decode(errors="replace")


def reset_point_dir(point_dir: Path) -> None:
    """Redo a point from scratch: stop leftovers, then clear the folder."""
    if point_dir.is_symlink():  # not a folder of ours: only the link goes
        point_dir.unlink()
    elif point_dir.exists():
        kill_stale(point_dir)
        shutil.rmtree(point_dir)
    point_dir.mkdir(parents=True)


def measure_launch(point: Point, cfg: dict, machine: Machine, point_dir: Path,
                   tick: Optional[Callable[[], None]] = None
                   ) -> tuple[Optional[float], Optional[str], str]:
    """Wall time of starting the workers without work (sumbench --launch-only).

    Returns (launch_s or None, warning or None, output tail when it failed). Its output
    goes to temp files that are removed, so the folder holds only DESIGN.md's files.
    """
    cmd = launch_only_command(point, cfg, machine)
    out, err = point_dir / ".launch.out", point_dir / ".launch.err"
    try:
        res = run_process(cmd, point_dir, out, err, cfg["timeout"], point_dir / points.RUNNING, tick)
        text = _tail(out, 2000) + _tail(err, 2000)
    finally:
        out.unlink(missing_ok=True)
        err.unlink(missing_ok=True)
    if res.timed_out or res.exit_code != 0:
        why = "timed out" if res.timed_out else res.start_error or f"exit status {res.exit_code}"
        return None, f"launch-only run failed ({why}); launch_s left empty", text
    return round(res.wall_s, 6), None, ""


# Launches a requeued attempt may spend on the step ids its failed attempt left behind.
PROBE_TRIES = 40
# Relaunches of a point whose launch failed: once in a job's first attempt; in a requeued
# attempt up to RELAUNCH_REQUEUED, because the stale step ids need not be the first ones
# (measured: ids 5 and 6 of 10, the steps the node failure cut short, failed one after
# the other on the surviving node while ids 0-4 launched).
RELAUNCH_FIRST = 1
RELAUNCH_REQUEUED = 4


def probe_launch(order: list[Point], cfg: dict, machine: Machine, out: Path) -> Optional[str]:
    """Start of a requeued Slurm attempt: launch the widest multi-process point with
    --launch-only until a launch succeeds (at most PROBE_TRIES). A requeued job reuses
    its step ids, and on the node that survived the failure, srun --mpi=pmix refuses
    the ids of the steps that the failure cut short ("Cannot bind() UNIX socket
    .../stepd.slurm.pmix.J.S: Address already in use" in slurmd's log, "task 0 launch
    failed" from srun; Slurm 22.05, measured on the two-node test cluster). Each probe
    uses up one such id. Returns what happened (None when there is nothing to probe)."""
    multi = [p for p in order if p.multi_process]
    if not multi:
        return None
    widest = max(multi, key=lambda p: p.ranks)
    cmd = launch_only_command(widest, cfg, machine)
    timeout = min(60.0, cfg["timeout"])
    with tempfile.TemporaryDirectory(prefix=".launch-probe-", dir=out) as tmp:
        tmp = Path(tmp)
        for tries in range(1, PROBE_TRIES + 1):
            res = run_process(cmd, tmp, tmp / "out", tmp / "err", timeout)
            if res.exit_code == 0:
                return (f"requeued attempt: launch probe ({cmd.launcher}, {widest.layout}) "
                        f"succeeded at try {tries}" + (f"; {tries - 1} launch(es) failed on "
                                                       f"step ids the failed attempt left"
                                                       if tries > 1 else ""))
    return (f"requeued attempt: {PROBE_TRIES} launch probes ({cmd.launcher}, "
            f"{widest.layout}) failed; the points run anyway")


def _interrupted(point_dir: Path) -> list[dict]:
    """History of a point that an earlier run started and never finished (its
    command.json without a status.json): one "interrupted" entry (its node failed, the
    job was requeued or cancelled, the runner was killed); [] for a point never started."""
    doc = read_json_object(point_dir / points.COMMAND_JSON) if point_dir.is_dir() else None
    if doc is None:
        return []
    return [points.history_entry(dict(
        status="failed", outcome="interrupted", exit_code=None,
        reason="interrupted: the run that started it ended first (a node failure, a "
               "requeue or cancel of the job, the runner stopped or killed, a full disk)",
        slurm_attempt=doc.get("slurm_attempt"), started=doc.get("started"), finished=None))]


def run_point(point: Point, cfg: dict, machine: Machine, point_dir: Path,
              tick: Optional[Callable[[], None]] = None,
              slurm_attempt: Optional[int] = None) -> dict:
    """Run one point to completion and return its status.json content.

    Raises errors.Interrupted (after killing the child) without writing status.json, so the
    point is redone by the next run (its outcome: interrupted, never failed). A point
    run again keeps its earlier runs in status.json's history. slurm_attempt: the
    Slurm job's attempt that runs it (SLURM_RESTART_COUNT), None outside Slurm.
    """
    before = points.load_status(point_dir)[0] if point_dir.is_dir() else None
    history = (before["history"] + [points.history_entry(before)]) if before else \
        _interrupted(point_dir)
    reset_point_dir(point_dir)
    raw = point_dir / points.RAW
    cmd = point_command(point, cfg, machine, str(raw))
    launch_cmd = launch_only_command(point, cfg, machine)
    points.write_command(point_dir, cmd.argv, cmd.env, point=point.as_dict(), launcher=cmd.launcher,
                         launch_only={"argv": launch_cmd.argv, "env": launch_cmd.env},
                         slurm_attempt=slurm_attempt, started=_iso(time.time()))

    started = time.time()
    launch_s, launch_warning, launch_log = measure_launch(point, cfg, machine, point_dir, tick)
    warnings = list(cmd.warnings) + ([launch_warning] if launch_warning else [])

    attempts, cv_history, relaunched = 0, [], 0
    relaunch_cap = RELAUNCH_REQUEUED if slurm_attempt else RELAUNCH_FIRST
    while True:
        attempts += 1
        raw.unlink(missing_ok=True)  # never mistake an older attempt's file for this one's
        load_before = load()
        t_run = time.time()
        res = run_process(cmd, point_dir, point_dir / points.STDOUT, point_dir / points.STDERR,
                          cfg["timeout"], point_dir / points.RUNNING, tick)
        load_after = load()
        status, doc, reason = classify(res, raw)
        full = points.disk_full_line(_tail(point_dir / points.STDERR)) if status != "ok" else None
        if full:   # not the point's result: no status.json, so the next run redoes it
            raise RuntimeFailure(f"{point_dir}: the disk is full ({full}); the sweep stops, and "
                                 f"the next run redoes {point.point_id}")
        if status != "ok" and res.exit_code == 2:  # another MPI's launcher: N worlds of one
            reason = launchers.mismatch_reason(_tail(point_dir / points.STDERR), machine.launcher) or reason
        if relaunched < relaunch_cap and points.outcome_of(status, res.exit_code,
                                                _tail(point_dir / points.STDERR)) == "launch":
            # A launch that failed without a verdict of sumbench's is tried again at
            # once (relaunch_cap): on the node that survived a node failure, the requeued
            # job reuses the failed attempt's step ids, and srun --mpi=pmix refuses the
            # ids whose steps the failure cut short ("Cannot bind() UNIX socket ...
            # stepd.slurm.pmix.J.S"; Slurm 22.05, two-node test cluster).
            relaunched += 1
            history.append(points.history_entry(dict(
                status=status, outcome="launch", reason=reason, exit_code=res.exit_code,
                slurm_attempt=slurm_attempt, started=_iso(t_run), finished=_iso(time.time()))))
            warnings.append(f"launch failed ({reason}); launched once more")
            continue
        cv = coefficient_of_variation(doc) if status == "ok" and doc else None
        cv_history.append(cv)
        noisy = cv is not None and cv > cfg["cv_threshold"]
        if not (noisy and attempts <= cfg["max_reruns"]):
            break
    unstable = bool(noisy)
    if unstable:
        warnings.append(f"cv {cv:.3f} above {cfg['cv_threshold']} after {attempts} attempts")

    # Last: status.json marks the point complete.
    return points.write_status(
        point_dir, point_id=point.point_id, source="sumbench", point=point.as_dict(),
        status=status, exit_code=res.exit_code, reason=reason, wall_s=round(res.wall_s, 6),
        launch_s=launch_s, load_before=load_before, load_after=load_after,
        oversubscribed=cmd.oversubscribed, oversubscribe_flag=cmd.oversubscribe_flag,
        launcher=cmd.launcher, env=cmd.env, warnings=warnings, attempts=attempts, cv=cv,
        cv_history=cv_history, unstable=unstable, timeout_s=cfg["timeout"],
        started=_iso(started), finished=_iso(time.time()),
        stderr_tail=_tail(point_dir / points.STDERR) if status != "ok" else "",
        launch_output=launch_log, slurm_attempt=slurm_attempt, history=history)


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t))
