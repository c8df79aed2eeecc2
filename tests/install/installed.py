"""Shared by the install tests: install the build tree into a temporary prefix, run the
installed commands from a folder outside the source tree (with the tree hidden where
this user may make a mount namespace), and snapshot a folder to prove nothing in it
changed."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("SUMBENCH_SOURCE_DIR") or Path(__file__).resolve().parents[2]).resolve()
BUILD_DIR = Path(os.environ.get("SUMBENCH_BUILD_DIR") or SOURCE_DIR / "build").resolve()
CMAKE = os.environ.get("CMAKE_COMMAND") or "cmake"
# CMake's boolean text of the build's SUMBENCH_NATIVE
NATIVE = (os.environ.get("SUMBENCH_NATIVE") or "ON").upper() in ("ON", "1", "TRUE", "YES", "Y")
# bin/<command> -> the command's path in the source tree and under share/sumbench, both
# links to python/entry.py (the table: python/sumbench/commands.py)
COMMANDS = {"sumbench-sweep": "runners/sweep.py", "sumbench-report": "reports/report.py",
            "sumbench-compare": "reports/compare.py", "sumbench-baseline": "runners/cpython_baseline.py",
            "sumbench-submit": "slurm/submit_sweep.py", "sumbench-tidy": "runners/tidy.py",
            "sumbench-summary": "reports/summary.py", "sumbench-fidelity": "runners/fidelity.py",
            "sumbench-py": "runners/pyfunc.py"}
SHARE = Path("share") / "sumbench"


def install(prefix: Path, destdir: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DESTDIR", None)
    if destdir is not None:
        env["DESTDIR"] = str(destdir)
    proc = subprocess.run([CMAKE, "--install", str(BUILD_DIR), "--prefix", str(prefix)], env=env,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(f"cmake --install failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def clean_env(prefix: Path) -> dict:
    """The environment of a user who has only the installation: the prefix's bin first on
    PATH, no path into the source tree, no SUMBENCH* or PYTHON* variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMBENCH", "PYTHON"))}
    keep = [p for p in env.get("PATH", "/usr/bin:/bin").split(":")
            if p and not Path(p).resolve().is_relative_to(SOURCE_DIR)]
    env["PATH"] = ":".join([str(prefix / "bin")] + keep)
    return env


def _can_hide() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs none \"$0\"", tempfile.gettempdir()],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


CAN_HIDE_SOURCE = _can_hide()


def hidden_source(argv: list[str], read_only: Path | None = None) -> list[str]:
    """argv run with an empty tmpfs over the source tree (build/ included), in a mount
    namespace of its own, so that reading anything from the tree fails, and `read_only`
    (an installation) mounted read-only, as a user who may not write it sees it; argv
    itself when this user cannot (not root, no unshare)."""
    if not CAN_HIDE_SOURCE:
        return argv
    script = f"mount -t tmpfs -o size=1m none {shlex.quote(str(SOURCE_DIR))}"
    if read_only is not None:
        ro = shlex.quote(str(read_only))
        script += f" && mount --bind {ro} {ro} && mount -o remount,bind,ro {ro}"
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script + ' && exec "$@"', "sh"] + argv


def run(argv: list[str], cwd: Path, env: dict, timeout: int = 300, hide: bool = True,
        read_only: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(hidden_source(argv, read_only) if hide else argv, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def snapshot(root: Path) -> dict:
    """Every path under root (links not followed): type, size, mtime, mode."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            out[str(p.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out
