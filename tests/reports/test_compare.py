"""compare.py: a known 20% slowdown is flagged (exit 1); identical runs exit 0."""

import csv
import math
import os
import shutil
import tempfile
import unittest

import fixtures
from sumbench.report import stats
from sumbench.report.stats import mann_whitney_u

SLOW = ("sum", "omp", 1, 2)


class MannWhitneyTest(unittest.TestCase):
    def test_exact_small_samples(self):
        # Complete separation of 3 vs 3: U = 0, p = 2 / C(6, 3) = 0.1.
        u, p, method = mann_whitney_u([1, 2, 3], [4, 5, 6])
        self.assertEqual((u, method), (0.0, "exact"))
        self.assertAlmostEqual(p, 0.1, places=12)
        u, p, _ = mann_whitney_u([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])
        self.assertEqual(u, 25.0)
        self.assertAlmostEqual(p, 2.0 / math.comb(10, 5), places=12)
        # Interleaved samples: no evidence at all.
        _, p, _ = mann_whitney_u([1, 3, 5, 7], [2, 4, 6, 8])
        self.assertGreater(p, 0.5)

    def test_normal_approximation_with_ties(self):
        x = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        y = [3, 3, 4, 4, 5, 5, 6, 6, 7, 7]
        u, p, method = mann_whitney_u(x, y)
        self.assertEqual(method, "normal")
        self.assertEqual(u, 18.0)
        # By hand: n1 = n2 = 10, ties of size 2 (x7 values: 1,2,6,7) and 4 (3,4,5).
        n = 20
        tie = (4 * (8 - 2) + 3 * (64 - 4)) / (n * (n - 1))
        sd = math.sqrt(100 / 12 * ((n + 1) - tie))
        z = (abs(18 - 50) - 0.5) / sd
        self.assertAlmostEqual(p, math.erfc(z / math.sqrt(2)), places=12)
        self.assertEqual(mann_whitney_u([2, 2, 2], [2, 2, 2])[1], 1.0)

    def test_smallest_p_and_the_repetitions_needed(self):
        self.assertAlmostEqual(stats.min_p(2, 2), 1 / 3, places=12)     # 2 / C(4, 2)
        self.assertAlmostEqual(stats.min_p(3, 3), 0.1, places=12)
        self.assertAlmostEqual(stats.min_p(5, 4), 2 / math.comb(9, 4), places=12)
        self.assertEqual(stats.reps_needed(0.05), 4)
        self.assertEqual(stats.reps_needed(0.001), 7)


class CompareCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sumbench-compare-")
        common = dict(repetitions=10, noise=0.01, failures=False, gil_variants=False,
                      convoy=False)
        cls.base = fixtures.make_sweep(os.path.join(cls.tmp, "base"), run_id="base",
                                       seed=11, **common)
        cls.same = fixtures.make_sweep(os.path.join(cls.tmp, "same"), run_id="same",
                                       seed=12, **common)
        cls.slow = fixtures.make_sweep(os.path.join(cls.tmp, "slow"), run_id="slow",
                                       seed=13, factors={SLOW: 1.2}, **common)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def compare(self, *args):
        return fixtures.run_script([fixtures.COMPARE_PY] + list(args))

    def test_known_slowdown_is_flagged(self):
        out_csv = os.path.join(self.tmp, "cmp.csv")
        out_html = os.path.join(self.tmp, "cmp.html")
        proc = self.compare(self.base, self.slow, "--csv", out_csv, "--html", out_html)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn("FAIL: 1 significant change(s)", proc.stdout)
        flagged = [line for line in proc.stdout.splitlines() if "SIGNIFICANT" in line]
        self.assertEqual(len(flagged), 1, proc.stdout)
        self.assertRegex(flagged[0], r"^sum\s+omp\s+1\s+2\s")
        self.assertIn("slower", flagged[0])
        with open(out_csv, newline="") as fh:
            rows = list(csv.DictReader(fh))
        self.assertGreater(len(rows), 20)
        hits = [r for r in rows if r["exceeds_threshold"] == "1"]
        self.assertEqual([(r["kernel"], r["mode"], r["ranks"], r["threads"]) for r in hits],
                         [("sum", "omp", "1", "2")])
        self.assertAlmostEqual(float(hits[0]["ratio"]), 1.2, delta=0.03)
        self.assertLess(float(hits[0]["p_value"]), 0.001)
        for r in rows:
            if r is not hits[0]:
                self.assertLess(abs(float(r["ratio"]) - 1.0), 0.05, r)
        with open(out_html, encoding="utf-8") as fh:
            self.assertIn("class='exceeds'", fh.read())

    def test_threshold_above_the_change_passes(self):
        proc = self.compare(self.base, self.slow, "--threshold", "0.3")
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("significant, within threshold", proc.stdout)

    def test_identical_runs(self):
        proc = self.compare(self.base, self.base)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("OK: no significant change", proc.stdout)
        self.assertIn("significant changes (p < 0.05): 0", proc.stdout)

    def test_rerun_without_change(self):
        proc = self.compare(self.base, self.same)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_too_few_repetitions_never_significant(self):
        a = fixtures.make_sweep(os.path.join(self.tmp, "few-a"), repetitions=2,
                                failures=False, gil_variants=False, convoy=False)
        b = fixtures.make_sweep(os.path.join(self.tmp, "few-b"), repetitions=2, seed=9,
                                failures=False, gil_variants=False, convoy=False,
                                factors={SLOW: 1.5})
        proc = self.compare(a, b, "--all")
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("too few repetitions", proc.stdout)
        # 2 repetitions per run cannot reach p < 0.05: never "no change", but INCONCLUSIVE.
        self.assertTrue(proc.stdout.rstrip().splitlines()[-1].startswith("INCONCLUSIVE:"), proc.stdout)
        self.assertNotIn("OK:", proc.stdout)
        self.assertRegex(proc.stdout, r"sum\s+omp\s+1\s+2\s.*INCONCLUSIVE \(too few repetitions\)")
        # 10 against 2 can (2 / C(12, 2) < 0.05): those points are judged, not inconclusive.
        proc = self.compare(self.base, b)
        self.assertNotIn("INCONCLUSIVE", proc.stdout.rstrip().splitlines()[-1])

    def test_usage_errors(self):
        for args in ([self.base],
                     [self.base, self.slow, "--threshold", "abc"],
                     [self.base, self.slow, "--alpha", "1.5"],
                     [self.base, os.path.join(self.tmp, "missing")]):
            proc = self.compare(*args)
            self.assertEqual(proc.returncode, 2, (args, proc.stdout, proc.stderr))
            self.assertTrue(proc.stderr.startswith("compare.py: error: "), proc.stderr)
            self.assertNotIn("Traceback", proc.stderr)

    def test_no_shared_points(self):
        other = fixtures.make_sweep(os.path.join(self.tmp, "other"), kernels=("sleep",),
                                    failures=False, gil_variants=False, convoy=False,
                                    cpython=False)
        only_sum = fixtures.make_sweep(os.path.join(self.tmp, "only-sum"), kernels=("sum",),
                                       failures=False, gil_variants=False, convoy=False,
                                       cpython=False)
        proc = self.compare(other, only_sum)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("share no measured point", proc.stderr)


if __name__ == "__main__":
    unittest.main()
