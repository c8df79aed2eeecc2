"""The verdict of one model against one real interpreter on one figure (issue 20): a
bootstrap confidence interval of the model/real ratio over the whole per-run
distributions, and, for the convoys of two or three CPU threads, the shares of waits in
each state. Pure and deterministic (a fixed seed); the standard library only.

The rule, fixed before the recorded run:
  unit        one run: a repetition's value (a run's mean added latency per wait, its
              operations per second, its CPU ratio, its time per hand-off). Waits within a
              run are not independent (a run settles into a state: docs/DESIGN.md, GIL policies,
              convoy states), so runs are
              resampled, never waits.
  statistic   median(model) / median(real), each side after its own baseline where the
              figure has one: a convoy figure subtracts the median of the same side's
              C = 0 runs, the 1 ms sleep's own overshoot, and judges the remainder; an I/O
              convoy figure divides by it (operations per second relative to C = 0). A
              baseline is resampled together with its side.
  interval    percentile bootstrap, RESAMPLES resamples of each side independently, seed
              SEED, LEVEL two-sided: the two one-sided tests at 5% of an equivalence test.
  outcome     pass: the interval lies inside BAND; fail: it lies wholly outside BAND;
              otherwise inconclusive. Too small to judge: the real side's remainder (its
              own interval) reaches zero, so no ratio is defined. Too few runs: fewer than
              MIN_RUNS on a side or in a baseline.
  states      (compare_states) each wait's state is k = round((added + wait) / interval),
              1 .. STATES (the last: that many or more); per state the difference of the
              shares of waits, model - real, with the same bootstrap over runs; pass when
              every state's interval lies inside +-STATE_BAND, fail when one lies wholly
              outside it, else inconclusive. combine(): a figure with states passes when
              both pass and fails when either fails.
A control (a wrong policy, or the right one against the wrong interpreter) counts as
failing only with outcome "fail": an inconclusive control has not been shown wrong.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

BAND = (0.8, 1.25)
LEVEL = 0.90
RESAMPLES = 2000
SEED = 20
MIN_RUNS = 5
STATES = 8
STATE_BAND = 0.25

PASS, FAIL, INCONCLUSIVE, TOO_SMALL, TOO_FEW, NO_DATA = (
    "pass", "fail", "inconclusive", "too small to judge", "too few runs", "no data")


@dataclass(frozen=True)
class Side:
    """One side's per-run values, and its C = 0 baseline runs where the figure has one:
    op "minus" judges value - median(baseline), "over" value / median(baseline)."""
    values: Sequence[float]
    baseline: Sequence[float] = ()
    op: str = ""

    def statistic(self, values=None, baseline=None) -> float:
        v = statistics.median(self.values if values is None else values)
        if not self.op:
            return v
        b = statistics.median(self.baseline if baseline is None else baseline)
        if self.op == "minus":
            return v - b
        return v / b if b > 0 else math.inf


@dataclass
class Verdict:
    outcome: str
    ratio: Optional[float] = None
    low: Optional[float] = None
    high: Optional[float] = None
    model: Optional[float] = None        # the model's statistic (after its baseline)
    real: Optional[float] = None         # the interpreter's
    why: str = ""
    states: Optional[dict] = field(default=None)

    @property
    def passed(self) -> bool:
        return self.outcome == PASS

    @property
    def failed(self) -> bool:
        return self.outcome == FAIL

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "ratio": self.ratio, "low": self.low, "high": self.high,
                "model": self.model, "real": self.real, "why": self.why, "states": self.states}


def _percentiles(sorted_values: list[float]) -> tuple[float, float]:
    tail = (1 - LEVEL) / 2
    last = len(sorted_values) - 1
    return sorted_values[int(round(tail * last))], sorted_values[int(round((1 - tail) * last))]


def _resampled(side: Side, rng: random.Random) -> list[float]:
    vals, base = list(side.values), list(side.baseline)
    out = []
    for _ in range(RESAMPLES):
        v = rng.choices(vals, k=len(vals))
        b = rng.choices(base, k=len(base)) if side.op else None
        out.append(side.statistic(v, b))
    return out


def _ratio(m: float, r: float) -> float:
    if r > 0:
        return m / r
    return math.inf if m > 0 else -math.inf   # no finite ratio: to the tails


def _fmt(x: float) -> str:
    return f"{x:.2f}" if math.isfinite(x) else ("inf" if x > 0 else "-inf")


def judge(model: Side, real: Side) -> Verdict:
    """The verdict of `model` against `real` under the module's rule."""
    if not model.values or not real.values:
        return Verdict(NO_DATA, why="no " + ("model" if not model.values else "interpreter") + " run")
    for name, side in (("model", model), ("interpreter", real)):
        if len(side.values) < MIN_RUNS or (side.op and len(side.baseline) < MIN_RUNS):
            got = len(side.values) if len(side.values) < MIN_RUNS else len(side.baseline)
            what = "runs" if len(side.values) < MIN_RUNS else "C = 0 runs"
            return Verdict(TOO_FEW, why=f"{got} {name} {what}; the rule needs {MIN_RUNS} or more")
    m, r = model.statistic(), real.statistic()
    rng = random.Random(SEED)
    boot_m, boot_r = _resampled(model, rng), _resampled(real, rng)
    r_low, r_high = _percentiles(sorted(boot_r))
    if real.op == "minus" and r_low <= 0:
        return Verdict(TOO_SMALL, model=m, real=r,
                       why=f"the interpreter's figure after the sleep's own overshoot is {r * 1e6:.0f} us, "
                           f"{LEVEL:.0%} CI [{r_low * 1e6:.0f}, {r_high * 1e6:.0f}] us: not above zero")
    ratios = sorted(_ratio(a, b) for a, b in zip(boot_m, boot_r))
    low, high = _percentiles(ratios)
    ci = f"{LEVEL:.0%} CI [{_fmt(low)}, {_fmt(high)}]"
    if BAND[0] <= low and high <= BAND[1]:
        outcome, why = PASS, f"{ci} inside [{BAND[0]}, {BAND[1]}]"
    elif high < BAND[0] or low > BAND[1]:
        outcome, why = FAIL, f"{ci} {'below' if high < BAND[0] else 'above'} [{BAND[0]}, {BAND[1]}]"
    else:
        outcome, why = INCONCLUSIVE, f"{ci} reaches outside [{BAND[0]}, {BAND[1]}]"
    return Verdict(outcome, _ratio(m, r), low, high, m, r, why)


