"""A node's hardware, for planning: packages (sockets), NUMA nodes, cores and hardware
threads (PUs), and how many of them this process may use.

One source: sumbench's catalogue (``sumbench --list=json`` reports what hwloc, the
library mpirun and mpiexec use too, sees; HWLOC_SYNTHETIC / HWLOC_XMLFILE replace the
machine for all three). A catalogue without a topology (a sumbench older than hwloc)
falls back, and says so in ``note``: to ``lstopo-no-graphics --of xml`` (Debian's
``hwloc``), then to /sys, then to counting each CPU of the affinity as a core.

HWLOC_SYNTHETIC / HWLOC_XMLFILE are checked first (``check_input``), before any process
is started: hwloc, Open MPI's orted and Hydra each build every object of the topology
they describe ("pack:100000 core:100000 pu:2" kept an orted busy past 1 GB), and fall
back to this machine without a word where they cannot use it. sumbench itself refuses
what hwloc cannot load (driver/topology.hpp); a topology it did not take is refused here.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Mapping, Optional

from .errors import UsageError

UNITS = ("cores", "hwthreads")   # sumbench's --cpus choices (the catalogue checks them)
# hwloc's variables that replace this machine, in hwloc's order: the first one set wins
# (empty counts as unset), as in sumbench, mpirun and mpiexec.
INPUTS = ("HWLOC_SYNTHETIC", "HWLOC_XMLFILE")
# sumbench's limits (driver/topology.hpp; its catalogue's topology.max_pus and
# max_xml_bytes), needed before any sumbench is asked.
MAX_PUS = 1024
MAX_XML_BYTES = 16 << 20


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


def asked(env: Optional[Mapping[str, str]] = None) -> Optional[tuple[str, str]]:
    """(variable, value) of the topology hwloc is asked to use instead of this machine."""
    env = os.environ if env is None else env
    return next(((name, env[name]) for name in INPUTS if env.get(name)), None)


def _strtoul(text: str) -> int:
    """The number C's strtoul(text, NULL, 0) reads at the start of text (0 if none)."""
    base, digits = (16, "0123456789abcdefABCDEF") if text[:2].lower() == "0x" else \
        (8, "01234567") if text[:1] == "0" else (10, "0123456789")
    body = text[2:] if base == 16 else text
    n = 0
    while n < len(body) and body[n] in digits:
        n += 1
    return int(body[:n], base) if n else 0


def synthetic_pus(description: str) -> int:
    """The hardware threads a synthetic description makes, the product of its levels'
    arities, read as sumbench reads them (driver/topology_input.cpp): levels "[type:]arity"
    with optional "(attributes)", separated by spaces; "(...)" first for the root and
    "[...]" for memory children count for nothing. A level that is not one counts 1
    (sumbench then asks hwloc, which refuses it)."""
    pus, level, depth = 1, "", 0
    for ch in description + " ":
        if ch == " " and depth == 0:
            if level and level[0] not in "([":
                typed = not level[0].isdigit()
                if not typed or ":" in level:
                    pus *= _strtoul(level.split(":", 1)[1] if typed else level) or 1
            level = ""
            continue
        depth += (ch in "([") - (ch in ")]")
        level += ch
    return pus


def _input_problem(name: str, value: str) -> str:
    """Why sumbench refuses this input before hwloc reads it, or ""."""
    if name == "HWLOC_SYNTHETIC":
        pus = synthetic_pus(value)
        return (f"describes {pus} hardware threads, more than the {MAX_PUS} of the largest node "
                f"sumbench plans") if pus > MAX_PUS else ""
    try:
        st = os.stat(value)
    except FileNotFoundError:
        return "does not exist"
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    if stat.S_ISDIR(st.st_mode):
        return "is a directory"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    if st.st_size > MAX_XML_BYTES:
        return (f"has {st.st_size} bytes, more than the {MAX_XML_BYTES >> 20} MiB an XML topology of "
                f"{MAX_PUS} hardware threads needs")
    if not os.access(value, os.R_OK):
        return "cannot be read (Permission denied)"
    return ""


def refusal(name: str, value: str, why: str) -> str:
    """sumbench's line for a topology input it refuses (driver/topology.cpp)."""
    most = f"{MAX_PUS} hardware threads"
    allowed = (f"give levels such as 'pack:2 core:16 pu:2' (lstopo -i DESCRIPTION shows them), "
               f"at most {most}" if name == "HWLOC_SYNTHETIC" else
               f"give an XML file written by lstopo --of xml, of at most {most}")
    return f"{name}='{value}' {why}; {allowed}, or unset it"


def check_input(env: Optional[Mapping[str, str]] = None) -> None:
    """Refuses (UsageError, sumbench's line) HWLOC_SYNTHETIC larger than sumbench plans
    and an HWLOC_XMLFILE that is no readable file of at most MAX_XML_BYTES: before any
    sumbench, lstopo or launcher has read it."""
    given = asked(env)
    if given is not None and (why := _input_problem(*given)):
        raise UsageError(refusal(*given, why))


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
    affinity with each CPU counted as a core (and a note that says so). HWLOC_SYNTHETIC
    or HWLOC_XMLFILE must be the topology planned on: else UsageError (sumbench's line)."""
    check_input()
    found = from_catalogue(catalogue_doc or {})
    given = asked()
    kind = None if given is None else "synthetic" if given[0] == "HWLOC_SYNTHETIC" else "xml"
    if found is not None and given is not None:
        if not found.source.startswith(f"sumbench (hwloc): {kind}: "):  # a sumbench that ignored it
            raise UsageError(refusal(*given, f"was not taken by this sumbench's hwloc ({found.source})"))
    if found is not None:
        return found
    allowed = _allowed_cpus() if allowed is None else allowed
    lstopo = shutil.which("lstopo-no-graphics")
    if lstopo:
        # The input named (--if, -i), so that lstopo fails where it cannot load it, instead of
        # reading this machine; another machine's PUs are all usable there.
        source = [] if given is None else ["--if", kind, "-i", given[1]]
        try:
            proc = subprocess.run([lstopo, "--no-io", *source, "--of", "xml"], capture_output=True, text=True,
                                  timeout=30, stdin=subprocess.DEVNULL)
            if proc.returncode != 0 and given is not None:
                raise UsageError(refusal(*given, "is not a topology hwloc can load (lstopo-no-graphics "
                                                 f"exit status {proc.returncode})"))
            if proc.returncode == 0:
                found = from_lstopo_xml(proc.stdout, set(range(MAX_PUS)) if given else allowed,
                                        "lstopo-no-graphics" + (f" ({given[0]})" if given else ""))
                if catalogue_doc is None:
                    return found
                return Topology(**{**found.as_dict(), "note":
                                   "no topology from sumbench's catalogue (a sumbench built before "
                                   "hwloc?): read with lstopo-no-graphics"})
        except (OSError, subprocess.TimeoutExpired, ElementTree.ParseError, ValueError):
            pass
    if given is not None:  # /sys describes this machine
        raise UsageError(refusal(*given, "cannot be read without sumbench's catalogue or lstopo-no-graphics "
                                         "(apt-get install hwloc)"))
    found = from_sys(allowed)
    if found is not None:
        return found
    n = max(1, len(allowed))
    return Topology(0, 1, n, n, n, n, "sched_getaffinity",
                    note=f"no topology found (no hwloc: apt-get install hwloc): each of the {n} "
                         f"CPUs this process may use is counted as a core; SMT siblings are not recognised")
