"""A kernel and a mode added in C++ only (tests/core/extra_rows.cpp, linked into the
test-only sumbench_extra) go through a sweep and a report with no Python change."""

import csv
import json
import os
import subprocess
import sys
import unittest

from helpers import EXTRA, SOURCE_DIR, TempDir


def run(*argv, timeout=600):
    return subprocess.run([sys.executable, *map(str, argv)], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class ExtraKernelAndMode(TempDir):
    def test_sweep_and_report(self):
        for folder in ("python", "runners", "reports", "slurm"):
            for root, _dirs, files in os.walk(SOURCE_DIR / folder):
                for name in files:
                    with open(os.path.join(root, name), errors="replace") as f:
                        text = f.read()
                    self.assertNotIn("xcount", text, os.path.join(root, name))
                    self.assertNotIn("xeven", text, os.path.join(root, name))
        out = self.tmp / "sweep"
        sweep = run(SOURCE_DIR / "runners" / "sweep.py", "--sumbench", EXTRA, "--quick",
                    "--kernels=sum,xcount", "--modes=serial,xeven", "--workers=1,2",
                    "--repetitions=2", "--cv-threshold=10", "--out", out)
        self.assertEqual(sweep.returncode, 0, sweep.stdout + sweep.stderr)
        self.assertEqual(sorted(p.name for p in (out / "points").iterdir()),
                         ["sum-serial-r1t1-strong", "sum-xeven-r1t2-strong",
                          "xcount-serial-r1t1-strong", "xcount-xeven-r1t2-strong"])
        self.assertIn("note: xeven has no layout at 1 workers", sweep.stdout)  # its own rule
        cat = json.loads((out / "catalogue.json").read_text())
        self.assertIn("xcount", [k["name"] for k in cat["kernels"]])
        with open(out / "results.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual({(r["kernel"], r["mode"], r["status"], r["valid"]) for r in rows},
                         {("sum", "serial", "ok", "1"), ("sum", "xeven", "ok", "1"),
                          ("xcount", "serial", "ok", "1"), ("xcount", "xeven", "ok", "1")})

        report = self.tmp / "report"
        rep = run(SOURCE_DIR / "reports" / "report.py", out, "--out", report)
        self.assertEqual(rep.returncode, 0, rep.stdout + rep.stderr)
        figures = {f["name"] for f in json.loads((report / "figures" / "figures.json").read_text())}
        self.assertLessEqual({"xcount_strong_time", "xcount_strong_speedup", "summary_speedup"}, figures)
        with open(report / "tables" / "medians.csv", newline="") as f:
            medians = list(csv.DictReader(f))
        xeven = [r for r in medians if r["kernel"] == "xcount" and r["mode"] == "xeven"]
        self.assertEqual(len(xeven), 1)
        self.assertTrue(float(xeven[0]["speedup"]) > 0)
        page = (report / "index.html").read_text()
        self.assertIn('data-kernel="xcount"', page)


if __name__ == "__main__":
    unittest.main()
