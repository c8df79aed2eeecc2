"""How MPI ranks are started: Open MPI's mpirun, MPICH's Hydra mpiexec, or Slurm's srun.

Each kind has its own flags for placement and binding, for passing the environment
(Open MPI's ``-x NAME``, Hydra's ``-genvlist A,B``; srun passes everything) and for
oversubscription: Open MPI refuses more ranks than slots without ``--oversubscribe`` and
refuses bindings that need more cores than there are; Hydra refuses nothing (it wraps
bindings around), so the runner judges oversubscription itself for every kind. The rules
were checked against the real launchers on synthetic 2x16x2, 2-socket NUMA and 1x2x1
topologies (tests/runners/test_mapping.py; docs/DESIGN.md, "Launchers").

A launcher of another MPI than sumbench's starts N singletons that each run alone and
exit 0; the runner refuses a known mismatch before it starts, and passes
SUMBENCH_EXPECT_RANKS so that sumbench stops (exit 2) where it cannot be known before.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from typing import Mapping, Optional

from .. import procs
from ..errors import UsageError
from . import hosts
from .hosts import Hostfile


KINDS = ("openmpi", "mpich", "srun")
CHOICES = ("auto",) + KINDS
# --launcher=mpirun (config files of older runners): the mpirun on PATH, its kind detected.
LEGACY_CHOICES = {"mpirun": "auto"}
NAMES = {"openmpi": "Open MPI", "mpich": "MPICH", "srun": "Slurm's srun"}
# Programs of each MPI: the plain names first (a site's module puts its own first on PATH),
# then Debian's specific ones (its alternatives point mpirun and mpiexec at one MPI only).
# Each is asked for its --version: only a program of the wanted kind is taken.
PROGRAMS = {"openmpi": ("mpirun", "mpiexec", "mpirun.openmpi", "orterun"),
            "mpich": ("mpiexec", "mpirun", "mpiexec.mpich", "mpiexec.hydra", "mpirun.mpich")}
# The srun --mpi type each MPI needs in Debian's builds (Open MPI has no PMI-2, MPICH no
# PMIx). The site's default is what srun gets, except that MPICH gets pmi2 where the
# site's default is PMIx (MPICH's usual build speaks PMI-1/2 only; a site's Open MPI may
# speak PMI-2, so it keeps the site's type, with a warning); the user's type always wins.
SRUN_MPI = {"openmpi": ("pmix", "pmix_v3", "pmix_v4", "pmix_v5"), "mpich": ("pmi2",)}
EXPECT_RANKS = "SUMBENCH_EXPECT_RANKS"
MISMATCH_MARK = f"({EXPECT_RANKS})"   # in sumbench's one line when the world size differs
MISMATCH = "launcher/MPI mismatch: "  # a point's reason then starts with it
PROBE_TIMEOUT_S = 20.0   # `PROG --version`, `scontrol show config`: well under a second here


@dataclass(frozen=True)
class Launcher:
    kind: str                 # openmpi | mpich | srun
    program: str              # what runs: /usr/bin/mpiexec.mpich, srun, ...
    srun_mpi: str = ""        # srun --mpi=TYPE; "" passes none (the site's default applies)
    version: str = ""         # the first line of `program --version`
    mpi_kind: str = ""        # the MPI sumbench is linked with (the catalogue's mpi.kind)
    notes: tuple = ()         # how it was chosen, and warnings

    def as_dict(self) -> dict:
        return {**asdict(self), "notes": list(self.notes)}


@dataclass
class Prefix:
    argv: list[str]
    env: dict[str, str]
    oversubscribed: bool
    oversubscribe_flag: bool   # mpirun --oversubscribe / srun --overcommit given
    warnings: list[str] = field(default_factory=list)


def program_kind(program: str) -> tuple[str, str]:
    """(kind or "", version line) from `program --version`. A program that does not
    answer within PROBE_TIMEOUT_S is killed with its whole process tree (procs.run): a
    wrapper script's children never outlive the probe."""
    try:
        proc = procs.run([program, "--version"], timeout=PROBE_TIMEOUT_S)
    except OSError:
        return "", ""
    if proc.timed_out:
        return "", f"no answer to --version within {PROBE_TIMEOUT_S:g} s"
    text = proc.stdout + proc.stderr
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    if re.search(r"Open ?(MPI|RTE)", text):
        return "openmpi", lines[0] if lines else ""
    if "HYDRA" in text:
        version = next((l for l in lines if l.startswith("Version:")), "")
        return "mpich", f"Hydra {version.split(':', 1)[1].strip()}" if version else "Hydra"
    if re.match(r"slurm \d", lines[0] if lines else ""):
        return "srun", lines[0]
    return "", lines[0] if lines else ""


