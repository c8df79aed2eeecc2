"""Sweep points: the cross product of the config, one sumbench process each.

Which layouts a mode runs at a worker count, which kernels a mode cannot run and which
default sizes depend on the worker count all come from sumbench's catalogue, evaluated
for this sweep's worker counts (config.catalogue_args).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Optional

from ..catalogue import Catalogue
from ..errors import UsageError

# The sumbench flags of the GIL mode's parameters, by the runner's config key.
GIL_FLAGS = {"gil_policy": "--gil-policy", "switch_interval": "--switch-interval"}
# The gil policies without a switch interval: legacy (Python 2) runs one mode per
# --check-interval value whatever --switch-interval says (modes/gil.cpp), so a sweep plans
# one point of it, not one identical point per switch interval.
NO_SWITCH_INTERVAL = ("legacy",)
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
    gil_policy: Optional[str] = None
    switch_interval: Optional[str] = None
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
        if self.gil_policy is not None:
            parts.append(self.gil_policy)
        if self.switch_interval is not None:
            parts.append(self.switch_interval)
        return "-".join(parts)

    def as_dict(self) -> dict:
        d = asdict(self)
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


def enumerate_points(cfg: dict, cat: Catalogue, workers: list[int]) -> tuple[list[Point], list[str]]:
    """All points in a stable (unshuffled) order, plus notes on combinations left out."""
    scalings = ["strong", "weak"] if cfg["scaling"] == BOTH else [cfg["scaling"]]
    sizes = cfg["n"] or [None]
    gil_modes = set(cat.modes_configured_by(GIL_FLAGS["gil_policy"]))
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
            layouts = layouts_of[mode]
            gil = list(dict.fromkeys((p, None if p in NO_SWITCH_INTERVAL else i)
                                     for p in cfg["gil_policy"] for i in cfg["switch_interval"])) \
                if mode in gil_modes else [(None, None)]
            for ranks, threads in layouts:
                for scaling in scalings:
                    default = cat.default_n(kernel, scaling)
                    pinned = default["value"] if "max_workers" in default["inputs"] else None
                    for n in sizes:
                        for policy, interval in gil:
                            points.append(Point(kernel, mode, ranks, threads, scaling, n, policy,
                                                interval, pinned if n is None else None,
                                                multi, flag))
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
