"""How to start one point: environment, launcher (direct, mpirun, srun), placement.

Everything here is a pure function of a ``Machine`` (cores, Slurm, root) so tests can
feed fake environments; only ``detect_machine`` looks at the real process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping, Optional, TYPE_CHECKING

from ..points import shell_line

LAUNCHERS = ("auto", "mpirun", "srun")
# The sumbench flags of the GIL mode's parameters, by the runner's config key.
GIL_FLAGS = {"gil_policy": "--gil-policy", "switch_interval": "--switch-interval"}
# sumbench flags the runner sets itself (sumbench_args, launch_only_command, and the
# catalogue call); --extra-args must not fight over them.
OWNED_FLAGS = ("--kernels", "--modes", "--workers", "--hybrid", "--scaling", "--n", "--quick",
               "--launch-only", "--list", "--help", *GIL_FLAGS.values(),
               "--benchmark_out", "--benchmark_out_format", "--benchmark_repetitions",
               "--benchmark_format")


if TYPE_CHECKING:
    from .plan import Point


@dataclass(frozen=True)
class Machine:
    cores: int                 # limit for mpi/hybrid placement: all cores of the allocation
    cores_per_node: int        # limit for thread modes: one process lives on one node
    nodes: int = 1
    slurm_job_id: Optional[str] = None
    is_root: bool = False

    @property
    def in_slurm(self) -> bool:
        return bool(self.slurm_job_id)


def detect_machine(env: Mapping[str, str] | None = None, cores_override: int | None = None,
                   affinity: int | None = None, euid: int | None = None) -> Machine:
    """Cores from Slurm (SLURM_CPUS_ON_NODE x nodes) inside an allocation, else from this
    process's affinity mask (not os.cpu_count(): cgroups/taskset may restrict us)."""
    env = os.environ if env is None else env
    euid = os.geteuid() if euid is None else euid
    job = env.get("SLURM_JOB_ID") or None
    nodes = 1
    if job:
        nodes = _int(env.get("SLURM_JOB_NUM_NODES") or env.get("SLURM_NNODES"), 1)
    if cores_override:
        return Machine(cores_override * nodes if job else cores_override,
                       cores_override, nodes, job, euid == 0)
    if job and _int(env.get("SLURM_CPUS_ON_NODE"), 0) > 0:
        per_node = _int(env.get("SLURM_CPUS_ON_NODE"), 1)
    else:
        per_node = affinity if affinity is not None else len(os.sched_getaffinity(0))
    return Machine(per_node * nodes, per_node, nodes, job, euid == 0)


def _int(text, default: int) -> int:
    try:
        return int(str(text).split("(")[0])  # SLURM_* may read like "4(x2)"
    except (TypeError, ValueError):
        return default


@dataclass
class Command:
    argv: list[str]
    env: dict[str, str]                    # assignments on top of the runner's environment
    launcher: str                          # direct | mpirun | srun
    oversubscribed: bool = False           # more workers than cores
    oversubscribe_flag: bool = False       # mpirun --oversubscribe / srun --overcommit given
    warnings: list[str] = field(default_factory=list)

    def shell(self) -> str:
        """The exact command as one shell line, env assignments first."""
        return shell_line(self.argv, self.env)

    def as_dict(self) -> dict:
        return {"argv": self.argv, "env": self.env, "launcher": self.launcher,
                "oversubscribed": self.oversubscribed,
                "oversubscribe_flag": self.oversubscribe_flag, "warnings": self.warnings}


def choose_launcher(multi_process: bool, machine: Machine, preference: str = "auto") -> str:
    """Modes of one process run sumbench directly; modes of several (MPI ranks) use srun
    inside Slurm (PMIx, the allocation's own placement, never a hostfile) and mpirun
    elsewhere."""
    if not multi_process:
        return "direct"
    if preference != "auto":
        return preference
    return "srun" if machine.in_slurm else "mpirun"


