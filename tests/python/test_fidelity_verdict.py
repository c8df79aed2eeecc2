"""The fidelity verdict (sumbench.fidelity.verdict) and the discrimination of a figure
(sumbench.fidelity.scorecard) on synthetic samples.

The spreads are those of recorded runs (fidelity-vm-20261130T131810Z, removed from
bench/results; git history: 2d4c0e4; 3.11.7 and 2.7.18 per-run values): a model off by 1.5x
with the real spread must fail and one equal in distribution must pass, for every one of 20
random draws; where the spread is as wide as the convoy's states, 15 runs cannot show
equality, and the verdict says inconclusive rather than pass or fail.
"""

import random
import unittest

from sumbench.fidelity import figures, scorecard, verdict
from sumbench.fidelity.verdict import FAIL, INCONCLUSIVE, PASS, TOO_FEW, TOO_SMALL, Side

RUNS = 15
# log-normal sigma of the per-run values, from the recorded IQRs (IQR ~ 1.35 sigma in logs)
SPREADS = {"cpu:2 3.11.7": 0.035, "cpu:2 2.7.18": 0.07, "handoff:5ms": 0.015, "convoy:1:1ms": 0.03,
           "handoff:check100": 0.12}
WIDE = 0.6   # convoy:2:1ms in 3.11.7: IQR 3.54-8.78 ms


def draw(rng, median, sigma, n=RUNS):
    return [median * rng.lognormvariate(0, sigma) for _ in range(n)]


class Verdict(unittest.TestCase):
    def test_off_by_one_and_a_half_fails_equal_passes(self):
        for name, sigma in SPREADS.items():
            for seed in range(20):
                rng = random.Random(seed)
                real = draw(rng, 1.0, sigma)
                with self.subTest(figure=name, seed=seed):
                    equal = verdict.judge(Side(draw(rng, 1.0, sigma)), Side(real))
                    self.assertEqual(equal.outcome, PASS, equal)
                    high = verdict.judge(Side(draw(rng, 1.5, sigma)), Side(real))
                    self.assertEqual(high.outcome, FAIL, high)
                    self.assertGreater(high.low, verdict.BAND[1])
                    # 1/1.5 is as far below the band as 1.5 is above it (in logs); with 2.7's hand-off
                    # spread (sigma 0.12) 15 runs show it in most draws, and never pass it.
                    low = verdict.judge(Side(draw(rng, 1 / 1.5, sigma)), Side(real))
                    self.assertEqual(low.outcome, FAIL if sigma < 0.1 else low.outcome, low)
                    self.assertNotEqual(low.outcome, PASS, low)

    def test_a_spread_too_wide_for_fifteen_runs_is_inconclusive_not_pass(self):
        for seed in range(10):
            rng = random.Random(seed)
            real = draw(rng, 4e-3, WIDE)
            with self.subTest(seed=seed):
                self.assertNotEqual(verdict.judge(Side(draw(rng, 4e-3, WIDE)), Side(real)).outcome, FAIL)
                self.assertNotEqual(verdict.judge(Side(draw(rng, 6e-3, WIDE)), Side(real)).outcome, PASS)

    def test_deterministic(self):
        rng = random.Random(3)
        a, b = draw(rng, 1.0, 0.2), draw(rng, 1.1, 0.2)
        self.assertEqual(verdict.judge(Side(a), Side(b)), verdict.judge(Side(list(a)), Side(list(b))))

    def test_the_sleeps_overshoot_is_subtracted_and_a_remainder_near_zero_is_too_small(self):
        rng = random.Random(5)
        overshoot = lambda: draw(rng, 80e-6, 0.05)   # noqa: E731 the 1 ms sleep's own, C = 0
        # 2.7-like: 100 us per wait of which 80 us is the sleep's own; the model adds 20 us too.
        real = Side(draw(rng, 100e-6, 0.02), overshoot(), "minus")
        same = verdict.judge(Side(draw(rng, 100e-6, 0.02), overshoot(), "minus"), real)
        self.assertAlmostEqual(same.real, 20e-6, delta=6e-6)
        self.assertNotEqual(same.outcome, FAIL)
        # Judged on the raw waits a model adding 60 us (160 against 100) is 1.6x; on the remainder 4x.
        far = verdict.judge(Side(draw(rng, 160e-6, 0.02), overshoot(), "minus"), real)
        self.assertEqual(far.outcome, FAIL)
        self.assertGreater(far.ratio, 2.5)
        nothing = Side(draw(rng, 80e-6, 0.05), overshoot(), "minus")   # no more than the overshoot
        small = verdict.judge(Side(draw(rng, 100e-6, 0.02), overshoot(), "minus"), nothing)
        self.assertEqual(small.outcome, TOO_SMALL, small)
        self.assertIn("not above zero", small.why)

    def test_relative_to_c0(self):
        rng = random.Random(7)
        real = Side(draw(rng, 400.0, 0.1), draw(rng, 467e3, 0.03), "over")    # 3.11.7: x0.0009
        model = Side(draw(rng, 40e3, 0.1), draw(rng, 400e3, 0.03), "over")    # x0.1
        v = verdict.judge(model, real)
        self.assertEqual(v.outcome, FAIL)
        self.assertAlmostEqual(v.real, 400 / 467e3, delta=2e-4)
        self.assertGreater(v.ratio, 50)

    def test_too_few_runs(self):
        self.assertEqual(verdict.judge(Side([1.0] * 4), Side([1.0] * 15)).outcome, TOO_FEW)
        self.assertEqual(verdict.judge(Side([1.0] * 15, [1.0] * 3, "minus"), Side([2.0] * 15, [1.0] * 9, "minus")).outcome,
                         TOO_FEW)


