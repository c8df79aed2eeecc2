"""How to start one point: the machine it runs on, its environment and its launcher.

Everything here is a pure function of a ``Machine`` (its topology, Slurm, root, and the
launcher of MPI points) so tests can feed fake machines; only ``detect_machine`` looks at
the real process. The launchers' own rules are in ``launchers``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping, Optional

from ..points import shell_line
from ..topology import Topology
from .hosts import Hostfile
from .launchers import Launcher, Machine, omp_env, prefix as launcher_prefix
from .plan import Point

# sumbench flags the runner sets itself (sumbench_args, launch_only_command, and the
# catalogue call); --extra-args must not fight over them, nor over the modes' parameter
# flags (the catalogue's: config.check_extra_args).
OWNED_FLAGS = ("--kernels", "--modes", "--workers", "--hybrid", "--scaling", "--n", "--quick",
               "--launch-only", "--list", "--help", "--cpus",
               "--benchmark_out", "--benchmark_out_format", "--benchmark_repetitions",
               "--benchmark_format")




def detect_machine(topology: Topology, env: Mapping[str, str] | None = None,
                   cores_override: int | None = None, euid: int | None = None,
                   cpus: str = "cores", launcher: Optional[Launcher] = None,
                   allocation="detect", hostfile: Optional[Hostfile] = None) -> Machine:
    """Per node: --cores if given; inside Slurm, the cores the job holds on each node,
    counted from its CPUs (runner/allocation.py: scontrol's CPU_IDs, else this process's
    cpuset through hwloc; ``allocation`` gives them, "detect" asks); failing both,
    SLURM_CPUS_ON_NODE divided by hwloc's threads per core; else the cores and hardware
    threads this process may use (its affinity, through hwloc)."""
    env = os.environ if env is None else env
    euid = os.geteuid() if euid is None else euid
    job = env.get("SLURM_JOB_ID") or None
    nodes = _int(env.get("SLURM_JOB_NUM_NODES") or env.get("SLURM_NNODES"), 1) if job else 1
    tasks = _int(env.get("SLURM_NTASKS"), 0) if job else 0
    per_core = topology.threads_per_core
    notes = [topology.note] if topology.note else []
    if job and allocation == "detect" and not cores_override:
        from . import allocation as slurm_allocation
        allocation = slurm_allocation.detect(job, topology, env)
    if cores_override:
        cores, pus = cores_override, cores_override * per_core
        notes.append(f"--cores {cores_override}: {cores} cores per node, {pus} hardware threads")
    elif job and allocation not in (None, "detect"):
        from .allocation import describe
        cores, pus = allocation.cores_per_node, allocation.pus_per_node
        notes.append(f"Slurm job {job}: {cores} cores, {pus} hardware threads per node, from "
                     + describe(allocation))
    elif job and _int(env.get("SLURM_CPUS_ON_NODE"), 0) > 0:
        pus = _int(env.get("SLURM_CPUS_ON_NODE"), 1)
        cores = max(1, pus // per_core)
        notes.append(f"Slurm job {job}: SLURM_CPUS_ON_NODE={pus}, {per_core} hardware thread(s) "
                     f"per core (hwloc): {cores} cores per node, a guess (neither scontrol nor "
                     f"the cpuset said which CPUs the job holds)")
    else:
        cores, pus = topology.allowed_cores, topology.allowed_pus
    if hostfile is not None and not job:
        nodes, tasks = len(hostfile.hosts), hostfile.total_slots or 0
        notes.append(f"--hostfile {hostfile.path}: {nodes} nodes ({', '.join(hostfile.hosts)}), "
                     f"each planned like this one: {cores} cores, {pus} hardware threads")
    return Machine(cores, pus, nodes, job, euid == 0, cpus, max(1, topology.packages),
                   tasks or None, launcher, {**topology.as_dict(), "planned_cores_per_node": cores,
                                             "planned_pus_per_node": pus}, tuple(notes),
                   hostfile if not job else None)


def _int(text, default: int) -> int:
    try:
        return int(str(text).split("(")[0])  # SLURM_* may read like "4(x2)"
    except (TypeError, ValueError):
        return default


@dataclass
class Command:
    argv: list[str]
    env: dict[str, str]                    # assignments on top of the runner's environment
    launcher: str                          # direct | openmpi | mpich | srun
    oversubscribed: bool = False           # more workers than CPUs (of the planning unit)
    oversubscribe_flag: bool = False       # mpirun --oversubscribe / srun --overcommit given
    warnings: list[str] = field(default_factory=list)

    def shell(self) -> str:
        """The exact command as one shell line, env assignments first."""
        return shell_line(self.argv, self.env)

    def as_dict(self) -> dict:
        return {"argv": self.argv, "env": self.env, "launcher": self.launcher,
                "oversubscribed": self.oversubscribed,
                "oversubscribe_flag": self.oversubscribe_flag, "warnings": self.warnings}


DEFAULT_LAUNCHER = Launcher("openmpi", "mpirun")


def _prefix(point: Point, machine: Machine):
    """(argv prefix, env, launcher name, oversubscribed, flag, warnings) of one point."""
    t = point.threads
    if not point.multi_process:  # one process: sumbench directly
        limit = machine.slots_per_node
        env = omp_env(t, pin=t <= limit, unit=machine.cpus)
        over = t > limit
        unit = "hardware threads" if machine.cpus == "hwthreads" else "cores"
        warnings = [f"{t} threads on {limit} {unit}: oversubscribed, threads not pinned "
                    f"(OMP_PROC_BIND=false)"] if over else []
        return [], env, "direct", over, False, warnings
    launcher = machine.launcher or DEFAULT_LAUNCHER
    p = launcher_prefix(launcher, point.ranks, t, machine)
    return p.argv, p.env, launcher.kind, p.oversubscribed, p.oversubscribe_flag, p.warnings


def _cpus_arg(cfg: dict) -> list[str]:
    """sumbench judges oversubscription in the runner's unit; an older sumbench (no --cpus)
    knows only logical CPUs, and is given nothing (config.validate allows only cores then)."""
    return [f"--cpus={cfg['cpus']}"] if cfg.get("cpus_flag") else []


def sumbench_args(point: Point, cfg: dict, raw_json: str) -> list[str]:
    args = [cfg["sumbench"], f"--kernels={point.kernel}", f"--modes={point.mode}",
            f"--workers={point.workers}", f"--scaling={point.scaling}",
            f"--benchmark_repetitions={cfg['repetitions']}", f"--benchmark_out={raw_json}",
            "--benchmark_out_format=json", "--benchmark_format=console"]
    if point.layout_flag:
        args.append(f"{point.layout_flag}={point.layout}")
    n = point.n if point.n is not None else point.default_n
    if n is not None:
        args.append(f"--n={n}")
    if cfg["quick"]:
        args.append("--quick")
    args += _cpus_arg(cfg)
    args += [f"{flag}={text}" for flag, text in point.params]
    return args + list(cfg["extra_args"])


def point_command(point: Point, cfg: dict, machine: Machine, raw_json: str) -> Command:
    argv, env, launcher, over, flag, warnings = _prefix(point, machine)
    return Command(argv + sumbench_args(point, cfg, raw_json), env, launcher, over, flag, warnings)


def launch_only_command(point: Point, cfg: dict, machine: Machine) -> Command:
    """Start the same workers with the same placement, doing no work: the launch cost."""
    argv, env, launcher, over, flag, warnings = _prefix(point, machine)
    # sumbench --launch-only starts --workers threads in each rank (1 when absent).
    args = [cfg["sumbench"], "--launch-only", f"--workers={point.threads}"] + _cpus_arg(cfg)
    return Command(argv + args, env, launcher, over, flag, warnings)