def omp_env(threads: int, pin: bool) -> dict[str, str]:
    # Pinning more threads than cores makes threads share a core while others idle;
    # let the OS move them instead.
    if pin:
        return {"OMP_NUM_THREADS": str(threads), "OMP_PROC_BIND": "spread", "OMP_PLACES": "cores"}
    return {"OMP_NUM_THREADS": str(threads), "OMP_PROC_BIND": "false"}


def root_env(machine: Machine) -> dict[str, str]:
    if not machine.is_root:
        return {}
    return {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}


def launcher_prefix(point: "Point", machine: Machine, launcher: str, mpirun: str = "mpirun"
                    ) -> tuple[list[str], dict[str, str], bool, bool, list[str]]:
    """(argv prefix, env, oversubscribed, oversubscribe_flag, warnings) for one point."""
    r, t = point.ranks, point.threads
    warnings: list[str] = []
    if launcher == "direct":
        env = omp_env(t, pin=t <= machine.cores_per_node)
        over = t > machine.cores_per_node
        if over:
            warnings.append(f"{t} threads on {machine.cores_per_node} cores: oversubscribed, "
                            f"threads not pinned (OMP_PROC_BIND=false)")
        return [], env, over, False, warnings

    cores = machine.cores
    fits = r * t <= cores
    over = r * t > cores
    env = dict(root_env(machine))
    env.update(omp_env(t, pin=fits))  # each rank's threads stay inside its bound cores
    if launcher == "srun":
        argv = ["srun", "--mpi=pmix", "-n", str(r), f"--cpus-per-task={t}"]
        flag = False
        if fits:
            argv.append("--cpu-bind=cores")
        else:
            # srun refuses more CPUs than allocated unless told to overcommit.
            argv += ["--overcommit", "--cpu-bind=none"]
            flag = True
            warnings.append(f"{r}x{t} = {r * t} workers on {cores} allocated CPUs: "
                            f"srun --overcommit --cpu-bind=none")
        return argv, env, over, flag, warnings

    argv = [mpirun, "-n", str(r)]
    flag = r > cores  # Open MPI refuses more ranks than slots (= cores) without it
    if flag:
        argv.append("--oversubscribe")
    if t > 1 and fits:  # each rank's threads on their own cores
        argv += ["--map-by", f"slot:PE={t}", "--bind-to", "core"]
    elif fits:
        argv += ["--bind-to", "core"]
    else:
        argv += ["--bind-to", "none"]
        warnings.append(f"{r}x{t} = {r * t} workers on {cores} cores: "
                        f"--bind-to none{' --oversubscribe' if flag else ''}")
    # Forward the OpenMP settings to ranks on other nodes too.
    for key in env:
        if key.startswith("OMP_"):
            argv += ["-x", key]
    return argv, env, over, flag, warnings


def sumbench_args(point: "Point", cfg: dict, raw_json: str) -> list[str]:
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
    if point.gil_policy is not None:
        args += [f"{GIL_FLAGS['gil_policy']}={point.gil_policy}",
                 f"{GIL_FLAGS['switch_interval']}={point.switch_interval}"]
    return args + list(cfg["extra_args"])


def point_command(point: "Point", cfg: dict, machine: Machine, raw_json: str) -> Command:
    launcher = choose_launcher(point.multi_process, machine, cfg.get("launcher", "auto"))
    prefix, env, over, flag, warnings = launcher_prefix(point, machine, launcher,
                                                        cfg.get("mpirun", "mpirun"))
    return Command(prefix + sumbench_args(point, cfg, raw_json), env, launcher, over, flag, warnings)


def launch_only_command(point: "Point", cfg: dict, machine: Machine) -> Command:
    """Start the same workers with the same placement, doing no work: the launch cost."""
    launcher = choose_launcher(point.multi_process, machine, cfg.get("launcher", "auto"))
    prefix, env, over, flag, warnings = launcher_prefix(point, machine, launcher,
                                                        cfg.get("mpirun", "mpirun"))
    # sumbench --launch-only starts --workers threads in each rank (1 when absent).
    args = [cfg["sumbench"], "--launch-only", f"--workers={point.threads}"]
    return Command(prefix + args, env, launcher, over, flag, warnings)
