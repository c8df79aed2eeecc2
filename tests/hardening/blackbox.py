"""Black-box helpers of the issue 10 hardening tests (tests/hardening/).

The tests run the command-line entry points as subprocesses, with the Python CTest uses
(SUMBENCH_PYTHON, else this interpreter), and look only at exit codes, stdout, stderr and
files. Nothing here imports the project's modules or edits sys.path, so the tests keep
working while runners/, reports/ and slurm/ are reorganised into one package, as long as
these entry points keep their paths and flags:

    runners/sweep.py  runners/cpython_baseline.py  runners/fidelity.py  reports/report.py
    reports/compare.py  reports/summary.py  slurm/submit_sweep.py
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_DIR = Path(os.environ.get("SUMBENCH_SOURCE_DIR") or HERE.parents[1]).resolve()
PYTHON = os.environ.get("SUMBENCH_PYTHON") or sys.executable
ENTRY = {
    "sweep": SOURCE_DIR / "runners" / "sweep.py",
    "baseline": SOURCE_DIR / "runners" / "cpython_baseline.py",
    "report": SOURCE_DIR / "reports" / "report.py",
    "compare": SOURCE_DIR / "reports" / "compare.py",
    "summary": SOURCE_DIR / "reports" / "summary.py",
    "fidelity": SOURCE_DIR / "runners" / "fidelity.py",
    "submit": SOURCE_DIR / "slurm" / "submit_sweep.py",
}
FAKE_SUMBENCH = HERE.parent / "runners" / "fake_sumbench.py"  # shared with the runner tests
TRACEBACK = "Traceback (most recent call last)"


def real_sumbench() -> str | None:
    """The built sumbench (CTest passes it in SUMBENCH), or None."""
    path = os.environ.get("SUMBENCH") or str(SOURCE_DIR / "build" / "sumbench")
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def clean_env(**extra) -> dict:
    """The caller's environment without FAKE_*, SLURM_*, SBATCH_* and SUMBENCH*; plus extra.
    SUMBENCH is the sumbench under test (the build folder's, which need not be <tree>/build:
    a clean clone's scripts/test.sh builds in a folder of no preset), unless extra sets it;
    FAKE_REAL_SUMBENCH names the same, which answers the fake's --list=json."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FAKE_", "SLURM_", "SBATCH_", "SUMBENCH"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if real_sumbench():
        env["FAKE_REAL_SUMBENCH"] = env["SUMBENCH"] = real_sumbench()
    env.update({k: str(v) for k, v in extra.items()})
    return env


# ------------------------------------------------------------------ processes

def _proc_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                ppid = int(f.read().decode(errors="replace").rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    return children


def descendants(pid: int) -> list[int]:
    table, out, todo = _proc_children(), [], [pid]
    while todo:
        for child in table.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def alive(pid: int) -> bool:
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().decode(errors="replace").rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL a child started with start_new_session=True, its group and descendants."""
    pids = descendants(proc.pid)
    for sig_target in [("pg", proc.pid)] + [("p", p) for p in pids]:
        try:
            if sig_target[0] == "pg":
                os.killpg(sig_target[1], signal.SIGKILL)
            else:
                os.kill(sig_target[1], signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


@dataclass
class Result:
    argv: list
    rc: int | None          # None: still running at the timeout (then killed)
    stdout: str
    stderr: str
    wall_s: float
    timed_out: bool = False

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def show(self) -> str:
        """The run, for an assertion message: the command, the exit code, the output."""
        def clip(text, n=3000):
            return text if len(text) <= n else text[:n // 2] + "\n[...]\n" + text[-n // 2:]
        return (f"\n  command: {' '.join(map(str, self.argv))}\n  exit: "
                f"{'TIMED OUT after %.0f s' % self.wall_s if self.timed_out else self.rc}"
                f"\n  stderr:\n{clip(self.stderr)}\n  stdout:\n{clip(self.stdout)}")


def start(tool: str, *args, env=None, cwd=None, umask=None, stdout=subprocess.PIPE,
          stderr=subprocess.PIPE) -> subprocess.Popen:
    argv = [PYTHON, str(ENTRY[tool]), *map(str, args)]

    def setup():
        if umask is not None:
            os.umask(umask)
    return subprocess.Popen(argv, env=env if env is not None else clean_env(), cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                            start_new_session=True, preexec_fn=setup, text=True,
                            errors="backslashreplace")   # bytes that are not UTF-8 as \xNN


def run(tool: str, *args, env=None, cwd=None, timeout: float = 120, umask=None) -> Result:
    """Run an entry point to its end (or kill its whole tree at the timeout)."""
    t0 = time.monotonic()
    proc = start(tool, *args, env=env, cwd=cwd, umask=umask)
    try:
        out, err = proc.communicate(timeout=timeout)
        return Result(proc.args, proc.returncode, out, err, time.monotonic() - t0)
    except subprocess.TimeoutExpired:
        kill_tree(proc)
        out, err = proc.communicate()
        return Result(proc.args, None, out, err, time.monotonic() - t0, timed_out=True)


# ---------------------------------------------------------------------- files

def snapshot(root: Path) -> dict[str, tuple]:
    """relative path -> (kind, sha256 or link target, permission bits), for every entry."""
    root = Path(root)
    out = {}
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p), 0)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", "", stat.S_IMODE(st.st_mode))
            else:
                h = hashlib.sha256(p.read_bytes()).hexdigest()
                out[rel] = ("file", h, stat.S_IMODE(st.st_mode))
    return out


def tree_diff(before: dict, after: dict) -> list[str]:
    lines = []
    for rel in sorted(set(before) | set(after)):
        if rel not in after:
            lines.append(f"removed {rel}")
        elif rel not in before:
            lines.append(f"created {rel}")
        elif before[rel] != after[rel]:
            lines.append(f"changed {rel}")
    return lines


def tmp_leftovers(root: Path) -> list[str]:
    """Temporary files/folders (*.tmp, *.tmp-*, *.tmp.*) under root."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            if name.endswith(".tmp") or ".tmp-" in name or ".tmp." in name:
                found.append(str(Path(dirpath, name).relative_to(root)))
    return sorted(found)


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    Path(path).write_text(buf.getvalue(), encoding="utf-8")


def edit_results(sweep: Path, edit) -> None:
    """Rewrite sweep/results.csv with edit(row) applied to every row (in place)."""
    header, rows = read_csv(sweep / "results.csv")
    for r in rows:
        edit(r)
    write_csv(sweep / "results.csv", header, rows)


def make_sweep(out: Path, *, kernels="sum,sleep", modes="serial,omp", workers="1,2",
               repetitions=3, sumbench=None, env_extra=None, extra=()) -> Result:
    """A real sweep folder from runners/sweep.py driving the fake sumbench (fast)."""
    env = clean_env(**(env_extra or {}))
    res = run("sweep", f"--sumbench={sumbench or FAKE_SUMBENCH}", f"--kernels={kernels}",
              f"--modes={modes}", f"--workers={workers}", f"--repetitions={repetitions}",
              "--seed=1", f"--out={out}", *extra, env=env, timeout=120)
    return res

_TEMPLATE: dict = {}


def template_sweep() -> Path:
    """One sweep made once per test module, for tests that copy it (never change it)."""
    if "path" not in _TEMPLATE:
        base = Path(tempfile.mkdtemp(prefix="sumbench-hardening-template-"))
        res = make_sweep(base / "sweep")
        if res.rc != 0:
            raise RuntimeError("cannot make the template sweep:" + res.show())
        _TEMPLATE.update(path=base / "sweep", base=base)
    return _TEMPLATE["path"]


def remove_template_sweep() -> None:
    """For a test module's tearDownModule."""
    if "base" in _TEMPLATE:
        shutil.rmtree(_TEMPLATE.pop("base"), ignore_errors=True)
        _TEMPLATE.pop("path", None)


@contextlib.contextmanager
def tmpfs(parent: Path, size: str = "1m", readonly: bool = False, populate=None):
    """A small tmpfs mounted on a new folder under parent (root only; else SkipTest).

    populate(path) runs before an optional remount read-only. Always unmounted at the end.
    """
    mnt = Path(tempfile.mkdtemp(prefix="mnt-", dir=parent))
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755",
                        "sumbench-hardening", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        mnt.rmdir()
        raise unittest.SkipTest(f"cannot mount a tmpfs ({r.stderr.strip() or r.returncode}); "
                                f"this test needs root with CAP_SYS_ADMIN")
    try:
        if populate is not None:
            populate(mnt)
        if readonly:
            subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True,
                           capture_output=True)
        yield mnt
    finally:
        if subprocess.run(["umount", str(mnt)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        try:
            mnt.rmdir()
        except OSError:
            pass


def fill(mnt: Path, leave_bytes: int = 0) -> None:
    """Fill a filesystem with one file, then give back leave_bytes (rounded by the fs)."""
    filler = mnt / ".filler"
    with open(filler, "wb") as f:
        chunk = b"\0" * 65536
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError:
            pass
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave_bytes))


class HardeningCase(unittest.TestCase):
    """A temp folder per test and the assertions of the issue 10 contract."""

    maxDiff = None

    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="sumbench-hardening-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def assertNoTraceback(self, res: Result):
        self.assertFalse(res.timed_out, "the command did not finish:" + res.show())
        self.assertNotIn(TRACEBACK, res.stderr + res.stdout, "a Python traceback:" + res.show())
        self.assertFalse(res.rc is not None and res.rc < 0,
                         f"killed by signal {-(res.rc or 0)}:" + res.show())

    def assertOneLine(self, res: Result, *needles: str):
        """Exactly one non-empty line on stderr, containing every needle."""
        self.assertNoTraceback(res)
        lines = res.err_lines
        self.assertEqual(len(lines), 1, f"expected exactly one line on stderr, got "
                         f"{len(lines)}:" + res.show())
        for needle in needles:
            self.assertIn(needle, lines[0], f"the error line should name {needle!r}:" + res.show())

    def assertUsageError(self, res: Result, *needles: str):
        """Exit 2 with one line on stderr naming each needle (the contract for bad input)."""
        self.assertOneLine(res, *needles)
        self.assertEqual(res.rc, 2, "expected exit status 2 (usage error):" + res.show())

    def assertTreeUnchanged(self, before: dict, root: Path, res: Result | None = None,
                            allow=()):
        changes = [c for c in tree_diff(before, snapshot(root))
                   if not any(c.split(" ", 1)[1].startswith(a) for a in allow)]
        self.assertEqual(changes, [], f"{root} changed" + (res.show() if res else ""))
