"""sumbench's catalogue (``sumbench --list=json``, docs/DESIGN.md): every kernel, mode,
GIL policy and flag with its rules. The Python side keeps no copy of them.

The runner asks the binary (``Catalogue.from_sumbench``) and saves the answer as
``catalogue.json`` in the sweep folder; the reports read that copy
(``Catalogue.for_folder``). A folder written before the catalogue existed gets the
frozen catalogue of sumbench 0.1.0 (data/catalogue-0.1.0.json), its migration. The
CPython baseline's own kernels and modes are merged into every catalogue, marked with
source "cpython", and sumbench-py's modes with source "pyfunc" (sources.py; its kernels
are the users' functions, MODULE:FUNCTION).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional, Sequence

from . import parse, procs, sources
from .errors import InputError, UsageError
from .io import atomic_write_json, read_json

# The kernel kinds of a catalogue written before it carried "kernel_kinds" (sumbench's
# kernels/table.cpp then): cpu-bound and io-bound kernels were the summary figure's bars,
# latency kernels had no scaling series (the GIL figures show them).
KINDS_BEFORE_KERNEL_KINDS = tuple(
    {"name": name, "summary_figure": name in ("cpu-bound", "io-bound"), "scaling_figures": name != "latency"}
    for name in ("cpu-bound", "io-bound", "memory-bound", "combine", "latency"))
FILE = "catalogue.json"
LEGACY = Path(__file__).resolve().parent / "data" / "catalogue-0.1.0.json"
# The modes' parameters for a catalogue from before modes[].params (its migration).
PARAMS_MIGRATION = Path(__file__).resolve().parent / "data" / "mode-params-migration.json"
SUPPORTED_VERSION = 1
SOURCE = "sumbench"


def param_key(flag: str) -> str:
    """A mode parameter's settings key (sweep config, point.json): --gil-policy: gil_policy."""
    return flag.lstrip("-").replace("-", "_")


