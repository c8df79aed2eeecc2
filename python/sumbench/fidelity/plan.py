"""What one repetition of the fidelity run executes, and how long it should take; pure.

A group is one kind of run at one thread count (cpu:2, convoy:0, ioconvoy2:1, handoff).
Each repetition runs every group once, in a fixed order: each interpreter at every
setting the group's figures need for its GIL, then the model with every (policy, setting)
that the figures' roles need (figures.Figure.roles: the right policy, legacy's defaults,
and the controls), and the C = 0 baselines of every one of those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from . import figures
from .figures import DEFAULTS, Figure

ORDER = ("cpu", "convoy", "ioconvoy", "handoff")


@dataclass
class Group:
    name: str                      # cpu:2, convoy:0, ioconvoy2:1, handoff
    kind: str                      # cpu (with seed), convoy, ioconvoy, handoff
    threads: int                   # K, or C
    io_threads: int = 1
    real: dict = field(default_factory=dict)    # gil kind -> settings (None: the interpreter's default)
    model: set = field(default_factory=set)     # (policy, setting)

    @property
    def stem(self) -> str:
        return self.name.split(":")[0]

    def key(self) -> tuple:
        return ORDER.index(self.kind), self.stem, self.threads


def _setting(figure_id: str, kind: str, policy: str) -> str:
    if kind in ("cpu", "seed"):   # no setting in the id: each policy at its GIL's default
        return "check100" if policy in ("legacy", DEFAULTS) else "5ms"
    return figure_id.split(":")[-1]


def make(figs: list[Figure], calibrated: bool) -> list[Group]:
    """The groups that judge `figs` (figures.select's, baselines included). Without a
    calibration (no Python 2.7), legacy's calibrated runs are its defaults'."""
    groups: dict[str, Group] = {}

    def group(fig: Figure, threads: Optional[int] = None) -> Group:
        c = fig.threads if threads is None else threads
        kind = "cpu" if fig.kind == "seed" else fig.kind
        name = f"cpu:{c}" if kind == "cpu" else ("handoff" if kind == "handoff" else f"{fig.stem}:{c}")
        return groups.setdefault(name, Group(name, kind, c, fig.io_threads))

    for fig in figs:
        if fig.baseline:
            continue
        gil = figures.GIL_OF_POLICY[fig.policy]
        targets = [group(fig)] + ([group(fig, 0)] if fig.baseline_id else [])
        for g in targets:
            g.real.setdefault(gil, set()).add(fig.setting)
            for _role, model_id, policy in fig.roles():
                if policy == "legacy" and not calibrated:
                    policy = DEFAULTS
                g.model.add((policy, _setting(model_id, fig.kind, policy)))
    return sorted(groups.values(), key=Group.key)


def real_runs(g: Group, interps: list[dict]) -> list[tuple[dict, Optional[str]]]:
    """(interpreter, setting) of a group's real runs, in order."""
    return [(i, s) for i in interps for s in sorted(g.real.get(i["gil"], ()), key=str)]


def estimate_s(groups: list[Group], interps: list[dict], cfg: dict) -> float:
    """A rough duration of one repetition (seconds), for the ETA before the first one ends:
    each real run's own time plus ~0.1 s to start the interpreter, each model run's plus
    ~0.3 s per sumbench invocation, and the quiet windows."""
    waits, io_s, cpu_s = cfg["waits"], cfg["io_seconds"], cfg["cpu_seconds"]
    total = 0.0
    for g in groups:
        for _i, s in real_runs(g, interps):
            total += 0.1 + _run_s(g, s, waits, io_s, 3 * cpu_s, cfg)
        total += 0.6 + sum(_run_s(g, s, waits, io_s, 0.4 * (1 + 2 * (g.kind == "cpu")), cfg) for _p, s in g.model)
        total += 1.0 if cfg["quiet_wait"] > 0 else 0.0
    return total


def _run_s(g: Group, setting: Optional[str], waits: int, io_s: float, cpu_s: float, cfg: dict) -> float:
    interval = float(setting[:-2]) / 1000 if setting and setting.endswith("ms") else 0.0
    # ~1 interval per wait at C = 1, ~3 at C = 2 and 3 (docs/DESIGN.md, GIL policies: convoy states)
    if g.kind == "convoy":
        return waits * (1e-3 + interval * (0 if g.threads == 0 else (1 if g.threads == 1 else 3)))
    if g.kind == "ioconvoy":
        return io_s
    if g.kind == "handoff":
        return 0.1 if cfg["quick"] else 0.5
    return cpu_s