class States(unittest.TestCase):
    @staticmethod
    def runs(rng, shares, n=RUNS, waits=100, interval=5e-3):
        """Runs of per-wait added latencies, each run settled into one state (docs/DESIGN.md, GIL
        policies: convoy states)."""
        out = []
        for _ in range(n):
            k = rng.choices(range(1, len(shares) + 1), weights=shares)[0]
            out.append([k * interval - 1e-3 + rng.uniform(-3e-4, 3e-4) for _ in range(waits)])
        return out

    def test_state_of(self):
        self.assertEqual([verdict.state_of(a, 1e-3, 5e-3) for a in (4.2e-3, 9.3e-3, 14.4e-3, 0.1e-3, 90e-3)],
                         [1, 2, 3, 1, verdict.STATES])

    def test_same_states_pass_other_states_fail(self):
        rng = random.Random(11)
        real = self.runs(rng, [1, 0, 0])
        self.assertEqual(verdict.compare_states(self.runs(rng, [1, 0, 0]), real, 5e-3)["outcome"], PASS)
        other = verdict.compare_states(self.runs(rng, [0, 1, 0]), real, 5e-3)
        self.assertEqual(other["outcome"], FAIL)
        self.assertAlmostEqual(other["real"][0], 1.0)
        mixed = self.runs(rng, [0.5, 0.5, 0])
        self.assertEqual(verdict.compare_states(self.runs(rng, [0.5, 0.5, 0]), mixed, 5e-3)["outcome"], INCONCLUSIVE)

    def test_combined_with_the_ratio(self):
        passed = verdict.Verdict(PASS, 1.0, 0.9, 1.1, why="in")
        self.assertEqual(verdict.combine(passed, {"outcome": FAIL, "why": "x"}).outcome, FAIL)
        self.assertEqual(verdict.combine(passed, {"outcome": INCONCLUSIVE, "why": "x"}).outcome, INCONCLUSIVE)
        self.assertEqual(verdict.combine(passed, {"outcome": PASS, "why": "x"}).outcome, PASS)
        self.assertEqual(verdict.combine(verdict.Verdict(FAIL), {"outcome": PASS, "why": "x"}).outcome, FAIL)


def ms(figure, policy, values, source=scorecard.SOURCE_MODEL, version=None):
    gil = figures.GIL_OF_POLICY.get(policy, "new")
    return [{"figure": figure, "policy": policy, "source": source, "value": v, "repetition": i,
             "interpreter": {"version": version, "gil": gil} if version else None} for i, v in enumerate(values)]