def state_of(added_s: float, wait_s: float, interval_s: float) -> int:
    """The state of one wait: how many switch intervals its whole duration spans."""
    return min(STATES, max(1, int(round((added_s + wait_s) / interval_s))))


def _shares(waits: Sequence[float], wait_s: float, interval_s: float) -> list[float]:
    counts = [0] * STATES
    for a in waits:
        counts[state_of(a, wait_s, interval_s) - 1] += 1
    return [c / len(waits) for c in counts] if waits else counts


def _mean_shares(runs: list[list[float]]) -> list[float]:
    return [sum(r[k] for r in runs) / len(runs) for k in range(STATES)]


def compare_states(model_runs: Sequence[Sequence[float]], real_runs: Sequence[Sequence[float]],
                   interval_s: float, wait_s: float = 1e-3) -> dict:
    """The shares of waits per state on each side (each run's waits; runs resampled) and
    the verdict on their differences (see the module's rule)."""
    m = [_shares(w, wait_s, interval_s) for w in model_runs if w]
    r = [_shares(w, wait_s, interval_s) for w in real_runs if w]
    if len(m) < MIN_RUNS or len(r) < MIN_RUNS:
        return {"outcome": TOO_FEW if m and r else NO_DATA, "model": None, "real": None, "diffs": None,
                "why": f"per-wait samples of {len(m)} model and {len(r)} interpreter runs; "
                       f"the rule needs {MIN_RUNS} or more"}
    rng = random.Random(SEED + 1)
    diffs = [[] for _ in range(STATES)]
    for _ in range(RESAMPLES):
        sm, sr = _mean_shares(rng.choices(m, k=len(m))), _mean_shares(rng.choices(r, k=len(r)))
        for k in range(STATES):
            diffs[k].append(sm[k] - sr[k])
    point_m, point_r = _mean_shares(m), _mean_shares(r)
    cis = [_percentiles(sorted(d)) for d in diffs]
    out_of_band = [k + 1 for k, (lo, hi) in enumerate(cis) if lo > STATE_BAND or hi < -STATE_BAND]
    inside = all(-STATE_BAND <= lo and hi <= STATE_BAND for lo, hi in cis)
    outcome = FAIL if out_of_band else (PASS if inside else INCONCLUSIVE)
    worst = max(range(STATES), key=lambda k: max(abs(cis[k][0]), abs(cis[k][1])))
    why = (f"state {out_of_band[0]}: share differs by {point_m[out_of_band[0] - 1] - point_r[out_of_band[0] - 1]:+.2f}"
           if out_of_band else f"largest: state {worst + 1}, {LEVEL:.0%} CI [{cis[worst][0]:+.2f}, "
                                f"{cis[worst][1]:+.2f}] of the share difference")
    return {"outcome": outcome, "model": point_m, "real": point_r,
            "diffs": [[point_m[k] - point_r[k], lo, hi] for k, (lo, hi) in enumerate(cis)], "why": why}


def combine(v: Verdict, states: Optional[dict]) -> Verdict:
    """A figure's verdict with its states: pass when both pass, fail when either fails."""
    if not states:
        return v
    s = states["outcome"]
    if v.outcome == FAIL or s == FAIL:
        outcome = FAIL
    elif v.outcome == PASS and s == PASS:
        outcome = PASS
    elif v.outcome in (PASS, INCONCLUSIVE):
        outcome = INCONCLUSIVE     # states not shown to agree: the figure cannot pass
    else:
        outcome = v.outcome        # too small, too few runs, no data
    return replace(v, outcome=outcome, why=f"{v.why}; states: {s} ({states['why']})", states=states)
