"""Helpers of issue 22's driver-input tests (tests/hardening/): topology inputs, MPMD
launches of the built sumbench with an environment of its own for each rank, and the
processes a run leaves behind. Black-box, as blackbox.py: no project module is imported.

Every process a test starts carries MARK=<token> in its environment, so that what
outlives it (Open MPI's orted, a rank) is found, reported and killed by that token alone.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from blackbox import HardeningCase, real_sumbench

MARK = "SUMBENCH_HARDENING_MARK"
HUGE = "pack:100000 core:100000 pu:2"   # 2e10 hardware threads (b132564: an orted past 1 GB)
ONE_NODE = "pack:1 core:2 pu:1"


def new_token() -> str:
    return f"{os.getpid()}-{time.monotonic_ns()}"


def marked(token: str) -> list[int]:
    """Processes whose environment holds MARK=token."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if f"{MARK}={token}".encode() in f.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            pass
    return found


def kill_marked(token: str) -> list[int]:
    """SIGKILL what carries the token; returns the pids that were still there."""
    left = marked(token)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


class MarkedCase(HardeningCase):
    """A case that needs the built sumbench; everything it starts carries MARK=self.token,
    and what still carries it at the end is killed."""

    def setUp(self):
        super().setUp()
        if not real_sumbench():
            self.skipTest("no built sumbench (SUMBENCH)")
        self.token = new_token()
        self.addCleanup(lambda: kill_marked(self.token))


def topology_inputs(folder: Path) -> dict[str, tuple[str, str, bool]]:
    """name -> (variable, value, taken by sumbench): files made in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    lstopo = shutil.which("lstopo-no-graphics")
    node = folder / "node.xml"
    if lstopo and not node.exists():
        subprocess.run([lstopo, "-i", ONE_NODE, "--of", "xml", str(node)], check=True, capture_output=True)
    text = node.read_text() if node.exists() else ""
    nocpus = folder / "nocpus.xml"
    nocpus.write_text(text.replace('cpuset="0x00000003"', 'cpuset="0x0"').replace(
        'cpuset="0x00000001"', 'cpuset="0x0"').replace('cpuset="0x00000002"', 'cpuset="0x0"'))
    (folder / "cut.xml").write_text(text[:len(text) // 2])
    # A core without complete_cpuset: hwloc 2.9 dies of SIGSEGV loading it.
    (folder / "crash.xml").write_text(text.replace('complete_cpuset="0x00000001"', 'complete_cpusex="1"'))
    big = folder / "big.xml"
    with open(big, "wb") as f:
        f.truncate((16 << 20) + 1)
    fifo = folder / "fifo.xml"
    if not fifo.exists():
        os.mkfifo(fifo)
    inputs = {
        "synthetic_garbage": ("HWLOC_SYNTHETIC", "garbage", False),
        "synthetic_huge": ("HWLOC_SYNTHETIC", HUGE, False),
        "synthetic_2048": ("HWLOC_SYNTHETIC", "pack:4 core:128 pu:4", False),
        "synthetic_no_pus": ("HWLOC_SYNTHETIC", "pack:2 core:16", False),
        "synthetic_newline": ("HWLOC_SYNTHETIC", ONE_NODE + "\nrm -rf /", False),
        "synthetic_ok": ("HWLOC_SYNTHETIC", ONE_NODE, True),
        "xml_missing": ("HWLOC_XMLFILE", str(folder / "missing.xml"), False),
        "xml_directory": ("HWLOC_XMLFILE", str(folder), False),
        "xml_fifo": ("HWLOC_XMLFILE", str(fifo), False),
        "xml_too_big": ("HWLOC_XMLFILE", str(big), False),
        "xml_cut": ("HWLOC_XMLFILE", str(folder / "cut.xml"), False),
        "xml_no_cpus": ("HWLOC_XMLFILE", str(nocpus), False),
        "xml_crash": ("HWLOC_XMLFILE", str(folder / "crash.xml"), False),
    }
    if text:
        inputs["xml_ok"] = ("HWLOC_XMLFILE", str(node), True)
    return inputs


def mpi_launcher() -> tuple[str, str] | None:
    """(program, kind) of the built sumbench's MPI: MPIEXEC / MPIEXEC_KIND (CTest), else
    the catalogue's mpi.kind and its launcher on PATH."""
    if os.environ.get("MPIEXEC") and os.environ.get("MPIEXEC_KIND"):
        return os.environ["MPIEXEC"], os.environ["MPIEXEC_KIND"]
    binary = real_sumbench()
    if not binary:
        return None
    proc = subprocess.run([binary, "--list=json"], capture_output=True, text=True, timeout=60)
    kind = json.loads(proc.stdout)["mpi"]["kind"] if proc.returncode == 0 else None
    for program in {"openmpi": ("mpirun.openmpi", "mpirun"), "mpich": ("mpiexec.mpich", "mpiexec.hydra")}.get(kind, ()):
        if shutil.which(program):
            return shutil.which(program), kind
    return None


@dataclass
class Launch:
    statuses: list        # each rank's exit status (None: it never got there)
    errors: list          # each rank's stderr (None: it never got there)
    launcher_stderr: str
    wall_s: float
    hung: bool


def mpmd(envs: list[dict], args: list[str], folder: Path, token: str, timeout: float = 60) -> Launch:
    """One rank per entry of `envs`, each with those variables, its stderr and exit status
    written to files of its own in `folder`; the whole launch killed at the timeout."""
    program, kind = mpi_launcher()
    cmd = [program] + (["--oversubscribe", "--bind-to", "none", "--mca", "orte_abort_on_non_zero_status", "0"]
                       if kind == "openmpi" else [])
    folder.mkdir(parents=True, exist_ok=True)
    for r, env in enumerate(envs):
        err, rc = folder / f"rank{r}.err", folder / f"rank{r}.rc"
        script = f'"$0" "$@" 2>{shlex.quote(str(err))}; rc=$?; echo $rc >{shlex.quote(str(rc))}; exit $rc'
        cmd += ([":"] if r else []) + ["-n", "1"]
        for name, value in {MARK: token, **env}.items():
            cmd += ["-x", f"{name}={value}"] if kind == "openmpi" else ["-env", name, value]
        cmd += ["sh", "-c", script, real_sumbench(), *args]
    env = dict(os.environ, **{MARK: token})
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True, stdin=subprocess.DEVNULL)
    hung = False
    try:
        _, launcher = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        hung = True
        os.killpg(proc.pid, signal.SIGKILL)
        _, launcher = proc.communicate()

    def read(path):
        try:
            return path.read_text(errors="replace")
        except OSError:
            return None
    statuses = [int(t) if (t := read(folder / f"rank{r}.rc")) and t.strip().isdigit() else None
                for r in range(len(envs))]
    errors = [read(folder / f"rank{r}.err") for r in range(len(envs))]
    return Launch(statuses, errors, launcher, time.monotonic() - t0, hung)
