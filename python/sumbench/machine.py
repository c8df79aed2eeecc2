"""The machine-info keys: what manifest.json's "machine" holds, written by every sweep
writer, and how the reports read the machine and build context. One definition: no
reader guesses at key names.
"""

from __future__ import annotations

import platform
import socket
import sys
from typing import Optional

# manifest.json "machine": key -> meaning
MACHINE_KEYS = {
    "hostname": "the host the sweep ran on",
    "platform": "platform.platform()",
    "python": "the python3 that ran the sweep",
    "cpu_model": "/proc/cpuinfo model name",
    "cores": "CPUs of the allocation the points were planned on: its physical cores, or its "
             "hardware threads with cpus=hwthreads",
    "cores_per_node": "the same, of one node",
    "nodes": "nodes of the allocation",
    "slurm_job_id": "the Slurm job, or null",
    "is_root": "whether the sweep ran as root",
    "cpus": "the planning unit: cores (the default) or hwthreads (--cpus)",
    "topology": "the node's packages, NUMA nodes, cores and hardware threads, the ones this "
                "sweep could use, and where they were read (sumbench.topology), or null",
    "launcher": "how MPI points started: kind, program, srun --mpi type, version, notes; or null",
    "native": "whether sumbench was built with -march=native (its catalogue's build.native; "
              "such a binary may stop with SIGILL on another CPU model), or null",
}
# Keys of older manifests, renamed on reading.
_RENAMED = {"host": "hostname", "cpus": "cores"}
# Google Benchmark's context: the core count of the machine a point ran on.
CONTEXT_CORES = "num_cpus"


def default_workers(cores: int) -> list[int]:
    """A sweep's default worker counts: 1, 2, 4, ... up to 2x cores, plus the core count."""
    out, w = {cores}, 1
    while w <= 2 * cores:
        out.add(w)
        w *= 2
    return sorted(out)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def describe(cores: int, cores_per_node: Optional[int] = None, nodes: int = 1,
             slurm_job_id: Optional[str] = None, is_root: bool = False, cpus: str = "cores",
             topology: Optional[dict] = None, launcher: Optional[dict] = None,
             native: Optional[bool] = None) -> dict:
    info = {"hostname": socket.gethostname(), "platform": platform.platform(),
            "python": sys.version.split()[0], "cpu_model": cpu_model(), "cores": cores,
            "cores_per_node": cores_per_node or cores, "nodes": nodes,
            "slurm_job_id": slurm_job_id, "is_root": is_root, "cpus": cpus,
            "topology": topology, "launcher": launcher, "native": native}
    assert set(info) == set(MACHINE_KEYS)
    return info


def machine_of(manifest: Optional[dict]) -> dict:
    """manifest.json's machine, older key names renamed."""
    found = manifest.get("machine") if isinstance(manifest, dict) else None
    if not isinstance(found, dict):
        return {}
    # "cpus" was the core count before it became the planning unit (cores|hwthreads):
    # renamed only where it is a number and "cores" is absent.
    return {(_RENAMED.get(k, k) if k != "cpus" or ("cores" not in found and not isinstance(v, str)) else k): v
            for k, v in found.items()}


def combined(machines: list) -> dict:
    """The machine of a sweep combined from several allocations (a Slurm sweep's jobs):
    the largest allocation's cores and node count, the most cores per node any job
    had; the rest as the first job saw it. {} when no job recorded its machine."""
    found = [machine_of({"machine": m}) for m in machines if isinstance(m, dict) and m]
    if not found:
        return {}
    out = {key: found[0].get(key) for key in MACHINE_KEYS}
    for key in ("cores", "cores_per_node", "nodes"):
        values = [v for v in (_positive_int(m.get(key)) for m in found) if v]
        out[key] = max(values) if values else None
    out["hostname"] = ", ".join(sorted({str(m.get("hostname")) for m in found if m.get("hostname")}))
    out["slurm_job_id"] = None   # several: the manifest's slurm_jobs
    return out


def _positive_int(value) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and value > 0 and value == int(value):
        return int(value)
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    return None


def cores_of(manifest: Optional[dict], context: Optional[dict]) -> Optional[int]:
    """Cores the sweep planned with (its largest allocation: nodes x cores per node):
    manifest.json's, else the core count Google Benchmark saw on the machine of one
    point; None when unknown."""
    found = _positive_int(machine_of(manifest).get("cores"))
    if found is None and isinstance(context, dict):
        found = _positive_int(context.get(CONTEXT_CORES))
    return found


def cores_per_node_of(manifest: Optional[dict], context: Optional[dict]) -> Optional[int]:
    """Cores of one node that the sweep planned with: manifest.json's cores_per_node,
    else its cores when it ran on one node, else the core count Google Benchmark saw on
    the machine of one point; None when unknown. A point on N nodes had N times this."""
    found = machine_of(manifest)
    per_node = _positive_int(found.get("cores_per_node"))
    if per_node is None and (_positive_int(found.get("nodes")) or 1) == 1:
        per_node = _positive_int(found.get("cores"))
    if per_node is None and isinstance(context, dict):
        per_node = _positive_int(context.get(CONTEXT_CORES))
    return per_node


# The report's "machine and build" table: label, then where to look, first found wins.
# ("machine", key): manifest.json's machine; ("context", key): a point's Google Benchmark
# context; ("manifest", key): manifest.json itself.
REPORT_ROWS = (
    ("host", (("machine", "hostname"), ("context", "host_name"))),
    ("CPU", (("machine", "cpu_model"), ("context", "cpu_model"))),
    ("MHz per CPU", (("context", "mhz_per_cpu"),)),
    ("MPI library", (("context", "mpi_library"),)),
    ("topology", (("context", "topology"),)),
    ("CPUs planned on", (("machine", "cpus"), ("context", "cpus"))),
    ("compiler", (("context", "compiler"),)),
    ("C++ flags", (("context", "cxx_flags"),)),
    ("build type", (("context", "build_type"),)),
    ("Google Benchmark library", (("context", "library_build_type"),)),
    ("-march=native", (("machine", "native"), ("context", "native"))),
    ("git commit", (("context", "git_commit"),)),
    ("sumbench version", (("context", "sumbench_version"),)),
    ("OS", (("machine", "platform"),)),
    ("binding", (("manifest", "binding"),)),             # mpi and hybrid not on the same cores
    ("Slurm nodes", (("manifest", "slurm_nodes"),)),     # --exclusive, or shared (a warning)
    ("Slurm cores", (("manifest", "slurm_cores"),)),     # whole cores or hardware threads
    ("started", (("manifest", "started"), ("context", "date"))),
    ("finished", (("manifest", "finished"),)),
)


def report_rows(manifest: Optional[dict], context: Optional[dict]) -> list[tuple[str, str]]:
    sources = {"machine": machine_of(manifest),
               "context": context if isinstance(context, dict) else {},
               "manifest": manifest if isinstance(manifest, dict) else {}}
    rows = []
    for label, places in REPORT_ROWS:
        for where, key in places:
            value = sources[where].get(key)
            if value not in (None, "", []) and not isinstance(value, dict):
                text = ", ".join(map(str, value)) if isinstance(value, list) else \
                    str(value).lower() if isinstance(value, bool) else str(value)
                rows.append((label, text))
                break
    return rows