class Peers(unittest.TestCase):
    """The rule's own check: each other interpreter judged as the model against the reference.
    One drawn like the reference passes, one 1.5x off fails, a wide one is inconclusive; a
    figure with one interpreter has no peers."""

    def test_each_other_interpreter_is_judged_against_the_reference(self):
        rng = random.Random(7)
        m = ms("handoff:5ms", "cpython", draw(rng, 5.2e-3, 0.015), scorecard.SOURCE_REAL, "3.11.7")
        m += ms("handoff:5ms", "cpython", draw(rng, 5.2e-3, 0.015), scorecard.SOURCE_REAL, "3.12.1")
        m += ms("handoff:5ms", "cpython", draw(rng, 7.8e-3, 0.015), scorecard.SOURCE_REAL, "3.10.13")
        m += ms("handoff:5ms", "cpython", draw(rng, 5.2e-3, 0.8), scorecard.SOURCE_REAL, "3.9.18")
        m += ms("handoff:5ms", "cpython", draw(rng, 5.2e-3, 0.015))
        (s,) = scorecard.summarize(m)
        self.assertEqual(s["reference"], "3.11.7")
        self.assertEqual({v: p["outcome"] for v, p in s["peers"].items()},
                         {"3.12.1": PASS, "3.10.13": FAIL, "3.9.18": INCONCLUSIVE})
        self.assertAlmostEqual(s["peers"]["3.10.13"]["ratio"], 1.5, delta=0.05)
        t = scorecard.tally([s])
        self.assertEqual((t["peer_figures"], t["peer_passable"], t["peer_too_wide"], t["peer_differ"]), (1, 1, 0, 0))
        # The verdict of the model is its own: the peers change nothing in it.
        self.assertEqual(s["outcome"], PASS)

    def test_the_tally_tells_a_wide_spread_from_a_difference(self):
        rng = random.Random(9)
        wide = ms("handoff:5ms", "cpython", draw(rng, 5.2e-3, 0.015), scorecard.SOURCE_REAL, "3.11.7")
        wide += ms("handoff:5ms", "cpython", draw(rng, 5.2e-3, 0.8), scorecard.SOURCE_REAL, "3.9.18")
        wide += ms("handoff:5ms", "cpython", draw(rng, 5.2e-3, 0.015))
        differ = ms("handoff:1ms", "cpython", draw(rng, 1.2e-3, 0.015), scorecard.SOURCE_REAL, "3.11.7")
        differ += ms("handoff:1ms", "cpython", draw(rng, 1.8e-3, 0.015), scorecard.SOURCE_REAL, "3.12.1")
        differ += ms("handoff:1ms", "cpython", draw(rng, 1.2e-3, 0.015))
        # A peer with too few runs says nothing: the figure does not count.
        unjudged = ms("cpu:2", "cpython", draw(rng, 1.0, 0.015), scorecard.SOURCE_REAL, "3.11.7")
        unjudged += ms("cpu:2", "cpython", draw(rng, 1.0, 0.015, n=3), scorecard.SOURCE_REAL, "3.12.1")
        unjudged += ms("cpu:2", "cpython", draw(rng, 1.0, 0.015))
        table = scorecard.summarize(wide + differ + unjudged)
        self.assertEqual({s["figure"]: [p["outcome"] for p in s["peers"].values()] for s in table},
                         {"handoff:5ms": [INCONCLUSIVE], "handoff:1ms": [FAIL], "cpu:2": [TOO_FEW]})
        t = scorecard.tally(table)
        self.assertEqual((t["peer_figures"], t["peer_passable"], t["peer_too_wide"], t["peer_differ"]), (2, 0, 1, 1))

    def test_no_peers_with_one_interpreter(self):
        rng = random.Random(8)
        m = ms("handoff:5ms", "cpython", draw(rng, 5.2e-3, 0.015), scorecard.SOURCE_REAL, "3.11.7")
        m += ms("handoff:5ms", "cpython", draw(rng, 5.2e-3, 0.015))
        (s,) = scorecard.summarize(m)
        self.assertEqual(s["peers"], {})
        self.assertEqual(scorecard.tally([s])["peer_figures"], 0)