class Catalogue:
    def __init__(self, doc: dict, origin: str):
        version = doc.get("catalogue_version")
        if not isinstance(version, int) or version > SUPPORTED_VERSION or \
                not isinstance(doc.get("kernels"), list) or not isinstance(doc.get("modes"), list):
            raise InputError(f"{origin}: not a catalogue this sumbench reads "
                             f"(catalogue_version {version!r}, this reads 1 to {SUPPORTED_VERSION})")
        self.doc = doc
        self.origin = origin
        try:
            self._load(doc)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise InputError(f"{origin}: corrupted catalogue ({type(e).__name__}: {e})") from None

    def _load(self, doc: dict) -> None:
        self.kernels = [dict(k, source=SOURCE) for k in doc["kernels"]]
        known = {k["name"] for k in self.kernels}
        for name in sources.CPYTHON_KERNEL_KINDS:  # an old catalogue may lack one
            if name not in known:
                self.kernels.append({"name": name, "kind": "", "thread_only": False,
                                     "source": sources.CPYTHON})
        self.modes = [dict(m, source=SOURCE, reference_mode=doc["reference_mode"])
                      for m in doc["modes"]]
        if any("params" not in m for m in self.modes):
            older = read_json(PARAMS_MIGRATION)["modes"]
            for m in self.modes:
                m.setdefault("params", older.get(m["name"], []))
        for source, reference in ((sources.CPYTHON, sources.CPYTHON_REFERENCE_MODE),
                                  (sources.PYFUNC, sources.PYFUNC_REFERENCE_MODE)):
            self.modes += [dict(m, source=source, reference_mode=reference, flags=[], layouts=[])
                           for m in sources.catalogue_rows(source)]
        self._kernels = {k["name"]: k for k in self.kernels}
        self._modes = {m["name"]: m for m in self.modes}
        self._flags = {f["name"]: f for f in doc.get("flags", [])}

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_sumbench(cls, binary: str, args: Sequence[str] = (), timeout: float = 60,
                      env: Optional[dict] = None) -> "Catalogue":
        """Ask the binary; a refusal of `args` (exit 2) is a UsageError with its line."""
        argv = [binary, "--list=json", *args]
        env = dict(os.environ if env is None else env)
        # A singleton that spawns no orted: faster, and it leaves no session folder
        # behind in $TMPDIR (Open MPI removes it only after sumbench has exited).
        env.setdefault("OMPI_MCA_ess_singleton_isolated", "1")
        try:
            proc = procs.run(argv, timeout=timeout, env=env)
            if proc.returncode not in (0, 2) and not proc.timed_out:
                # Once seen under load (1 in ~2000): "Local abort before MPI_INIT
                # completed". A failed MPI start is not an answer; ask once more.
                proc = procs.run(argv, timeout=timeout, env=env)
        except (FileNotFoundError, PermissionError, NotADirectoryError, IsADirectoryError):
            raise UsageError(f"sumbench {binary!r} is not an executable file; build it "
                             f"(scripts/build.sh) or pass --sumbench PATH / set SUMBENCH") from None
        except OSError as e:
            raise UsageError(f"sumbench {binary!r} cannot be started: {e.strerror}") from None
        if proc.timed_out:
            raise UsageError(f"sumbench {binary!r} gave no catalogue (--list=json) within "
                             f"{timeout:g} s") from None
        lines = [l for l in proc.stderr.splitlines() if l.strip()]
        said = lines[-1].split("error: ", 1)[-1] if lines else ""
        if proc.returncode == 2:
            hint = (" (a sumbench older than its catalogue? rebuild it: scripts/build.sh)"
                    if "--list" in said else "")
            raise UsageError(f"sumbench refuses these settings: {said}{hint}")
        try:
            doc = json.loads(proc.stdout)
        except ValueError:
            doc = None
        if proc.returncode != 0 or not isinstance(doc, dict):
            raise UsageError(f"{binary} --list=json gave no catalogue (exit status "
                             f"{proc.returncode}{': ' + said if said else ''}); is it sumbench? "
                             f"rebuild it (scripts/build.sh)")
        return cls(doc, f"{binary} --list=json")

    @classmethod
    def for_folder(cls, folder: os.PathLike | str) -> "Catalogue":
        """The folder's catalogue.json, or the migration for a folder without one."""
        path = Path(folder) / FILE
        try:
            doc = read_json(path)
        except FileNotFoundError:
            return cls.legacy()
        except (OSError, ValueError) as e:
            raise InputError(f"{path}: corrupted: not valid JSON ({e})") from None
        if not isinstance(doc, dict):
            raise InputError(f"{path}: corrupted: not a JSON object")
        return cls(doc, str(path))

    @classmethod
    def legacy(cls) -> "Catalogue":
        return cls(read_json(LEGACY), "sumbench 0.1.0 (folder without catalogue.json)")

    def save(self, folder: os.PathLike | str) -> None:
        atomic_write_json(Path(folder) / FILE, self.doc)

    @property
    def is_legacy(self) -> bool:
        return "migrated_from" in self.doc

    # ------------------------------------------------------------------ names

    def kernel_names(self, source: str = SOURCE) -> list[str]:
        return [k["name"] for k in self.kernels if k["source"] == source]

    def mode_names(self, source: str = SOURCE) -> list[str]:
        return [m["name"] for m in self.modes if m["source"] == source]

    def policy_names(self) -> list[str]:
        return [p["name"] for p in self.doc.get("gil_policies", [])]

    def kernel(self, name: str) -> dict:
        return self._kernels.get(name) or {"name": name, "kind": "", "thread_only": False,
                                           "source": ""}

    def mode(self, name: str) -> dict:
        return self._modes.get(name) or {"name": name, "kind": "threads", "multi_process": False,
                                         "reference": False, "source": "",
                                         "reference_mode": self.doc["reference_mode"], "flags": []}

    def has_flag(self, name: str) -> bool:
        return name in self._flags

    def flag(self, name: str) -> dict:
        if name not in self._flags:
            raise UsageError(f"this sumbench has no flag {name} ({self.origin})")
        return self._flags[name]

    def kernel_rank(self, name: str) -> int:
        """Display order: the catalogue's."""
        order = [k["name"] for k in self.kernels]
        return order.index(name) if name in order else len(order)

    def mode_rank(self, name: str) -> int:
        order = [m["name"] for m in self.modes]
        return order.index(name) if name in order else len(order)

    # ------------------------------------------------------------------ rules

    def is_reference(self, mode: str) -> bool:
        return bool(self.mode(mode).get("reference"))

    def reference_of(self, mode: str) -> str:
        """The mode whose one-worker time is `mode`'s speedup reference."""
        return self.mode(mode)["reference_mode"]

    def reference_modes(self) -> list[str]:
        return [m["name"] for m in self.modes if m.get("reference")]

    def multi_process(self, mode: str) -> bool:
        return bool(self.mode(mode).get("multi_process"))

    def kernels_of_kind(self, *kinds: str) -> list[str]:
        return [k["name"] for k in self.kernels if k.get("kind") in kinds]

    def kinds(self) -> list[dict]:
        """The kernel kinds and the figures that show each (--list=json's kernel_kinds)."""
        return list(self.doc.get("kernel_kinds") or KINDS_BEFORE_KERNEL_KINDS)

    def summary_kinds(self) -> list[str]:
        """The kinds whose kernels are bars of the summary figure: every kind whose row does
        not say why not (sumbench's kernels/table.cpp), in the table's order."""
        return [k["name"] for k in self.kinds() if k.get("summary_figure", True)]

    def has_scaling(self, kernel: str) -> bool:
        """Whether the kernel gets speedup/efficiency series (a latency kernel does not)."""
        kind = self.kernel(kernel).get("kind")
        return all(k.get("scaling_figures", True) for k in self.kinds() if k["name"] == kind)

    def layouts(self, mode: str, workers: int) -> list[tuple[int, int]]:
        """(ranks, threads) that `mode` runs at `workers` (an evaluated catalogue only)."""
        for row in self.mode(mode).get("layouts", []):
            if row["workers"] == workers:
                return [parse.layout_of(text) for text in row["layouts"]]
        return []

    def params(self, mode: str) -> list[dict]:
        """The parameters of `mode`'s cases, in the catalogue's order: each its flag,
        column (its key in a JSON entry's "params"), type (str, int, float), unit and
        name_key (its part of a case's name)."""
        return list(self.mode(mode).get("params", []))

    def param_columns(self) -> list[str]:
        """Every mode's parameter columns, in the catalogue's order, each once."""
        return list(dict.fromkeys(p["column"] for m in self.modes for p in m.get("params", [])))

    def instances(self, mode: str) -> Optional[list[dict]]:
        """The parameter values of each instance of `mode` that the catalogue's options
        make (one case, and one sweep point, each), by column; None from a sumbench that
        does not list them (before modes[].instances)."""
        found = self.mode(mode).get("instances")
        return [dict(i) for i in found] if isinstance(found, list) else None

    def param_flags(self) -> dict[str, str]:
        """The flag of every mode parameter of sumbench's modes, by its settings key
        (--gil-policy: gil_policy): a sweep takes each as a comma list."""
        return {param_key(p["flag"]): p["flag"] for m in self.modes if m["source"] == SOURCE
                for p in m.get("params", []) if p.get("flag")}

    def param_text(self, param: dict, value) -> str:
        """`value` of a parameter as its flag takes it (a duration: 5ms, 500us)."""
        if self.has_flag(param["flag"]) and self.flag(param["flag"])["type"] == "duration_list":
            return parse.interval_token(float(value))
        return str(value)

    def modes_configured_by(self, flag: str) -> list[str]:
        return [m["name"] for m in self.modes if flag in m.get("flags", [])]

    def default(self, flag: str):
        return self.flag(flag).get("default")

    def default_n(self, kernel: str, scaling: str) -> dict:
        return self.kernel(kernel).get("default_n", {}).get(scaling, {"value": None, "inputs": []})

    def parse(self, flag: str, text: Optional[str]):
        """The normalised value of ``flag=text`` under sumbench's rules."""
        return parse.parse_flag(self.flag(flag), text)
