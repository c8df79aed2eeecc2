"""Child processes: each in its own session (process group), and taken down as a whole
tree (group and every descendant) on a timeout, when we are interrupted, and, through
PR_SET_PDEATHSIG, when we are killed ourselves.

Why the whole tree: ``subprocess.run(timeout=...)`` kills the child alone, and then
waits for its pipes, which a grandchild (an MPI rank, a ``sleep &`` of a wrapper
script, a multiprocessing worker) keeps open: the timeout never ends the wait.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

KILL_GRACE_S = 3.0   # SIGTERM first (mpirun then tears down its ranks itself), then SIGKILL

try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - not Linux/glibc
    _LIBC = None
_PR_SET_PDEATHSIG = 1


def child_setup(parent_pid: int):
    """preexec_fn: the child gets SIGTERM when its parent dies (even by kill -9), instead
    of living on; a child whose parent is already gone exits at once."""
    def setup():
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
    children: dict[int, list[int]] = {}
    for child, parent in _proc_table().items():
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


def signal_all(pgid: int, pids: Sequence[int], sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_tree(proc: subprocess.Popen, grace_s: float = KILL_GRACE_S) -> None:
    """SIGTERM the child's process group and all its descendants, SIGKILL after a grace."""
    pids = descendants(proc.pid)
    signal_all(proc.pid, pids, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass
    pids = sorted(set(pids) | set(descendants(proc.pid)))
    signal_all(proc.pid, pids, signal.SIGKILL)
    proc.wait()


def kill_recorded(pid: int, start_time: Optional[str]) -> None:
    """Stop a process (and its tree) that an earlier run recorded, if it is still that
    process (same start time), e.g. the child of a runner killed -9."""
    if start_time is None or proc_start_time(pid) != start_time:
        return  # gone, or the pid now belongs to someone else
    pids = descendants(pid)
    signal_all(pid, pids, signal.SIGTERM)
    deadline = time.monotonic() + KILL_GRACE_S
    while time.monotonic() < deadline and proc_start_time(pid) is not None:
        time.sleep(0.05)
    signal_all(pid, pids + descendants(pid), signal.SIGKILL)


@dataclass
class Finished:
    returncode: Optional[int]   # None: killed at the timeout
    stdout: str
    stderr: str
    timed_out: bool = False


def run(argv: Sequence[str], *, timeout: Optional[float], input: Optional[str] = None,
        env: Optional[Mapping[str, str]] = None, cwd: Optional[str] = None) -> Finished:
    """subprocess.run with captured text output, in its own session; at the timeout, or
    when we are interrupted, the whole tree goes. Raises OSError when it cannot start."""
    proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                            start_new_session=True, preexec_fn=child_setup(os.getpid()))
    timed_out = False
    try:
        out, err = proc.communicate(input.encode() if input is not None else None, timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_tree(proc, grace_s=0.5)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # a descendant escaped (setsid + reparented)
            out, err = b"", b""
    except BaseException:
        kill_tree(proc, grace_s=0.5)
        raise
    finally:
        for stream in (proc.stdout, proc.stderr, proc.stdin):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
    return Finished(None if timed_out else proc.returncode,
                    (out or b"").decode("utf-8", "replace"), (err or b"").decode("utf-8", "replace"),
                    timed_out)
