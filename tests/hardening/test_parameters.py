"""Issue 22 item 1 (hardening, second round): rows of two settings are never one point.
Black-box: sweep.py (with the fake sumbench, which names legacy's benchmarks
.../policy:legacy/check:N as sumbench does) and cpython_baseline.py (the real Python 2.7,
when pyenv has it) write the folders; summary.py, report.py and compare.py read them.

Expected behaviour (the spec for the fix):
  - Every analysis groups results.csv rows by every parameter column: summary.py,
    report.py's tables/medians.csv and compare.py give one row per check interval (and
    per switch interval of the baseline's Python 3 convoy), each with the repetitions
    and the median of its own rows, and say which check interval it is.
  - A sweep with --gil-policy=legacy and several --switch-interval values plans one
    legacy point (legacy ignores the switch interval), whose command carries no
    --switch-interval; the other policies keep one point per switch interval.
On b132564 summary, medians.csv and compare give one row with the repetitions of both
check intervals and a median of them all, and the sweep plans one identical legacy
point per --switch-interval value.
"""

import statistics
import unittest

from blackbox import FAKE_SUMBENCH, HardeningCase, read_csv, run

GIL = ["--kernels=sum", "--modes=gil", "--workers=2", "--repetitions=3", "--seed=1"]


def expected(results_csv, key_columns):
    """{key: (repetitions, median time_s)} straight from results.csv's ok rows."""
    groups = {}
    for r in read_csv(results_csv)[1]:
        if r["status"] == "ok" and r["time_s"]:
            groups.setdefault(tuple(r[c] for c in key_columns), []).append(float(r["time_s"]))
    return {k: (len(v), statistics.median(v)) for k, v in groups.items()}


class Item01MergedIntervals(HardeningCase):
    """Issue 22 item 1: check intervals merged into one point (a wrong figure)."""

    def legacy_sweep(self):
        out = self.tmp / "legacy"
        res = run("sweep", f"--sumbench={FAKE_SUMBENCH}", *GIL, "--gil-policy=legacy",
                  "--switch-interval=1ms,5ms", "--extra-args=--check-interval=1,10000",
                  f"--out={out}")
        self.assertEqual(res.rc, 0, res.show())
        return out, res

    def assertPerSetting(self, folder, column):
        """summary.py, medians.csv and compare.py: one row per value of `column`, each
        with its own repetitions and median."""
        want = expected(folder / "results.csv", ("point_id", column))
        self.assertGreaterEqual(len(want), 2, f"the folder holds one {column} only: {want}")
        summary = run("summary", folder)
        self.assertEqual(summary.rc, 0, summary.show())
        report = run("report", folder, "--out", self.tmp / "report", timeout=300)
        self.assertEqual(report.rc, 0, report.show())
        compare_csv = self.tmp / "compare.csv"
        compare = run("compare", folder, folder, "--csv", compare_csv)
        self.assertIn(compare.rc, (0, 1), compare.show())
        for what, path, reps, median in (
                ("summary.py", self.tmp / "summary.csv", "reps", "median_s"),
                ("medians.csv", self.tmp / "report" / "tables" / "medians.csv", "reps", "median_s"),
                ("compare.py --csv", compare_csv, "baseline_reps", "baseline_median_s")):
            if what == "summary.py":
                path.write_text(summary.stdout)
            header, rows = read_csv(path)
            with self.subTest(table=what):
                self.assertIn(column, header, f"{what} does not say the {column}")
                got = {float(r[column]): (int(r[reps]), float(r[median])) for r in rows
                       if r[column]}
                self.assertEqual(len(rows), len(want), f"{what}: rows {rows}")
                for (_, value), (n, med) in want.items():
                    self.assertIn(float(value), got, f"{what}: no row of {column}={value}: {rows}")
                    self.assertEqual(got[float(value)][0], n, f"{what}: {column}={value} has "
                                     f"the repetitions of another setting: {rows}")
                    self.assertAlmostEqual(got[float(value)][1], med, msg=f"{what}: median "
                                           f"of {column}={value}")

    def test_legacy_check_intervals_of_a_sweep(self):
        out, _ = self.legacy_sweep()
        self.assertPerSetting(out, "check_interval")

    def test_baseline_check_intervals_of_python_2(self):
        out = self.tmp / "py27"
        res = run("baseline", "--python=2.7", "--kernels=convoy", "--modes=threads",
                  "--workers=2", "--check-interval=10,1000", "--io-waits=5", "--repetitions=3",
                  f"--out={out}", timeout=300)
        if res.rc == 2 and "no CPython 2.7" in res.stderr:
            self.skipTest("no CPython 2.7 here (pyenv install 2.7.18)")
        self.assertEqual(res.rc, 0, res.show())
        self.assertPerSetting(out, "check_interval")

    def test_baseline_switch_intervals_of_python_3(self):
        out = self.tmp / "py3"
        res = run("baseline", "--kernels=convoy", "--modes=threads", "--workers=2",
                  "--switch-interval=1ms,5ms", "--io-waits=5", "--repetitions=3",
                  f"--out={out}", timeout=300)
        self.assertEqual(res.rc, 0, res.show())
        self.assertPerSetting(out, "switch_interval_s")

    def test_one_legacy_point_whatever_the_switch_intervals(self):
        res = run("sweep", f"--sumbench={FAKE_SUMBENCH}", *GIL, "--gil-policy=legacy,cpython",
                  "--switch-interval=1ms,5ms", f"--out={self.tmp / 'never'}", "--dry-run")
        self.assertEqual(res.rc, 0, res.show())
        plans = [line for line in res.stdout.splitlines() if "--benchmark_out=" in line]
        legacy = [line for line in plans if "--gil-policy=legacy" in line]
        cpython = [line for line in plans if "--gil-policy=cpython" in line]
        self.assertEqual(len(legacy), 1, "one legacy point per --switch-interval:" + res.show())
        self.assertNotIn("--switch-interval", legacy[0], "legacy takes no switch interval")
        self.assertEqual(len(cpython), 2, "cpython keeps one point per switch interval"
                         + res.show())
        self.assertFalse((self.tmp / "never").exists())


if __name__ == "__main__":
    unittest.main()
