"""Sweep points: the cross product of the config, one sumbench process each.

Which layouts a mode runs at a worker count, which kernels a mode cannot run and which
default sizes depend on the worker count all come from sumbench's catalogue, evaluated
for this sweep's worker counts (config.catalogue_args).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Optional

from ..catalogue import Catalogue, param_key
from ..errors import UsageError

# The runner's own scaling choice beside sumbench's: both = strong and weak points.
BOTH = "both"


@dataclass(frozen=True)
class Point:
    kernel: str
    mode: str
    ranks: int
    threads: int
    scaling: str
    n: Optional[int] = None
    # The mode's parameters at this point, one instance of the mode (catalogue: its
    # modes[].params and .instances): (flag, value as the flag takes it), in the
    # catalogue's order; sumbench gets each as --flag=value.
    params: tuple[tuple[str, str], ...] = ()
    # The size passed when n is not set, for a kernel whose default size follows the
    # run's worker count (sleep): it must be the same at every point of a strong series.
    # Not part of point_id: it follows from the sweep's worker counts.
    default_n: Optional[int] = None
    # From the catalogue, for the launcher: the mode's ranks are processes; the flag
    # that gives the mode its layout (hybrid's --hybrid).
    multi_process: bool = field(default=False, compare=False)
    layout_flag: Optional[str] = field(default=None, compare=False)

    @property
    def workers(self) -> int:
        return self.ranks * self.threads

    @property
    def layout(self) -> str:
        return f"{self.ranks}x{self.threads}"

    @property
    def point_id(self) -> str:
        """Folder name; encodes every field so resumed sweeps match points by name."""
        parts = [self.kernel, self.mode, f"r{self.ranks}t{self.threads}", self.scaling]
        if self.n is not None:
            parts.append(f"n{self.n}")
        parts += [text for _, text in self.params]  # gil: cpython-5ms, legacy-100
        return "-".join(parts)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["params"] = {param_key(flag): text for flag, text in self.params}
        d["workers"] = self.workers
        d["point_id"] = self.point_id
        return d


def layout_flag(cat: Catalogue, mode: str) -> Optional[str]:
    for flag in cat.mode(mode).get("flags", []):
        if cat.flag(flag)["type"] == "layouts":
            return flag
    return None


def layouts_for_mode(cat: Catalogue, mode: str, workers: list[int], explicit: bool) -> list[tuple[int, int]]:
    """(ranks, threads) of a mode: its layouts at each worker count, or, when its layout
    flag was given (--hybrid), every layout that flag lists whatever the worker count."""
    counts = cat.doc["context"]["workers"] if explicit else workers
    return list(dict.fromkeys(l for w in counts for l in cat.layouts(mode, w)))


def mode_params(cfg: dict, cat: Catalogue, mode: str) -> list[tuple[tuple[str, str], ...]]:
    """The parameter settings of `mode`'s points: one per instance that sumbench makes
    of it with the sweep's values (catalogue modes[].instances, evaluated with them),
    each parameter it has there as (flag, text). A parameter whose flag has no default
    and was not given, or that --extra-args sets (every point then runs all its values,
    which results.csv keeps apart), is left to sumbench. A sumbench that lists no instances (older
    than modes[].instances): one point with the values given, whose cases sumbench
    makes (results.csv keeps them apart by their names)."""
    given = cfg.get("params") or {}
    params = [p for p in cat.params(mode) if p.get("flag")]
    found = cat.instances(mode)
    if found is None:
        return [tuple((p["flag"], ",".join(given[param_key(p["flag"])])) for p in params
                      if given.get(param_key(p["flag"])))]
    extra = {arg.split("=", 1)[0] for arg in cfg.get("extra_args") or []}
    passed = [p for p in params if p["flag"] not in extra and (given.get(param_key(p["flag"])) is not None
              or (cat.has_flag(p["flag"]) and cat.default(p["flag"]) is not None))]
    return list(dict.fromkeys(tuple((p["flag"], cat.param_text(p, i[p["column"]])) for p in passed
                                    if p["column"] in i) for i in found)) or [()]


def enumerate_points(cfg: dict, cat: Catalogue, workers: list[int]) -> tuple[list[Point], list[str]]:
    """All points in a stable (unshuffled) order, plus notes on combinations left out."""
    scalings = ["strong", "weak"] if cfg["scaling"] == BOTH else [cfg["scaling"]]
    sizes = cfg["n"] or [None]
    points, notes = [], []
    layouts_of = {}
    for mode in cfg["modes"]:
        flag = layout_flag(cat, mode)
        explicit = bool(flag and cfg["hybrid"])
        layouts_of[mode] = layouts_for_mode(cat, mode, workers, explicit)
        missing = [] if explicit else [w for w in workers if not cat.layouts(mode, w)]
        if missing:
            notes.append(f"{mode} has no layout at {','.join(map(str, missing))} workers")
    for kernel in cfg["kernels"]:
        for mode in cfg["modes"]:
            multi = cat.multi_process(mode)
            if cat.kernel(kernel).get("thread_only") and multi:
                notes.append(f"{kernel} runs in thread modes only: no {kernel}/{mode} points")
                continue
            flag = layout_flag(cat, mode)
            settings = mode_params(cfg, cat, mode)
            for ranks, threads in layouts_of[mode]:
                for scaling in scalings:
                    default = cat.default_n(kernel, scaling)
                    pinned = default["value"] if "max_workers" in default["inputs"] else None
                    for n in sizes:
                        for params in settings:
                            points.append(Point(kernel, mode, ranks, threads, scaling, n, params,
                                                pinned if n is None else None, multi, flag))
    points = list(dict.fromkeys(points))
    check_items(points, cat)
    return points, notes


def check_items(points: list[Point], cat: Catalogue) -> None:
    """sumbench's rule, before anything runs: under strong scaling every worker needs an
    item of its own (n >= workers), so the most workers follow from n (UsageError)."""
    for p in points:
        n = p.n if p.n is not None else p.default_n if p.default_n is not None \
            else cat.default_n(p.kernel, p.scaling)["value"]
        if p.scaling == "strong" and isinstance(n, int) and n < p.workers:
            raise UsageError(f"--n={n} is fewer items than the {p.workers} workers of {p.mode} "
                             f"{p.layout} ({p.kernel}); strong scaling needs n >= workers: pass "
                             f"a larger --n or fewer workers")


def shuffled(points: list[Point], seed: int) -> list[Point]:
    """Randomized, interleaved order so slow drifts of the machine do not line up
    with one kernel or mode; reproducible from the seed."""
    order = list(points)
    random.Random(seed).shuffle(order)
    return order
