"""Fits recover known serial fractions: Amdahl, Gustafson, Karp-Flatt; scipy's fits,
U test and the statistics module's medians agree with the hand-written code they replaced,
on recorded data (bench/results, data/old_stats.json, data/fidelity-old/samples.json); a
fit needs 3 worker counts and flags a suspect serial fraction."""

import json
import math
import os
import random
import tempfile
import unittest

import fixtures
from sumbench.report import analysis, fits, stats, tables
from sumbench.report.data import load_sweep

OLD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "old_stats.json")
SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "fidelity-old", "samples.json")

WORKERS = [2, 4, 8, 16, 32, 64]


class AmdahlTest(unittest.TestCase):
    def test_exact_data_gives_exact_f(self):
        ps = WORKERS
        ss = [1.0 / (0.1 + 0.9 / p) for p in ps]
        fit = fits.fit_amdahl(ps, ss)
        self.assertAlmostEqual(fit.f, 0.1, places=9)
        self.assertLess(fit.se, 1e-8)
        self.assertEqual(fit.m, len(ps))

    def test_noisy_data_recovers_f_with_standard_error(self):
        rng = random.Random(42)
        ps, ss = [], []
        for p in WORKERS:
            for _ in range(5):
                ps.append(p)
                ss.append(1.0 / (0.1 + 0.9 / p) * (1.0 + rng.gauss(0.0, 0.01)))
        fit = fits.fit_amdahl(ps, ss)
        self.assertAlmostEqual(fit.f, 0.1, delta=0.005)
        self.assertTrue(0.0 < fit.se < 0.005, fit.se)
        # The true value lies within a few standard errors.
        self.assertLess(abs(fit.f - 0.1), 4.0 * fit.se + 1e-4)

    def test_other_fractions_and_starting_far_from_the_answer(self):
        for f in (0.0, 0.02, 0.5, 0.9):
            ss = [1.0 / (f + (1 - f) / p) for p in WORKERS]
            self.assertAlmostEqual(fits.fit_amdahl(WORKERS, ss).f, f, places=7)

    def test_points_at_one_worker_are_ignored_and_one_point_has_no_se(self):
        fit = fits.fit_amdahl([1, 1, 2], [1.0, 1.0, 1.0 / (0.2 + 0.8 / 2)])
        self.assertAlmostEqual(fit.f, 0.2, places=9)
        self.assertEqual(fit.m, 1)
        self.assertNotEqual(fit.se, fit.se)  # nan: no degrees of freedom
        self.assertIsNone(fits.fit_amdahl([1, 1], [1.0, 1.0]))


class GustafsonTest(unittest.TestCase):
    def test_exact_and_noisy(self):
        ss = [p - 0.1 * (p - 1) for p in WORKERS]
        self.assertAlmostEqual(fits.fit_gustafson(WORKERS, ss).f, 0.1, places=10)
        rng = random.Random(7)
        ps, ss = [], []
        for p in WORKERS:
            for _ in range(5):
                ps.append(p)
                ss.append((p - 0.1 * (p - 1)) * (1.0 + rng.gauss(0.0, 0.01)))
        fit = fits.fit_gustafson(ps, ss)
        self.assertAlmostEqual(fit.f, 0.1, delta=0.01)
        self.assertTrue(0.0 < fit.se < 0.01, fit.se)
        self.assertLess(abs(fit.f - 0.1), 4.0 * fit.se + 1e-4)


class KarpFlattTest(unittest.TestCase):
    def test_exact_on_amdahl_data(self):
        for f in (0.0, 0.05, 0.1, 0.3):
            for p in WORKERS:
                s = 1.0 / (f + (1 - f) / p)
                self.assertAlmostEqual(fits.karp_flatt(s, p), f, places=12)

    def test_known_values_and_undefined_cases(self):
        self.assertAlmostEqual(fits.karp_flatt(2.0, 2), 0.0, places=12)
        self.assertAlmostEqual(fits.karp_flatt(1.0, 2), 1.0, places=12)
        self.assertAlmostEqual(fits.karp_flatt(1.6, 4), (1 / 1.6 - 0.25) / 0.75, places=12)
        self.assertNotEqual(fits.karp_flatt(1.0, 1), fits.karp_flatt(1.0, 1))  # nan
        self.assertNotEqual(fits.karp_flatt(0.0, 4), fits.karp_flatt(0.0, 4))  # nan