def _find(kind: str, given: Optional[str]) -> tuple[Optional[str], str]:
    """(program, version) of `kind`'s launcher: --mpirun if given (it must be that kind),
    else the first of PROGRAMS[kind] on PATH that says it is."""
    if given:
        path = shutil.which(given)
        if path is None:
            raise UsageError(f"--mpirun {given!r} not found (not on PATH, not an executable file)")
        found, version = program_kind(path)
        if found != kind:
            raise UsageError(f"--mpirun {given!r} is {NAMES.get(found, 'no launcher sumbench knows')} "
                             f"({version or 'no --version'}), not {NAMES[kind]}'s: pass "
                             f"--launcher={found or 'openmpi|mpich'} or another --mpirun")
        return given, version
    for name in PROGRAMS[kind]:
        path = shutil.which(name)
        if path:
            found, version = program_kind(path)
            if found == kind:
                return name, version  # by name, as a user types it; PATH finds the same
    return None, ""


def site_mpi_default(env: Mapping[str, str]) -> tuple[str, str]:
    """(type, where from): $SLURM_MPI_TYPE (the user's override), else the site's
    MpiDefault (scontrol show config), else ("", ...)."""
    if env.get("SLURM_MPI_TYPE"):
        return env["SLURM_MPI_TYPE"], "SLURM_MPI_TYPE"
    try:
        proc = procs.run(["scontrol", "show", "config"], timeout=PROBE_TIMEOUT_S)
        found = re.search(r"^MpiDefault\s*=\s*(\S+)", proc.stdout, re.M)
        if proc.returncode == 0 and found and found.group(1) != "(null)":
            return found.group(1), "the site's MpiDefault"
    except OSError:
        pass
    return "", "unknown (scontrol show config gave no MpiDefault)"


def srun_mpi_type(mpi_kind: str, given: Optional[str] = None,
                  env: Optional[Mapping[str, str]] = None) -> tuple[str, list[str]]:
    """(srun --mpi type, notes). The user's choice (--srun-mpi, SUMBENCH_SRUN_MPI, or
    $SLURM_MPI_TYPE) always wins, with a warning when sumbench's MPI usually needs another;
    else the site's MpiDefault, except pmi2 for MPICH where the site's default is PMIx
    (under it each MPICH rank starts alone: checked on the test cluster)."""
    env = os.environ if env is None else env
    wanted = SRUN_MPI.get(mpi_kind, ())
    built = f"sumbench is built with {NAMES.get(mpi_kind, 'an MPI it cannot name')}"
    if given:
        mpi_type, origin = given, "--srun-mpi"
    else:
        mpi_type, origin = site_mpi_default(env)
        if origin != "SLURM_MPI_TYPE" and mpi_kind == "mpich" and mpi_type.startswith("pmix"):
            note = (f"srun --mpi={wanted[0]}: {built}, which needs it; the site's default is "
                    f"{mpi_type} (--srun-mpi=TYPE overrides)")
            return wanted[0], [note]
    notes = [f"srun --mpi={mpi_type or '(not passed)'}: {origin}"]
    if mpi_type and wanted and mpi_type not in wanted:
        notes.append(f"warning: {built}, which usually needs srun --mpi={wanted[0]}, not "
                     f"{mpi_type}: if its ranks start alone sumbench stops (exit 2); pass "
                     f"--srun-mpi={wanted[0]} (sbatch: SUMBENCH_SRUN_MPI={wanted[0]})")
    return mpi_type, notes


