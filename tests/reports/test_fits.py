"""Fits recover known serial fractions: Amdahl, Gustafson, Karp-Flatt."""

import os
import random
import tempfile
import unittest

import fixtures
from sumbench.report import analysis, fits, tables
from sumbench.report.data import load_sweep

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


class PipelineFitTest(unittest.TestCase):
    """From results.csv rows to the fitted f of the report's tables."""

    def test_noise_free_sweep_gives_model_fractions(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = fixtures.make_sweep(os.path.join(tmp, "s"), noise=0.0, failures=False)
            run = analysis.RunAnalysis(load_sweep(path))
        rows = {(r["kernel"], r["series"]): r["fit"] for r in tables.fit_rows(run)}
        # fixtures.model_time: omp f = 0.02, mpi f = 0.03 within the 2 cores.
        self.assertAlmostEqual(rows[("sum", "omp")].f, 0.02, places=6)
        self.assertAlmostEqual(rows[("sum", "mpi")].f, 0.03, places=6)
        self.assertEqual(rows[("sum", "omp")].workers, (2,))  # 4 workers: oversubscribed
        kf = [r for r in tables.karp_flatt_rows(run)
              if r["kernel"] == "sum" and r["series"] == "omp" and r["workers"] == 2]
        self.assertAlmostEqual(kf[0]["e"], 0.02, places=6)
        # gil does not speed up sum: Karp-Flatt close to 1 (or above).
        gil = [r for r in tables.karp_flatt_rows(run)
               if r["kernel"] == "sum" and r["series"] == "gil" and r["workers"] == 2]
        self.assertGreater(gil[0]["e"], 0.9)


class WeakScalingPipelineTest(unittest.TestCase):
    def test_gustafson_from_a_weak_sweep(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = fixtures.make_sweep(os.path.join(tmp, "w"), noise=0.0, failures=False,
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
        self.assertTrue(any(line.startswith("sum (weak scaling, scaled speedup): omp 1.98×")
                            for line in lines), lines)


if __name__ == "__main__":
    unittest.main()