class FlagsTest(unittest.TestCase):
    def test_a_fraction_at_its_bound_or_below_zero_is_flagged(self):
        flat = fits.fit_amdahl([2, 2, 4, 4], [0.9, 0.95, 0.9, 0.92])     # no speedup at all
        self.assertAlmostEqual(flat.f, 1.0, places=6)
        self.assertIn("at its bound 1", " ".join(flat.flags))
        fast = fits.fit_amdahl([2, 2, 4, 4], [2.2, 2.3, 4.5, 4.6])       # above ideal
        self.assertLess(fast.f, 0)
        self.assertIn("negative serial fraction", " ".join(fast.flags))
        ok = fits.fit_amdahl(WORKERS, [1.0 / (0.1 + 0.9 / p) for p in WORKERS])
        self.assertEqual(ok.flags, [])
        self.assertEqual(fits.karp_flatt_flags(fits.karp_flatt(2.2, 2)),
                         ["negative: speedup above p (superlinear, or noise)"])
        self.assertEqual(fits.karp_flatt_flags(fits.karp_flatt(1.9, 2)), [])


class RecordedDataTest(unittest.TestCase):
    """scipy.optimize.curve_fit, scipy.stats.mannwhitneyu and the statistics module give what
    the hand-written Gauss-Newton fit, U test, median and quartiles gave on recorded data."""

    @classmethod
    def setUpClass(cls):
        with open(OLD, encoding="utf-8") as fh:
            cls.old = json.load(fh)

    def test_fits(self):
        self.assertEqual(len(self.old["fit_functions"]), 8)
        for r in self.old["fit_functions"]:
            fit = (fits.fit_amdahl if r["law"] == "amdahl" else fits.fit_gustafson)(r["p"], r["speedup"])
            self.assertAlmostEqual(fit.f, r["f"], delta=1e-6, msg=r["series"])
            self.assertAlmostEqual(fit.se, r["se"], delta=1e-6 * max(1.0, r["se"]), msg=r["series"])
            self.assertEqual(fit.m, r["m"])

    def test_mann_whitney(self):
        # The recordings' samples (data/fidelity-old/samples.json: their results.csv rows, kept
        # when the recordings left bench/results; git keeps the folders at the commit it names).
        with open(SAMPLES, encoding="utf-8") as fh:
            groups = {folder: {tuple(s["key"]): s["values"] for s in d["samples"]}
                      for folder, d in json.load(fh)["folders"].items()}
        methods = set()
        for m in self.old["mann_whitney"]:
            x, y = (groups[m[s]][tuple(m["key"])] for s in ("a", "b"))
            self.assertEqual([len(x), len(y)], m["n"], m["key"])
            if "round" in m:
                x, y = [round(v, m["round"]) for v in x], [round(v, m["round"]) for v in y]
            u, p, method = stats.mann_whitney_u(x, y)
            methods.add(method)
            self.assertEqual((method, u), (m["method"], m["u"]), m["key"])
            self.assertAlmostEqual(p, m["p"], delta=1e-12, msg=m["key"])
        self.assertEqual(methods, {"exact", "normal"})
        self.assertGreater(len(self.old["mann_whitney"]), 100)

    def test_medians_and_quartiles(self):
        rows = self.old["medians"]
        run = analysis.RunAnalysis(load_sweep(os.path.join(fixtures.SOURCE_DIR, rows[0]["folder"])))
        points = {(p.kernel, p.mode, p.ranks, p.threads, p.interval): p for p in run.points}
        for r in rows:
            p = points[tuple(r["key"])]
            for what in ("median", "q1", "q3"):
                self.assertTrue(math.isclose(getattr(p, what), r[what], rel_tol=1e-12), (r["key"], what))


