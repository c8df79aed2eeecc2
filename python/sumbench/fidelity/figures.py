"""The fidelity experiment's figures, the model runs that judge them (the right policy and
its controls), and the mechanisms that limit a figure; pure (no I/O).

  cpu:K          the post's loop split over K threads, time against the same loop in one
                 thread (K = 2, 3): the model's gil at K threads over gil at 1, the real
                 interpreter's K threading.Threads over one
  seed:K         the post's own comparison, measured in the same runs: K threads against
                 the serial loop (the model's gil at K threads over its serial mode, the
                 interpreter's K threads over its main thread)
  convoy:C:S     added latency of one I/O thread's 1 ms sleeps beside C spinning threads
                 (C = 1, 2, 3), at switch interval S (1ms, 5ms: Python 3) or at Python 2's
                 default check interval (check100), judged after subtracting the same
                 side's convoy:0:S (the sleep's own overshoot, no CPU thread)
  ioconvoy:C:S   Beazley's I/O convoy (bpo-7946): operations per second of an I/O thread
                 whose 1-byte socketpair ping-pongs complete at once, beside C spinning
                 threads, relative to the same side's ioconvoy:0:S; ioconvoy2: two I/O threads
  handoff:S      seconds per GIL hand-off between two spinning threads

Each figure is judged for the policy that models its interpreter (legacy: CPython 2.7's
old GIL; cpython: 3.2+'s new GIL, 3.11 the reference, the other 3.x the spread), and for
controls under the same rule: fifo, none, and the crossed pairing (cpython against Python
2.7, legacy against 3.x). Legacy's figures are judged twice: calibrated (--gil-tick from
Python 2.7's bytecode, measured each repetition) and with sumbench's defaults (no
calibration flag). A figure discriminates when its policy passes and every control fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

POLICY_OF_GIL = {"old": "legacy", "new": "cpython"}      # gil_kind -> the policy modelling it
GIL_OF_POLICY = {v: k for k, v in POLICY_OF_GIL.items()}
REFERENCE = {"legacy": "2.7", "cpython": "3.11"}          # the version each policy is judged on
DEFAULTS = "legacy-defaults"   # legacy with no calibration flag: the bytecode sumbench stores
SETTING_OF = {"legacy": "check100", "cpython": "5ms"}    # each GIL's own default setting
QUICK = ("cpu:2", "convoy:2:check100", "convoy:2:1ms", "ioconvoy:1:5ms")
BASELINE_OP = {"convoy": "minus", "ioconvoy": "over"}     # verdict.Side.op of a kind's baseline

# What limits the model, per figure kind and policy: shown beside a figure it does not
# reproduce. "DESIGN.md: X" names item X of docs/DESIGN.md's "GIL policies", which gives the
# evidence behind each line.
MECHANISMS = {
    ("cpu", "cpython"): "the interpreter's threads hand the GIL over every switch interval and touch "
                        "shared interpreter state between checks; the model's threads share only "
                        "the lock (DESIGN.md: CPU denominator)",
    ("cpu", "legacy"): "the old GIL's semaphore fight sets in or not, on both sides (DESIGN.md: "
                       "bimodal fight); the model has no interpreter state that both threads touch",
    ("seed", "cpython"): "against the serial loop the interpreter's figure includes which vCPU its "
                         "main thread and its worker threads ran on: the guest's two vCPUs differ in "
                         "speed by up to 1.8x from minute to minute, and pinned to one the main thread "
                         "is as fast as a worker, so no GIL effect (DESIGN.md: main thread), while the "
                         "model's gil mode pays ~10% for its ticks that its serial mode does not "
                         "(DESIGN.md: CPU denominator)",
    ("seed", "legacy"): "against the serial loop the interpreter's figure includes the vCPU its main "
                        "thread ran on (DESIGN.md: main thread) and the model's the cost of its ticks "
                        "(DESIGN.md: CPU denominator), beside the semaphore fight of cpu:K",
    ("convoy", "cpython"): "a run settles into waiting a whole number of switch intervals, and which "
                           "number differs from run to run, on both sides; the interpreter's own figure "
                           "drifts up to 5x within an hour on a quiet machine (DESIGN.md: convoy states); "
                           "the race is "
                           "decided in nanoseconds: 22 ns between a drop request and the signal moves "
                           "C=3 at 5 ms by a third (DESIGN.md: release path); load moves the race too "
                           "(DESIGN.md: load)",
    ("convoy", "legacy"): "a 1 ms sleep's own overshoot dominates; what is left is the semaphore "
                          "hand-off's futex wake (DESIGN.md: old-GIL I/O latency), tens of microseconds",
    ("ioconvoy", "cpython"): "each operation releases the GIL twice and must win it back from a "
                             "spinning thread: whether the CPU thread has woken and taken it within "
                             "the microseconds the syscall lasts decides the figure, so scheduler "
                             "wake-up latency and the interpreter's own work between the calls "
                             "(bytecodes the model does not run) move it",
    ("ioconvoy", "legacy"): "the I/O thread's sem_post/sem_wait around each syscall races the woken "
                            "CPU thread for the semaphore; the model runs no bytecodes between the calls",
    ("handoff", "cpython"): "the waiter's wake-up after its timed wait is the scheduler's (DESIGN.md: load)",
    ("handoff", "legacy"): "how often the woken waiter wins the semaphore: the hand-off loop's "
                           "bytecodes cost 1.35x the post's loop's that the tick is calibrated on, "
                           "and at the same check cycle 2.7's waiter still wins a quarter of the "
                           "checks against the model's ~0.4 (DESIGN.md: old-GIL hand-off)",
}


@dataclass(frozen=True)
class Figure:
    id: str                 # cpu:2, seed:2, convoy:2:1ms, ioconvoy2:1:5ms, handoff:check100
    policy: str             # the gil policy that models it: legacy or cpython
    kind: str               # cpu, seed, convoy, ioconvoy, handoff
    threads: int            # cpu, seed: K; convoy, ioconvoy: C CPU threads; handoff: 2
    setting: Optional[str] = None    # 1ms, 5ms, check100; None: the interpreter's default
    io_threads: int = 1     # ioconvoy: 1 or 2

    @property
    def interval(self) -> Optional[str]:
        return self.setting if self.setting and self.setting.endswith("ms") else None

    @property
    def check(self) -> Optional[int]:
        return int(self.setting[5:]) if self.setting and self.setting.startswith("check") else None

    @property
    def unit(self) -> str:
        return {"cpu": "x", "seed": "x", "ioconvoy": "rel"}.get(self.kind, "s")

    @property
    def raw_unit(self) -> str:
        """The unit of one run's value: ioconvoy's is operations per second."""
        return "ops" if self.kind == "ioconvoy" else self.unit

    @property
    def baseline(self) -> bool:
        """A C = 0 run: measured and subtracted or divided by, not judged."""
        return self.kind in BASELINE_OP and self.threads == 0

    @property
    def stem(self) -> str:          # the id's first part: ioconvoy2 for the two-I/O variant
        return self.id.split(":")[0]

    def at(self, setting: Optional[str]) -> str:
        """This figure's id at another setting (a control's run); the same for cpu and seed."""
        return self.id if self.kind in ("cpu", "seed") else ":".join(self.id.split(":")[:-1] + [setting])

    @property
    def baseline_id(self) -> Optional[str]:
        return f"{self.stem}:0:{self.setting}" if self.kind in BASELINE_OP else None

    @property
    def label(self) -> str:
        where = f"check interval {self.check}" if self.check else \
            (f"interval {self.interval.replace('ms', ' ms')}" if self.interval else "")
        if self.kind == "cpu":
            return f"CPU, {self.threads} threads / 1 thread"
        if self.kind == "seed":
            return f"CPU, {self.threads} threads / serial loop (the post's)"
        if self.kind == "convoy":
            return f"convoy, C={self.threads}, {where}"
        if self.kind == "ioconvoy":
            ios = "2 I/O threads" if self.io_threads == 2 else "I/O"
            return f"{ios} ops/s beside C={self.threads} / C=0, {where}"
        return f"hand-off, {where}"

    @property
    def mechanism(self) -> str:
        return MECHANISMS[(self.kind, self.policy)]

    def roles(self) -> list[tuple[str, str, str]]:
        """(role, model figure id, model policy) judged on this figure: the right policy
        ("policy"; legacy also "defaults"), then the controls (fifo, none, crossed)."""
        if self.policy == "cpython":
            own = self.setting or "5ms"
            return [("policy", self.id, "cpython"), ("fifo", self.at(own), "fifo"),
                    ("none", self.at("5ms"), "none"), ("crossed", self.at("check100"), "legacy")]
        return [("policy", self.id, "legacy"), ("defaults", self.id, DEFAULTS), ("fifo", self.at("5ms"), "fifo"),
                ("none", self.at("5ms"), "none"), ("crossed", self.at("5ms"), "cpython")]


def all_figures() -> list[Figure]:
    """Every figure, baselines included, in the table's order."""
    out = []
    for kind in ("cpu", "seed"):
        for policy in ("legacy", "cpython"):
            out += [Figure(f"{kind}:{k}", policy, kind, k) for k in (2, 3)]
    settings = [("legacy", "check100"), ("cpython", "1ms"), ("cpython", "5ms")]
    for policy, s in settings:
        out += [Figure(f"convoy:{c}:{s}", policy, "convoy", c, s) for c in (0, 1, 2, 3)]
    for policy, s in settings:
        out += [Figure(f"ioconvoy:{c}:{s}", policy, "ioconvoy", c, s) for c in (0, 1, 2, 3)]
        out += [Figure(f"ioconvoy2:{c}:{s}", policy, "ioconvoy", c, s, io_threads=2) for c in (0, 1, 2)]
    for policy, s in settings:
        out.append(Figure(f"handoff:{s}", policy, "handoff", 2, s))
    return out


def judged() -> list[Figure]:
    return [f for f in all_figures() if not f.baseline]


def select(wanted: str = "", quick: bool = False) -> list[Figure]:
    """The figures named by --figures (ids or prefixes: cpu, convoy:2, handoff:5ms), any of the
    judged figures (--quick makes them small, it does not narrow the choice); without --figures
    all of them, or QUICK's few with --quick; with what their runs also give: seed:K with cpu:K,
    and each convoy's C = 0 baseline. [] when nothing matches."""
    if wanted:
        want = [w for w in wanted.split(",") if w]
        figs = [f for f in judged() if any(f.id == w or f.id.startswith(w + ":") for w in want)]
    else:
        figs = [f for f in judged() if not quick or f.id in QUICK]
    extra = {(f"seed:{f.threads}", f.policy) for f in figs if f.kind == "cpu"} | \
        {(f.baseline_id, f.policy) for f in figs if f.baseline_id}
    return [f for f in all_figures() if f in figs or (f.id, f.policy) in extra]


def fmt(value: Optional[float], unit: str) -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "ops":
        return f"{value:.0f}/s"
    if unit == "rel":
        return f"x{value:.4f}" if value < 0.1 else f"x{value:.2f}"
    if abs(value) >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.0f} us"
