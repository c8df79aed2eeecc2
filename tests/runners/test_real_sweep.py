"""End to end with the real sumbench and the real mpirun (CTest passes SUMBENCH)."""

import os
import unittest

from support import TempDirMixin, point_dirs, read_json, real_sumbench, run_sweep
from sumbench.schema import SCHEMA_VERSION, read_results_raw

SUMBENCH = real_sumbench()
POINT_FILES = {"command.json", "command.txt", "raw.json", "stdout.txt", "stderr.txt",
               "status.json"}


@unittest.skipUnless(SUMBENCH, "build/sumbench not built (set SUMBENCH)")
class RealSweepTests(TempDirMixin, unittest.TestCase):
    def test_small_sweep(self):
        out = self.tmp / "o"
        res = run_sweep("--sumbench", SUMBENCH, "--out", out, "--quick", "--kernels=sum,sleep",
                        "--modes=serial,omp,mpi", "--workers=1,2", "--repetitions=1",
                        "--seed=1", "--timeout=120", "--max-reruns=0")
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        expected = {f"{k}-{m}-strong" for k in ("sum", "sleep")
                    for m in ("serial-r1t1", "omp-r1t1", "omp-r1t2", "mpi-r1t1", "mpi-r2t1")}
        self.assertEqual({p.name for p in point_dirs(out)}, expected)
        for p in point_dirs(out):
            self.assertEqual({f.name for f in p.iterdir()}, POINT_FILES, p.name)
            st = read_json(p / "status.json")
            self.assertEqual(st["status"], "ok", p.name)
            self.assertEqual(st["exit_code"], 0)
            self.assertGreater(st["launch_s"], 0)
            self.assertFalse(st["oversubscribed"])  # 2 workers fit the 2 cores
            self.assertEqual(len(st["load_before"]), 3)
            cmd = read_json(p / "command.json")
            self.assertIn(f"--benchmark_out={p / 'raw.json'}", cmd["argv"])
            if "-mpi-" in p.name:
                self.assertEqual(cmd["argv"][0], "mpirun")
                self.assertIn("--bind-to", cmd["argv"])
                self.assertNotIn("--oversubscribe", cmd["argv"])
                if os.geteuid() == 0:
                    self.assertEqual(cmd["env"]["OMPI_ALLOW_RUN_AS_ROOT"], "1")
            else:
                self.assertEqual(cmd["argv"][0], SUMBENCH)
        rows = read_results_raw(out / "results.csv")
        self.assertEqual(len(rows), 10)  # one repetition per point
        for r in rows:
            kernel, mode, layout, scaling = r["point_id"].split("-")
            self.assertEqual((r["kernel"], r["mode"], r["scaling"]), (kernel, mode, scaling))
            self.assertEqual(f"r{r['ranks']}t{r['threads']}", layout)
            self.assertEqual(int(r["workers"]), int(r["ranks"]) * int(r["threads"]))
            self.assertGreater(float(r["time_s"]), 0)
            self.assertGreater(float(r["items_per_s"]), 0)
            self.assertEqual((r["valid"], r["status"], r["source"], r["schema_version"]),
                             ("1", "ok", "sumbench", str(SCHEMA_VERSION)))
            self.assertTrue(r["hosts"])
            self.assertGreater(float(r["launch_s"]), 0)
        manifest = read_json(out / "manifest.json")
        self.assertEqual((manifest["counts"]["ok"], manifest["seed"]), (10, 1))
        self.assertEqual(sorted(read_json(out / "sweep.json")["order"]), sorted(expected))

    def test_impossible_size_is_isolated(self):
        out = self.tmp / "o"
        res = run_sweep("--sumbench", SUMBENCH, "--out", out, "--quick", "--kernels=triad",
                        "--modes=serial", "--n=1000,1000000000000", "--repetitions=1",
                        "--timeout=120", "--max-reruns=0")
        self.assertEqual(res.returncode, 1, res.stdout + res.stderr)
        self.assertIn("1 of 2 points failed", res.stdout)
        good = read_json(out / "points" / "triad-serial-r1t1-strong-n1000" / "status.json")
        bad = read_json(out / "points" / "triad-serial-r1t1-strong-n1000000000000" / "status.json")
        self.assertEqual(good["status"], "ok")
        # sumbench refuses a size that does not fit in memory before running (exit 1, no raw.json).
        self.assertEqual((bad["status"], bad["exit_code"]), ("failed", 1))
        self.assertIn("does not fit in memory", bad["stderr_tail"])
        rows = {r["point_id"]: r for r in read_results_raw(out / "results.csv")}
        self.assertEqual(rows["triad-serial-r1t1-strong-n1000"]["valid"], "1")
        self.assertEqual((rows["triad-serial-r1t1-strong-n1000000000000"]["valid"],
                          rows["triad-serial-r1t1-strong-n1000000000000"]["status"]), ("", "failed"))


if __name__ == "__main__":
    unittest.main()