def resolve(choice: str, mpi: dict, in_slurm: bool, mpirun: Optional[str] = None,
            srun_mpi: Optional[str] = None, strict: bool = True,
            env: Optional[Mapping[str, str]] = None) -> Launcher:
    """The launcher of a sweep's MPI points. `mpi`: the catalogue's mpi (library, kind).
    `strict` (a real run): a launcher that is missing or does not match sumbench's MPI is
    a UsageError; otherwise (--dry-run) the commands are shown with the program's name."""
    env = os.environ if env is None else env
    choice = LEGACY_CHOICES.get(choice, choice)
    mpi_kind = mpi.get("kind", "") if isinstance(mpi, dict) else ""
    library = mpi.get("library", "") if isinstance(mpi, dict) else ""
    built = f"sumbench is built with {library or NAMES.get(mpi_kind, 'an MPI it cannot name')}"
    notes = []
    if choice == "auto" and in_slurm and shutil.which("srun"):
        choice = "srun"
        notes.append("inside a Slurm allocation: srun")
    if choice == "srun":
        if strict and not shutil.which("srun"):
            raise UsageError("--launcher=srun: srun not found on PATH (install slurm-client, or load it)")
        mpi_type, more = srun_mpi_type(mpi_kind, srun_mpi, env)
        notes += more
        return Launcher("srun", "srun", mpi_type, program_kind("srun")[1] if strict else "",
                        mpi_kind, tuple(notes))
    if choice == "auto":
        kind = mpi_kind if mpi_kind in PROGRAMS else program_kind(mpirun or "mpirun")[0]
        if kind not in PROGRAMS:
            if strict:
                raise UsageError(f"{built}, and {mpirun or 'mpirun'} says neither Open MPI nor MPICH: "
                                 f"pass --launcher=openmpi|mpich|srun (and --mpirun PATH)")
            kind = "openmpi"
        notes.append(f"{built}: {NAMES[kind]}'s launcher")
    else:
        kind = choice
        if mpi_kind in PROGRAMS and mpi_kind != kind:
            raise UsageError(f"--launcher={kind} cannot start this sumbench: {built}, and {NAMES[kind]}'s "
                             f"launcher would start each rank alone as a world of one; use "
                             f"--launcher={mpi_kind}, or a sumbench built with {NAMES[kind]}")
    path, version = _find(kind, mpirun)
    if path is None:
        if strict:
            raise UsageError(f"{built}, but no {NAMES[kind]} launcher ({', '.join(PROGRAMS[kind][:2])}) "
                             f"is on PATH: install it (apt-get install "
                             f"{'openmpi-bin' if kind == 'openmpi' else 'mpich'}) or pass --mpirun PATH")
        path = mpirun or {"openmpi": "mpirun", "mpich": "mpiexec.mpich"}[kind]
    return Launcher(kind, path, "", version, mpi_kind, tuple(notes))


