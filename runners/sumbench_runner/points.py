"""Sweep points: the cross product of the config, one sumbench process each."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Optional

from .config import MPI_MODES, THREAD_ONLY_KERNELS, default_hybrid, default_workers, parse_layout


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
    # The size passed when n is not set: sleep's strong-scaling task count must be the
    # same at every point of a sweep (sumbench's own default follows its worker count).
    # Not part of point_id: it follows from the sweep's worker counts.
    default_n: Optional[int] = None

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
        if self.mode == "gil":
            parts += [self.gil_policy or "", self.switch_interval or ""]
        return "-".join(parts)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["workers"] = self.workers
        d["point_id"] = self.point_id
        return d


def layouts_for_mode(mode: str, workers: list[int], hybrid: list[str]) -> list[tuple[int, int]]:
    """(ranks, threads) per mode. serial is one worker by definition, so only 1x1."""
    if mode == "serial":
        return [(1, 1)]
    if mode in ("omp", "gil"):
        return [(1, w) for w in workers]
    if mode == "mpi":
        return [(w, 1) for w in workers]
    if mode == "hybrid":
        return [parse_layout(h) for h in hybrid]
    raise ValueError(mode)


def enumerate_points(cfg: dict, cores: int) -> tuple[list[Point], list[str]]:
    """All points in a stable (unshuffled) order, plus notes on combinations left out."""
    workers = cfg["workers"] or default_workers(cores)
    hybrid = cfg["hybrid"] or default_hybrid(workers)
    scalings = ["strong", "weak"] if cfg["scaling"] == "both" else [cfg["scaling"]]
    sizes = cfg["n"] or [None]
    largest = max(list(workers) + [r * t for r, t in map(parse_layout, hybrid)])
    points, notes = [], []
    for kernel in cfg["kernels"]:
        for mode in cfg["modes"]:
            if kernel in THREAD_ONLY_KERNELS and mode in MPI_MODES:
                notes.append(f"{kernel} runs in thread modes only: no {kernel}/{mode} points")
                continue
            gil = [(p, i) for p in cfg["gil_policy"] for i in cfg["switch_interval"]] \
                if mode == "gil" else [(None, None)]
            for ranks, threads in layouts_for_mode(mode, workers, hybrid):
                for scaling in scalings:
                    for n in sizes:
                        pinned = largest if (n is None and kernel == "sleep"
                                             and scaling == "strong") else None
                        for policy, interval in gil:
                            points.append(Point(kernel, mode, ranks, threads, scaling, n,
                                                policy, interval, pinned))
    return list(dict.fromkeys(points)), notes


def shuffled(points: list[Point], seed: int) -> list[Point]:
    """Randomized, interleaved order so slow drifts of the machine do not line up
    with one kernel or mode; reproducible from the seed."""
    order = list(points)
    random.Random(seed).shuffle(order)
    return order
