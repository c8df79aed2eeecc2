"""jube/sumbench.yaml with Debian's real jube (2.5): a local quick run (-t quick), then
`jube continue`, `jube status`, `jube info` and `jube result`. jube exits 0 even when a
work package fails (without -e), so the test reads `jube status` (FINISHED) and checks
every cell of the result table against the work package's own results.csv, computed here
independently (median of time_s; speedup = serial median / median at the same n).

A run whose sumbench is missing is the negative control: status is not FINISHED.
Run as a script (CTest does): exits 77 (skip) when jube is not installed."""

from __future__ import annotations

import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("SUMBENCH_SOURCE_DIR") or Path(__file__).resolve().parents[2]).resolve()
YAML = SOURCE_DIR / "jube" / "sumbench.yaml"
JUBE = shutil.which("jube")
QUICK = {"kernel": ("sum", "sleep"), "mode": ("omp", "mpi"), "workers": (1, 2)}  # the yaml's -t quick


def jube(args: list[str], cwd: Path, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ if env is None else env)
    env["PWD"] = str(cwd)  # the yaml's outpath is $PWD/sumbench_run; a shell would set it
    return subprocess.run([JUBE] + args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def status(run: Path, cwd: Path) -> str:
    proc = jube(["status", str(run)], cwd)
    return proc.stdout.strip()


def snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in root.rglob("*")}


def point_rows(results_csv: Path) -> list[dict]:
    with open(results_csv, newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["status"] == "ok" and r["valid"] == "1"]


class LocalQuickRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="sumbench-jube-")
        cls.cwd = Path(cls._tmp.name)
        cls.before = snapshot(YAML.parent)
        cls.run_proc = jube(["run", str(YAML), "-t", "quick", "-e"], cls.cwd)
        cls.bench = cls.cwd / "sumbench_run"

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def test_1_run_finished(self):
        self.assertEqual(self.run_proc.returncode, 0, self.run_proc.stdout[-3000:] + self.run_proc.stderr)
        self.assertEqual(status(self.bench, self.cwd), "FINISHED")
        info = jube(["info", str(self.bench), "-i", "0"], self.cwd)
        self.assertEqual(info.returncode, 0, info.stderr)
        self.assertIn("tags:quick", info.stdout)
        self.assertRegex(info.stdout, r"\|\s+sweep\s+\|\s+\|\s+8\s+\|\s+0\s+\|\s+8\s+\|")

    def test_2_continue_leaves_it_finished(self):
        proc = jube(["continue", str(self.bench), "-e"], self.cwd)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(status(self.bench, self.cwd), "FINISHED")

    def test_3_result_table_matches_results_csv(self):
        proc = jube(["result", str(self.bench), "-o", "results_csv"], self.cwd)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        table = list(csv.DictReader((self.bench / "000000" / "result" / "results_csv.dat").open()))
        self.assertEqual(sorted((r["kernel"], r["mode"], int(r["workers"])) for r in table),
                         sorted((k, m, w) for k in QUICK["kernel"] for m in QUICK["mode"] for w in QUICK["workers"]))
        for wp in sorted((self.bench / "000000").glob("*_sweep")):
            work = wp / "work"
            rows = point_rows(work / "sweep" / "results.csv")
            mine = [r for r in rows if r["mode"] != "serial"]
            kernel, mode, workers = mine[0]["kernel"], mine[0]["mode"], int(mine[0]["workers"])
            cell = next(r for r in table if (r["kernel"], r["mode"], int(r["workers"])) == (kernel, mode, workers))
            median = statistics.median(float(r["time_s"]) for r in mine)
            serial = statistics.median(float(r["time_s"]) for r in rows if r["mode"] == "serial"
                                       and r["n"] == mine[0]["n"])
            self.assertAlmostEqual(float(cell["median_s"]), median, delta=median * 1e-9, msg=wp.name)
            self.assertAlmostEqual(float(cell["speedup"]), serial / median, delta=1e-9 * serial / median)
            self.assertAlmostEqual(float(cell["efficiency"]), serial / median / workers, delta=1e-9)
            self.assertEqual(int(cell["ranks"]) * int(cell["threads"]), workers)
            self.assertTrue((work / "summary.csv").is_file())
        # Sleeping tasks overlap in every mode: 2 workers take about half the serial time.
        for r in table:
            if r["kernel"] == "sleep" and r["workers"] == "2":
                self.assertGreater(float(r["speedup"]), 1.5, r)

    def test_4_nothing_beside_the_definition(self):
        self.assertEqual(snapshot(YAML.parent), self.before, "jube wrote into jube/")
        self.assertEqual(sorted(p.name for p in self.cwd.iterdir()), ["sumbench_run"])

    def test_5_a_failed_run_is_not_finished(self):
        """jube run without -e exits 0 when a step fails: only the status tells."""
        cwd = self.cwd / "broken"
        cwd.mkdir()
        env = dict(os.environ, SUMBENCH=str(cwd / "no-such-sumbench"))
        proc = jube(["run", str(YAML), "-t", "quick"], cwd, env)
        self.assertEqual(proc.returncode, 0, "jube's exit status now tells a failed step: simplify this test")
        self.assertEqual(status(cwd / "sumbench_run", cwd), "ERROR")
        shutil.rmtree(cwd)


if __name__ == "__main__":
    if JUBE is None:
        print("SKIP: jube is not installed (apt-get install jube; scripts/setup.sh test installs it)")
        sys.exit(77)
    unittest.main(verbosity=2)