class PipelineFitTest(unittest.TestCase):
    """From results.csv rows to the fitted f of the report's tables."""

    def test_noise_free_sweep_gives_model_fractions(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = fixtures.make_sweep(os.path.join(tmp, "s"), noise=0.0, failures=False, cores=4,
                                       workers=(1, 2, 4, 8))
            run = analysis.RunAnalysis(load_sweep(path))
        rows = {(r["kernel"], r["series"]): r["fit"] for r in tables.fit_rows(run)}
        # fixtures.model_time: omp f = 0.02, mpi f = 0.03 within the 4 cores.
        self.assertAlmostEqual(rows[("sum", "omp")].f, 0.02, places=6)
        self.assertAlmostEqual(rows[("sum", "mpi")].f, 0.03, places=6)
        self.assertEqual(rows[("sum", "omp")].workers, (2, 4))  # 8 workers: oversubscribed
        kf = [r for r in tables.karp_flatt_rows(run)
              if r["kernel"] == "sum" and r["series"] == "omp" and r["workers"] == 2]
        self.assertAlmostEqual(kf[0]["e"], 0.02, places=6)
        # gil does not speed up sum: Karp-Flatt close to 1 (or above); its f is at its bound.
        gil = [r for r in tables.karp_flatt_rows(run)
               if r["kernel"] == "sum" and r["series"] == "gil" and r["workers"] == 2]
        self.assertGreater(gil[0]["e"], 0.9)
        self.assertTrue(any("at its bound" in f for f in rows[("sum", "gil")].flags))

    def test_two_worker_counts_within_the_cores_give_no_fit(self):
        """1 and 2 workers on 2 cores (4 oversubscribed): a fit would rest on p = 2 alone."""
        with tempfile.TemporaryDirectory() as tmp:
            path = fixtures.make_sweep(os.path.join(tmp, "s"), noise=0.0, failures=False)
            run = analysis.RunAnalysis(load_sweep(path))
        self.assertEqual(tables.fit_rows(run), [])
        missing = {(u["kernel"], u["series"]): u["counts"] for u in tables.unfitted_rows(run)}
        self.assertEqual(missing[("sum", "omp")], [1, 2])


class WeakScalingPipelineTest(unittest.TestCase):
    def test_gustafson_from_a_weak_sweep(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = fixtures.make_sweep(os.path.join(tmp, "w"), noise=0.0, failures=False, cores=4,
                                       scaling="weak", gil_variants=False, convoy=False)
            run = analysis.RunAnalysis(load_sweep(path))
        self.assertIn(("sum", "weak"), run.groups)
        rows = {(r["kernel"], r["series"]): r["fit"] for r in tables.fit_rows(run)}
        self.assertEqual(rows[("sum", "omp")].law, "gustafson")
        self.assertAlmostEqual(rows[("sum", "omp")].f, fixtures.WEAK_F["omp"], places=6)
        self.assertAlmostEqual(rows[("sum", "mpi")].f, fixtures.WEAK_F["mpi"], places=6)
        # gil: no parallelism, scaled speedup ~1 -> f ~ 1
        self.assertGreater(rows[("sum", "gil")].f, 0.95)
        omp2 = [p for s in run.groups[("sum", "weak")] if s.name == "omp"
                for p in s.points if p.workers == 2][0]
        self.assertEqual(omp2.baseline_kind, "serial")     # serial at n per worker
        self.assertAlmostEqual(omp2.speedup, 2 - 0.02, places=6)
        self.assertAlmostEqual(omp2.efficiency, (2 - 0.02) / 2, places=6)
        lines = [line for _k, _s, line in tables.verdicts(run)]
        self.assertTrue(any(line.startswith("sum (weak scaling, scaled speedup): omp 3.94×")
                            for line in lines), lines)


if __name__ == "__main__":
    unittest.main()
