"""The CPUs a Slurm job holds on each of its nodes, as whole cores and hardware threads.

Why not SLURM_CPUS_ON_NODE alone: it says neither which CPUs nor what they are. On an SMT
node (2 sockets x 2 cores x 2 threads, test cluster, Slurm 22.05) a job of 4 tasks x 1 CPU
holds CPU_IDs=0-1,4-5 (2 cores), and with --hint=nomultithread CPU_IDs=0-7 (4 cores) while
SLURM_CPUS_ON_NODE says 4 in both cases; dividing it by the threads per core counted 2
cores where the job had 4. So the cores are counted from the CPUs themselves:

1. ``scontrol show job -d``: each node's CPU_IDs (Slurm's ids: the threads of one core are
   consecutive, ThreadsPerCore of ``scontrol show node``), for every node of the job;
2. else the cpuset this process runs in (task/cgroup, task/affinity), mapped onto cores by
   hwloc (the catalogue's allowed_cores), when it is narrower than the node;
3. else SLURM_CPUS_ON_NODE divided by hwloc's threads per core, said to be a guess.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Mapping, Optional

_NODE_CPUS = re.compile(r"\bNodes=(\S+) CPU_IDs=(\S+)")


@dataclass(frozen=True)
class NodeCpus:
    cores: int
    pus: int


@dataclass(frozen=True)
class Allocation:
    """Per node of the job: the cores and hardware threads it holds there."""
    nodes: dict = field(default_factory=dict)   # host -> NodeCpus
    source: str = ""
    note: str = ""

    @property
    def cores_per_node(self) -> int:
        """The fewest cores of any node: a layout R x T per node must fit all of them."""
        return min(n.cores for n in self.nodes.values())

    @property
    def pus_per_node(self) -> int:
        return min(n.pus for n in self.nodes.values())


def cpu_ids(text: str) -> list[int]:
    """'0-1,4-5' -> [0, 1, 4, 5]."""
    out = []
    for item in filter(None, text.split(",")):
        lo, _, hi = item.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out


def _run(argv: list[str], timeout: float = 20) -> str:
    if not shutil.which(argv[0]):
        return ""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout if proc.returncode == 0 else ""


def hostnames(hostlist: str) -> list[str]:
    """Slurm's host list (snode[1-2]) as names."""
    if "[" not in hostlist and "," not in hostlist:
        return [hostlist]
    return _run(["scontrol", "show", "hostnames", hostlist]).split() or [hostlist]


def threads_per_core(hosts: list[str]) -> dict:
    """host -> Slurm's ThreadsPerCore (scontrol show node)."""
    text = _run(["scontrol", "show", "node", "-o", ",".join(hosts)])
    found = {}
    for line in text.splitlines():
        name = re.search(r"\bNodeName=(\S+)", line)
        tpc = re.search(r"\bThreadsPerCore=(\d+)", line)
        if name and tpc:
            found[name.group(1)] = max(1, int(tpc.group(1)))
    return found


def from_scontrol(job_text: str, tpc: Mapping[str, int]) -> dict:
    """host -> NodeCpus from `scontrol show job -d` and each node's threads per core."""
    nodes = {}
    for hostlist, ids in _NODE_CPUS.findall(job_text):
        cpus = cpu_ids(ids)
        for host in hostnames(hostlist):
            per = tpc.get(host, 1)
            nodes[host] = NodeCpus(len({c // per for c in cpus}), len(cpus))
    return nodes


def detect(job_id: str, topology=None, env: Optional[Mapping[str, str]] = None
           ) -> Optional[Allocation]:
    """The job's CPUs per node (module docstring), or None when nothing is known
    (then the runner divides SLURM_CPUS_ON_NODE, and says so)."""
    env = env or {}
    text = _run(["scontrol", "show", "job", "-d", job_id])
    if text:
        hosts = [h for hl, _ in _NODE_CPUS.findall(text) for h in hostnames(hl)]
        nodes = from_scontrol(text, threads_per_core(hosts)) if hosts else {}
        if nodes:
            return Allocation(nodes, "scontrol show job -d (CPU_IDs) and the nodes' ThreadsPerCore")
    t = topology
    if t is not None and not t.note and t.allowed_pus < t.pus:
        host = env.get("SLURMD_NODENAME") or "this node"
        return Allocation({host: NodeCpus(t.allowed_cores, t.allowed_pus)},
                          "this process's cpuset mapped onto cores by hwloc",
                          "the job's other nodes are taken to hold as many")
    return None


def describe(alloc: Allocation) -> str:
    per = "; ".join(f"{h}: {n.cores} cores, {n.pus} CPUs" for h, n in sorted(alloc.nodes.items()))
    return f"the allocation ({alloc.source}): {per}" + (f" ({alloc.note})" if alloc.note else "")


def attempt_number(env: Mapping[str, str]) -> int:
    """The attempt of the Slurm job this runs in: SLURM_RESTART_COUNT (0 in the first
    attempt, where it is unset; 1, 2, ... when Slurm requeued the job, slurm/attempts.py)."""
    text = env.get("SLURM_RESTART_COUNT", "")
    return int(text) if text.isdigit() else 0
