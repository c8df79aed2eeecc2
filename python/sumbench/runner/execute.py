"""Run one point: a process group with a timeout, attempts until the timing is stable,
and the point folder of docs/DESIGN.md with ``status.json`` written last."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .. import points, tidy
from ..io import atomic_write_json, read_json, read_json_object
from .launch import Command, Machine, launch_only_command, point_command
from .plan import Point

KILL_GRACE_S = 3.0  # SIGTERM first: mpirun then tears down its ranks itself


class Interrupted(Exception):
    """SIGINT/SIGTERM arrived; the point in flight is abandoned (no status.json)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_interrupted(signum, _frame):
    # Ignore further signals while we clean up, so cleanup cannot be cut short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    signal.signal(signal.SIGINT, _raise_interrupted)
    signal.signal(signal.SIGTERM, _raise_interrupted)


# ----------------------------------------------------------------- processes

try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - not Linux/glibc
    _LIBC = None
_PR_SET_PDEATHSIG = 1


def _child_setup(parent_pid: int):
    def setup():
        # If the runner is killed -9, the child gets SIGTERM instead of living on and
        # writing into a folder the next run is redoing (mpirun passes it to its ranks).
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:
            os._exit(143)
    return setup


def _proc_table() -> dict[int, int]:
    """pid -> ppid for every process (Linux /proc)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
            table[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return table


def descendants(pid: int) -> list[int]:
    """Children, grandchildren... of pid. MPI ranks may sit in their own process
    groups, so killing the launcher's group alone can leave them behind."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for child, parent in table.items():
        children.setdefault(parent, []).append(child)
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def proc_start_time(pid: int) -> Optional[str]:
    """Kernel start time of pid: with the pid it identifies a process across pid reuse."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().decode(errors="replace").rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _signal_all(pgid: int, pids: list[int], sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGTERM the child's process group and all its descendants, SIGKILL after a grace."""
    pids = descendants(proc.pid)
    _signal_all(proc.pid, pids, signal.SIGTERM)
    try:
        proc.wait(timeout=KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        pass
    pids = sorted(set(pids) | set(descendants(proc.pid)))
    _signal_all(proc.pid, pids, signal.SIGKILL)
    proc.wait()


def kill_stale(point_dir: Path) -> None:
    """A runner killed -9 may have left its child running; stop it before redoing."""
    info = read_json_object(point_dir / points.RUNNING) or {}
    try:
        pid = int(info["pid"])
    except (KeyError, TypeError, ValueError):
        return
    if proc_start_time(pid) is None or proc_start_time(pid) != info.get("start_time"):
        return  # gone, or the pid now belongs to someone else
    pids = descendants(pid)
    _signal_all(pid, pids, signal.SIGTERM)
    deadline = time.monotonic() + KILL_GRACE_S
    while time.monotonic() < deadline and proc_start_time(pid) is not None:
        time.sleep(0.05)
    _signal_all(pid, pids + descendants(pid), signal.SIGKILL)


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
    with open(tmp_out, "wb") as out, open(tmp_err, "wb") as err:
        start = time.monotonic()
        try:
            proc = subprocess.Popen(cmd.argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err, start_new_session=True,
                                    preexec_fn=_child_setup(os.getpid()))
        except OSError as e:
            # A point that cannot start is a failed point, not the end of the sweep.
            err.write(f"sweep.py: cannot start {cmd.argv[0]}: {e}\n".encode())
            proc = None
            result = ProcResult(None, time.monotonic() - start, False, f"cannot start: {e}")
        if proc is not None:
            result = _wait(proc, timeout, running_file, start, tick)
    os.replace(tmp_out, stdout_path)
    os.replace(tmp_err, stderr_path)
    return result


def _wait(proc: subprocess.Popen, timeout: float, running_file: Optional[Path],
          start: float, tick: Optional[Callable[[], None]]) -> ProcResult:
    """Wait for proc; kill its whole tree on timeout or when we are interrupted.
    Wakes up every second to call tick (the live progress bar) without a thread."""
    try:
        if running_file is not None:
            atomic_write_json(running_file, {"pid": proc.pid, "start_time": proc_start_time(proc.pid)})
        deadline = start + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                code, timed_out = proc.wait(timeout=max(0.0, min(1.0, left))), False
                break
            except subprocess.TimeoutExpired:
                if left <= 1.0:
                    kill_tree(proc)
                    code, timed_out = None, True
                    break
                if tick is not None:
                    tick()
    except BaseException:
        kill_tree(proc)  # Ctrl-C / SIGTERM: take the child group down with us
        raise
    return ProcResult(code, time.monotonic() - start, timed_out)


# --------------------------------------------------------------------- points

def load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def classify(result: ProcResult, raw_path: Path) -> tuple[str, Optional[dict], str]:
    """(status, parsed raw.json or None, reason)."""
    if result.timed_out:
        return "timeout", None, "timed out"
    if result.start_error:
        return "failed", None, result.start_error
    doc = None
    if raw_path.exists():
        try:
            doc = read_json(raw_path)
        except (OSError, ValueError) as e:
            return "failed", None, f"raw.json unreadable: {e}"
        if not isinstance(doc, dict):
            return "failed", None, "raw.json is not a Google Benchmark JSON object"
    entries = [b for b in (doc or {}).get("benchmarks", []) if b.get("run_type", "iteration") == "iteration"]
    bad = [b for b in entries if b.get("error_occurred") or b.get("valid", 1) == 0]
    if bad:
        msg = bad[0].get("error_message") or "valid=0"
        return "invalid", doc, f"{len(bad)} invalid result(s): {msg}"
    if result.exit_code != 0:
        code = result.exit_code
        why = f"killed by signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        return "failed", doc, why
    if not entries:
        return "failed", doc, "exit 0 but no benchmark results in raw.json"
    return "ok", doc, ""


def coefficient_of_variation(doc: dict) -> Optional[float]:
    """Largest stdev/mean of time_s over the repetitions of each benchmark; None below 2."""
    times: dict[str, list[float]] = {}
    for row in tidy.rows_from_gbench_json(doc):
        if row["status"] == "ok" and row["time_s"] != "":
            times.setdefault(f"{row['kernel']}/{row['mode']}/{row['ranks']}/{row['threads']}"
                             f"/{row['n']}/{row['gil_policy']}/{row['switch_interval_s']}",
                             []).append(float(row["time_s"]))
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
    if point_dir.exists():
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
    res = run_process(cmd, point_dir, out, err, cfg["timeout"], point_dir / points.RUNNING, tick)
    text = _tail(out, 2000) + _tail(err, 2000)
    out.unlink(missing_ok=True)
    err.unlink(missing_ok=True)
    if res.timed_out or res.exit_code != 0:
        why = "timed out" if res.timed_out else res.start_error or f"exit status {res.exit_code}"
        return None, f"launch-only run failed ({why}); launch_s left empty", text
    return round(res.wall_s, 6), None, ""


def run_point(point: Point, cfg: dict, machine: Machine, point_dir: Path,
              tick: Optional[Callable[[], None]] = None) -> dict:
    """Run one point to completion and return its status.json content.

    Raises Interrupted (after killing the child) without writing status.json, so the
    point is redone by the next run.
    """
    reset_point_dir(point_dir)
    raw = point_dir / points.RAW
    cmd = point_command(point, cfg, machine, str(raw))
    launch_cmd = launch_only_command(point, cfg, machine)
    points.write_command(point_dir, cmd.argv, cmd.env, point=point.as_dict(), launcher=cmd.launcher,
                         launch_only={"argv": launch_cmd.argv, "env": launch_cmd.env})

    started = time.time()
    launch_s, launch_warning, launch_log = measure_launch(point, cfg, machine, point_dir, tick)
    warnings = list(cmd.warnings) + ([launch_warning] if launch_warning else [])

    attempts, cv_history = 0, []
    while True:
        attempts += 1
        raw.unlink(missing_ok=True)  # never mistake an older attempt's file for this one's
        load_before = load()
        res = run_process(cmd, point_dir, point_dir / points.STDOUT, point_dir / points.STDERR,
                          cfg["timeout"], point_dir / points.RUNNING, tick)
        load_after = load()
        status, doc, reason = classify(res, raw)
        cv = coefficient_of_variation(doc) if status == "ok" and doc else None
        cv_history.append(cv)
        noisy = cv is not None and cv > cfg["cv_threshold"]
        if not (noisy and attempts <= cfg["max_reruns"]):
            break
    unstable = bool(noisy)
    if unstable:
        warnings.append(f"cv {cv:.3f} above {cfg['cv_threshold']} after {attempts} attempts")

    (point_dir / points.RUNNING).unlink(missing_ok=True)
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
        launch_output=launch_log)


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t))