@dataclass(frozen=True)
class Machine:
    """The allocation the points run on: per node, the cores and hardware threads its
    points may use; and how MPI points start (``launcher``; None: Open MPI's mpirun)."""
    cores_per_node: int
    pus_per_node: int = 0          # 0: as many as cores (no SMT)
    nodes: int = 1
    slurm_job_id: Optional[str] = None
    is_root: bool = False
    cpus: str = "cores"            # the planning unit (--cpus): cores | hwthreads
    sockets: int = 1               # packages per node, for per-socket mapping
    tasks: Optional[int] = None    # SLURM_NTASKS inside an allocation (Open MPI's slots there)
    launcher: Optional[Launcher] = None
    topology: Optional[dict] = None  # Topology.as_dict(), with where the counts came from
    notes: tuple = ()
    hostfile: Optional[Hostfile] = None   # --hostfile: the nodes outside Slurm (hosts.py)

    @property
    def in_slurm(self) -> bool:
        return bool(self.slurm_job_id)

    @property
    def cores(self) -> int:
        return self.cores_per_node * self.nodes

    @property
    def pus(self) -> int:
        return max(self.pus_per_node, self.cores_per_node) * self.nodes

    @property
    def threads_per_core(self) -> int:
        return max(1, self.pus // max(1, self.cores))

    @property
    def slots_per_node(self) -> int:
        """CPUs of one node in the planning unit: the limit of a thread mode's point."""
        return max(self.pus_per_node, self.cores_per_node) if self.cpus == "hwthreads" else self.cores_per_node

    @property
    def slots(self) -> int:
        """CPUs of the allocation in the planning unit: the limit of an MPI point."""
        return self.slots_per_node * self.nodes


def omp_env(threads: int, pin: bool, unit: str = "cores") -> dict[str, str]:
    """OpenMP settings of a point: pinned to cores (or hardware threads) when the threads
    fit; unpinned otherwise, since pinning more threads than CPUs makes threads share a
    CPU while others idle, where the OS would move them."""
    if pin:
        return {"OMP_NUM_THREADS": str(threads), "OMP_PROC_BIND": "spread",
                "OMP_PLACES": "threads" if unit == "hwthreads" else "cores"}
    return {"OMP_NUM_THREADS": str(threads), "OMP_PROC_BIND": "false"}


def bare_flags(kind: str, ranks: int, cores: int) -> list[str]:
    """Flags of a plain run of `ranks` unbound ranks on `cores` cores (the driver tests):
    Open MPI needs --oversubscribe above its slots; Hydra needs nothing."""
    if kind == "openmpi":
        return ["--bind-to", "none"] + (["--oversubscribe"] if ranks > cores else [])
    return []


def _openmpi(launcher: Launcher, r: int, t: int, m: Machine, fits: bool) -> tuple[list[str], bool]:
    hw = m.cpus == "hwthreads"
    # Slots: the allocation's tasks inside Slurm, else the cores (hardware threads with
    # --use-hwthread-cpus). --oversubscribe lifts the slot check only, never a binding.
    slots = m.tasks or (m.pus if hw and fits else m.cores)
    argv = [launcher.program, "-n", str(r)]
    flag = r > slots
    if flag:
        argv.append("--oversubscribe")
    if m.hostfile is not None:  # several nodes outside Slurm
        return argv + hosts.openmpi_flags(m.hostfile, r, t, hw, fits), flag
    if not fits:
        argv += ["--bind-to", "none"]
    elif hw:  # beyond the cores (prefix): pack hardware threads, as hybrid's PE=T does
        argv += ["--use-hwthread-cpus", "--map-by", "hwthread" if t == 1 else f"slot:PE={t}",
                 "--bind-to", "hwthread"]
    elif per_socket(r, t, m):  # no rank straddles; mpi Wx1 too, so that it runs where RxT does
        argv += ["--map-by", f"ppr:{r // m.sockets}:socket:PE={t}", "--bind-to", "core"]
    elif t == 1:
        argv += ["--bind-to", "core"]
    else:
        argv += ["--map-by", f"slot:PE={t}", "--bind-to", "core"]
    return argv, flag


def per_socket(r: int, t: int, m: Machine) -> bool:
    """Open MPI's ranks go R/S to each of a node's S sockets (--map-by ppr): one node, R a
    multiple of S, and each socket's share within its cores; else they fill core 0 on."""
    cores = m.cores_per_node // m.sockets if m.sockets > 1 else 0
    return m.nodes == 1 and bool(cores) and r % m.sockets == 0 and (r // m.sockets) * t <= cores


def _mpich(launcher: Launcher, r: int, t: int, m: Machine, fits: bool) -> list[str]:
    argv = [launcher.program] + (hosts.hydra_flags(m.hostfile, r) if m.hostfile else [])
    if fits and m.cpus == "hwthreads":  # beyond the cores (prefix): packed hardware threads
        argv += ["-bind-to", "hwthread" if t == 1 else f"hwthread:{t}"]
    elif fits:
        argv += ["-bind-to", "core" if t == 1 else f"core:{t}"]
    return argv  # not fitting: Hydra's default, no binding (it would wrap around and overlap)


def _srun(launcher: Launcher, r: int, t: int, m: Machine, fits: bool) -> list[str]:
    argv = ["srun"] + ([f"--mpi={launcher.srun_mpi}"] if launcher.srun_mpi else [])
    argv += ["-n", str(r), f"--cpus-per-task={t}"]
    if m.nodes > 1 and r % m.nodes == 0:  # R/N ranks on every node, whatever the job's tasks
        argv += [f"--nodes={m.nodes}", f"--ntasks-per-node={r // m.nodes}"]
    if not fits:  # srun refuses more CPUs than allocated unless told to overcommit
        return argv + ["--overcommit", "--cpu-bind=none"]
    if m.cpus == "hwthreads":
        return argv + ["--cpu-bind=threads"]
    # Since 22.05 --cpus-per-task fills a core's hardware threads first: one per core.
    return argv + ["--cpu-bind=cores"] + (["--threads-per-core=1"] if m.threads_per_core > 1 else [])


def prefix(launcher: Launcher, ranks: int, threads: int, m: Machine) -> Prefix:
    """The launcher's part of one point's command, with the environment it sets."""
    r, t = ranks, threads
    fits = r * t <= m.slots
    # --cpus=hwthreads: workers that fit the cores get a core each, as under --cpus=cores,
    # so that mpi Wx1 and hybrid RxT (R x T = W) run on the same W cores; beyond the cores
    # both pack hardware threads, on the same ceil(W / threads per core) cores. (Before,
    # hybrid 4x2 on 8 cores x 2 took PUs 0-7, 4 cores, where mpi 8x1 took 8 cores.)
    if m.cpus == "hwthreads" and r * t <= m.cores:
        m = dataclasses.replace(m, cpus="cores")
    env = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"} \
        if m.is_root and launcher.kind == "openmpi" else {}
    env.update(omp_env(t, pin=fits, unit=m.cpus))  # each rank's threads inside its own CPUs
    env[EXPECT_RANKS] = str(r)
    flag, warnings = False, []
    unit = "hardware threads" if m.cpus == "hwthreads" else "cores"
    if launcher.kind == "openmpi":
        argv, flag = _openmpi(launcher, r, t, m, fits)
        for key in env:  # forwarded to ranks on other nodes too
            if key.startswith("OMP_") or key == EXPECT_RANKS:
                argv += ["-x", key]
    elif launcher.kind == "mpich":
        argv = _mpich(launcher, r, t, m, fits)
        argv += ["-genvlist", ",".join(k for k in env if k.startswith("OMP_") or k == EXPECT_RANKS)]
        argv += ["-n", str(r)]
    else:
        argv = _srun(launcher, r, t, m, fits)
        flag = not fits
    if not fits:
        warnings.append(f"{r}x{t} = {r * t} workers on {m.slots} {unit}: oversubscribed, not bound"
                        + (" (--oversubscribe)" if flag and launcher.kind == "openmpi" else ""))
    elif m.cpus == "hwthreads" and r * t > m.cores:
        warnings.append(f"{r}x{t} = {r * t} workers on {m.cores} cores: hardware threads share "
                        f"cores (--cpus=hwthreads)")
    return Prefix(argv, env, not fits, flag, warnings)


def mismatch_reason(stderr: str, launcher: Optional[Launcher]) -> Optional[str]:
    """sumbench's line when its world was not the one asked for, with what to do."""
    line = next((l for l in stderr.splitlines() if MISMATCH_MARK in l), None)
    if line is None:
        return None
    hint = ""
    if launcher is not None and launcher.kind == "srun" and launcher.mpi_kind in SRUN_MPI:
        hint = f"; pass --srun-mpi={SRUN_MPI[launcher.mpi_kind][0]}"
    elif launcher is not None and launcher.mpi_kind in PROGRAMS:
        hint = f"; pass --launcher={launcher.mpi_kind}"
    return MISMATCH + line.split("error: ", 1)[-1] + hint
