"""A node's hardware, for planning: packages (sockets), NUMA nodes, cores and hardware
threads (PUs), and how many of them this process may use.

One source: sumbench's catalogue (``sumbench --list=json`` reports what hwloc, the
library mpirun and mpiexec use too, sees; HWLOC_SYNTHETIC / HWLOC_XMLFILE replace the
machine for all three). A catalogue without a topology (a sumbench older than hwloc)
falls back, and says so in ``note``: to ``lstopo-no-graphics --of xml`` (Debian's
``hwloc``), then to /sys, then to counting each CPU of the affinity as a core.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

UNITS = ("cores", "hwthreads")   # sumbench's --cpus choices (the catalogue checks them)


@dataclass(frozen=True)
class Topology:
    packages: int          # 0: the topology has no package level
    numa_nodes: int
    cores: int
    pus: int               # hardware threads
    allowed_cores: int     # cores this process may use (its affinity touches)
    allowed_pus: int
    source: str            # "sumbench (hwloc): this system", "lstopo: synthetic ...", ...
    note: str = ""         # set when a fallback was used, or a topology of another machine

    @property
    def threads_per_core(self) -> int:
        return max(1, self.pus // max(1, self.cores))

    def allowed(self, unit: str) -> int:
        """CPUs this process may use in `unit` (cores or hwthreads)."""
        return self.allowed_pus if unit == "hwthreads" else self.allowed_cores

    def as_dict(self) -> dict:
        return asdict(self)


def from_catalogue(doc: dict) -> Optional[Topology]:
    """The catalogue's "topology", or None when it has none (an older sumbench)."""
    t = doc.get("topology") if isinstance(doc, dict) else None
    if not isinstance(t, dict):
        return None
    try:
        numbers = {k: int(t[k]) for k in ("packages", "numa_nodes", "cores", "pus",
                                           "allowed_cores", "allowed_pus")}
    except (KeyError, TypeError, ValueError):
        return None
    if min(numbers["cores"], numbers["pus"], numbers["allowed_cores"], numbers["allowed_pus"]) < 1:
        return None
    source = str(t.get("source", ""))
    note = "" if t.get("this_system", True) else \
        f"the topology describes another machine ({source}): every one of its CPUs counts as usable"
    return Topology(**numbers, source=f"sumbench (hwloc): {source}", note=note)


def _walk(node, package: int, core: Optional[int], counts: dict, pu_core: dict) -> None:
    for child in node.findall("object"):
        kind = child.get("type")
        p, c = package, core
        if kind == "Package":
            p = counts["Package"]
        if kind == "Core":
            c = counts["Core"]
        if kind in counts:
            counts[kind] += 1
        if kind == "PU":
            os_index = int(child.get("os_index", -1))
            pu_core[os_index] = c if c is not None else ("pu", os_index)
        _walk(child, p, c, counts, pu_core)


def from_lstopo_xml(text: str, allowed: set[int], source: str) -> Topology:
    """hwloc's XML (v1 or v2): NUMA nodes are nested objects either way."""
    counts = {"Package": 0, "NUMANode": 0, "Core": 0, "PU": 0}
    pu_core: dict = {}
    _walk(ElementTree.fromstring(text), 0, None, counts, pu_core)
    pus = max(1, counts["PU"])
    cores = counts["Core"] or pus
    usable = [p for p in pu_core if p in allowed] or list(pu_core)
    return Topology(counts["Package"], counts["NUMANode"], cores, pus,
                    max(1, len({pu_core[p] for p in usable})), max(1, len(usable)), source)


def from_sys(allowed: set[int], root: Path = Path("/sys/devices/system")) -> Optional[Topology]:
    """The kernel's view: unique (package, core) pairs are cores."""
    pu_core, packages = {}, set()
    for cpu in allowed:
        top = root / "cpu" / f"cpu{cpu}" / "topology"
        try:
            package = int((top / "physical_package_id").read_text())
            core = int((top / "core_id").read_text())
        except (OSError, ValueError):
            return None
        pu_core[cpu] = (package, core)
        packages.add(package)
    if not pu_core:
        return None
    numa = len(list((root / "node").glob("node[0-9]*"))) or 1
    cores = len(set(pu_core.values()))
    return Topology(len(packages), numa, cores, len(pu_core), cores, len(pu_core),
                    "/sys/devices/system/cpu",
                    note="no hwloc topology (neither sumbench's catalogue nor lstopo-no-graphics): "
                         "counted the cores of this process's CPUs from /sys")


def _allowed_cpus() -> set[int]:
    return set(os.sched_getaffinity(0))


def detect(catalogue_doc: Optional[dict] = None, allowed: Optional[set[int]] = None) -> Topology:
    """The topology to plan with: the catalogue's, else lstopo's, else /sys, else the
    affinity with each CPU counted as a core (and a note that says so)."""
    found = from_catalogue(catalogue_doc or {})
    asked = os.environ.get("HWLOC_SYNTHETIC") or os.environ.get("HWLOC_XMLFILE")
    if found is not None and asked and "synthetic" not in found.source and "xml" not in found.source:
        return Topology(**{**found.as_dict(), "note": f"hwloc did not take {asked!r} (HWLOC_SYNTHETIC "
                                                       f"or HWLOC_XMLFILE): planned on this machine"})
    if found is not None:
        return found
    allowed = _allowed_cpus() if allowed is None else allowed
    lstopo = shutil.which("lstopo-no-graphics")
    if lstopo:
        try:
            proc = subprocess.run([lstopo, "--no-io", "--of", "xml"], capture_output=True, text=True,
                                  timeout=30, stdin=subprocess.DEVNULL)
            if proc.returncode == 0:
                synthetic = os.environ.get("HWLOC_SYNTHETIC") or os.environ.get("HWLOC_XMLFILE")
                if synthetic:  # another machine: its real affinity means nothing there
                    allowed = set(range(1 << 16))
                found = from_lstopo_xml(proc.stdout, allowed, "lstopo-no-graphics" +
                                        (f" ({synthetic})" if synthetic else ""))
                if catalogue_doc is None:
                    return found
                return Topology(**{**found.as_dict(), "note":
                                   "no topology from sumbench's catalogue (a sumbench built before "
                                   "hwloc?): read with lstopo-no-graphics"})
        except (OSError, subprocess.TimeoutExpired, ElementTree.ParseError, ValueError):
            pass
    found = from_sys(allowed)
    if found is not None:
        return found
    n = max(1, len(allowed))
    return Topology(0, 1, n, n, n, n, "sched_getaffinity",
                    note=f"no topology found (no hwloc: apt-get install hwloc): each of the {n} "
                         f"CPUs this process may use is counted as a core; SMT siblings are not recognised")