class Discrimination(unittest.TestCase):
    """A figure discriminates only when its policy passes and every control fails."""

    def table(self, controls):
        rng = random.Random(13)
        m = ms("handoff:5ms", "cpython", draw(rng, 5.2e-3, 0.015), scorecard.SOURCE_REAL, "3.11.7")
        m += ms("handoff:5ms", "cpython", draw(rng, 5.2e-3, 0.015))
        for policy, figure, median in controls:
            m += ms(figure, policy, draw(rng, median, 0.015))
        (s,) = scorecard.summarize(m)
        return s

    def test_every_control_fails(self):
        s = self.table([("fifo", "handoff:5ms", 10e-3), ("none", "handoff:5ms", 0.3), ("legacy", "handoff:check100", 40e-6)])
        self.assertTrue(s["passed"])
        self.assertTrue(s["discriminates"], s["discrimination"])
        self.assertEqual([r["role"] for r in s["roles"]], ["policy", "fifo", "none", "crossed"])
        self.assertEqual([r["outcome"] for r in s["roles"]], [PASS, FAIL, FAIL, FAIL])
        self.assertEqual(scorecard.tally([s])["discriminating"], 1)

    def test_a_control_that_passes_too(self):
        s = self.table([("fifo", "handoff:5ms", 5.2e-3), ("none", "handoff:5ms", 0.3), ("legacy", "handoff:check100", 40e-6)])
        self.assertTrue(s["passed"])
        self.assertFalse(s["discriminates"])
        self.assertIn("fifo: pass", s["discrimination"])
        self.assertEqual(scorecard.tally([s]), dict(scorecard.tally([s]), discriminating=0, passed=1))

    def test_controls_not_measured(self):
        s = self.table([])
        self.assertFalse(s["discriminates"])
        self.assertIn("no control was measured", s["discrimination"])


class Plan(unittest.TestCase):
    """Every role of every figure has its model run, and its C = 0 run where it has one, in
    the plan of each repetition; real runs at the figure's own setting."""

    def test_every_role_is_run(self):
        from sumbench.fidelity import plan
        figs = figures.select()
        groups = {g.name: g for g in plan.make(figs, calibrated=True)}
        for fig in (f for f in figs if not f.baseline):
            kind = "cpu" if fig.kind == "seed" else fig.kind
            name = f"cpu:{fig.threads}" if kind == "cpu" else ("handoff" if kind == "handoff" else
                                                               f"{fig.stem}:{fig.threads}")
            names = [name] + ([f"{fig.stem}:0"] if fig.baseline_id else [])
            for g in names:
                self.assertIn(fig.setting, groups[g].real[figures.GIL_OF_POLICY[fig.policy]], (fig.id, g))
                for role, model_id, policy in fig.roles():
                    setting = model_id.split(":")[-1] if fig.kind not in ("cpu", "seed") else \
                        ("check100" if policy in ("legacy", figures.DEFAULTS) else "5ms")
                    self.assertIn((policy, setting), groups[g].model, (fig.id, role, g))
        uncalibrated = plan.make(figs, calibrated=False)
        self.assertFalse(any(p == "legacy" for g in uncalibrated for p, _ in g.model))
        self.assertTrue(all((figures.DEFAULTS, "check100") in g.model for g in uncalibrated))

    def test_selection_brings_its_baselines_and_seed(self):
        ids = {(f.id, f.policy) for f in figures.select("cpu:3,ioconvoy2:1:5ms")}
        self.assertEqual(ids, {("cpu:3", "legacy"), ("cpu:3", "cpython"), ("seed:3", "legacy"), ("seed:3", "cpython"),
                               ("ioconvoy2:1:5ms", "cpython"), ("ioconvoy2:0:5ms", "cpython")})
        self.assertEqual(len([f for f in figures.select() if not f.baseline]), 35)


if __name__ == "__main__":
    unittest.main()
