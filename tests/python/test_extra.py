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


class ExtraModeParameterSweep(TempDir):
    """The proof that a parameterised mode needs no Python edit: xeven's --xeven-grain,
    declared in C++ only, goes through a sweep (one point per value), results.csv (its
    column), the report (one point, one medians row and one series each) and compare,
    and no two grain values merge anywhere."""

    def test_unknown_parameter_lists_this_binarys_flags(self):
        # The extra binary's own parameter is allowed, as a flag; the standard one's gil flags too.
        res = run(SOURCE_DIR / "runners" / "sweep.py", "--sumbench", EXTRA, "--xeven-grian=2", "--dry-run",
                  "--out", self.tmp / "never")
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertEqual(len(res.stderr.strip().splitlines()), 1, res.stderr)
        self.assertIn("unknown setting --xeven-grian", res.stderr)
        self.assertIn("--xeven-grain", res.stderr)
        self.assertFalse((self.tmp / "never").exists())

    def test_sweep_report_compare(self):
        out = self.tmp / "sweep"
        sweep = run(SOURCE_DIR / "runners" / "sweep.py", "--sumbench", EXTRA, "--quick",
                    "--kernels=xcount", "--modes=serial,xeven", "--workers=2", "--xeven-grain=2,4",
                    "--repetitions=3", "--cv-threshold=10", "--out", out)
        self.assertEqual(sweep.returncode, 0, sweep.stdout + sweep.stderr)
        self.assertEqual(sorted(p.name for p in (out / "points").iterdir()),
                         ["xcount-serial-r1t1-strong", "xcount-xeven-r1t2-strong-2",
                          "xcount-xeven-r1t2-strong-4"])
        for grain in (2, 4):
            point = out / "points" / f"xcount-xeven-r1t2-strong-{grain}"
            self.assertIn(f"--xeven-grain={grain}", (point / "command.txt").read_text())
            entries = json.loads((point / "raw.json").read_text())["benchmarks"]
            self.assertEqual({json.dumps(e["params"]) for e in entries}, {json.dumps({"xeven_grain": grain})})
        self.assertEqual(json.loads((out / "sweep.json").read_text())["xeven_grain"], ["2", "4"])
        with open(out / "results.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(list(rows[0])[-1], "xeven_grain")   # after the schema's columns
        self.assertEqual(sorted((r["point_id"][-1], r["xeven_grain"]) for r in rows if r["mode"] == "xeven"),
                         [("2", "2")] * 3 + [("4", "4")] * 3)
        self.assertEqual({r["xeven_grain"] for r in rows if r["mode"] == "serial"}, {""})

        report = self.tmp / "report"
        rep = run(SOURCE_DIR / "reports" / "report.py", out, "--out", report)
        self.assertEqual(rep.returncode, 0, rep.stdout + rep.stderr)
        with open(report / "tables" / "medians.csv", newline="") as f:
            medians = [r for r in csv.DictReader(f) if r["mode"] == "xeven"]
        self.assertEqual(sorted((r["xeven_grain"], r["reps"]) for r in medians), [("2", "3"), ("4", "3")])
        self.assertTrue(all(float(r["speedup"]) > 0 for r in medians))
        page = (report / "index.html").read_text()
        self.assertIn("xeven_grain</th>", page)
        for grain in (2, 4):   # a series each, named by the catalogue's name_key
            self.assertIn(f"xeven (grain {grain})", page)
        alts = {f["name"]: f["alt"] for f in json.loads((report / "figures" / "figures.json").read_text())}
        self.assertIn("3 series", alts["xcount_strong_time"])   # serial, and xeven twice

        summary = run(SOURCE_DIR / "reports" / "summary.py", out, "--mode=xeven")
        self.assertEqual(summary.returncode, 0, summary.stderr)
        lines = list(csv.DictReader(summary.stdout.splitlines()))
        self.assertEqual(sorted((r["xeven_grain"], r["reps"]) for r in lines), [("2", "3"), ("4", "3")])

        table = self.tmp / "compare.csv"
        cmp = run(SOURCE_DIR / "reports" / "compare.py", out, out, "--all", "--csv", table)
        self.assertIn(cmp.returncode, (0, 1), cmp.stdout + cmp.stderr)
        with open(table, newline="") as f:
            shared = [r for r in csv.DictReader(f) if r["mode"] == "xeven"]
        self.assertEqual(sorted((r["xeven_grain"], r["baseline_reps"]) for r in shared), [("2", "3"), ("4", "3")])
        self.assertIn("xeven_grain", cmp.stdout, cmp.stdout)   # the printed table's head


class ExtraModeParameter(TempDir):
    """xeven declares a parameter of its own (--xeven-grain, column xeven_grain) in C++
    only: the catalogue lists it, sumbench checks it, every JSON entry carries its value,
    and the tidy rows read it through the catalogue."""

    def sumbench(self, *args):
        return subprocess.run([str(EXTRA), *args], capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL,
                              env=dict(os.environ, OMPI_MCA_ess_singleton_isolated="1"))

    def test_declared_checked_and_carried(self):
        from sumbench import tidy_table as tidy
        from sumbench.catalogue import Catalogue
        listed = self.sumbench("--list=json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        doc = json.loads(listed.stdout)
        modes = {m["name"]: m for m in doc["modes"]}
        self.assertEqual(modes["xeven"]["params"], [
            {"flag": "--xeven-grain", "column": "xeven_grain", "type": "int", "unit": "elements",
             "name_key": "grain"}])
        self.assertEqual([p["column"] for p in modes["gil"]["params"]],
                         ["gil_policy", "switch_interval_s", "check_interval"])
        flag = next(f for f in doc["flags"] if f["name"] == "--xeven-grain")
        self.assertEqual((flag["mode"], flag["type"], flag["default"]), ("xeven", "list", None))
        self.assertIn("--xeven-grain", modes["xeven"]["flags"])

        for bad in ("0", "65", "x", "2,2"):
            refused = self.sumbench(f"--xeven-grain={bad}", "--list=json")
            self.assertEqual(refused.returncode, 2, refused.stderr)
            lines = refused.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, refused.stderr)
            self.assertIn("--xeven-grain", lines[0])

        out = self.tmp / "raw.json"
        ran = self.sumbench("--kernels=xcount", "--modes=xeven,gil", "--workers=2", "--quick",
                            "--xeven-grain=2,4", "--gil-policy=cpython,legacy",
                            "--switch-interval=1ms", "--benchmark_repetitions=1",
                            f"--benchmark_out={out}", "--benchmark_out_format=json")
        self.assertEqual(ran.returncode, 0, ran.stderr)
        entries = {e["run_name"].removesuffix("/manual_time"): e for e in json.loads(out.read_text())["benchmarks"]}
        self.assertEqual({n: e.get("params") for n, e in entries.items()}, {
            "xcount/xeven/ranks:1/threads:2/n:65536/grain:2": {"xeven_grain": 2},
            "xcount/xeven/ranks:1/threads:2/n:65536/grain:4": {"xeven_grain": 4},
            "xcount/gil/ranks:1/threads:2/n:65536/policy:cpython/interval:1000us":
                {"gil_policy": "cpython", "switch_interval_s": 0.001},
            "xcount/gil/ranks:1/threads:2/n:65536/policy:legacy/check:100":
                {"gil_policy": "legacy", "check_interval": 100}})

        cat = Catalogue(doc, "sumbench_extra --list=json")
        rows = tidy.rows_from_gbench_json(json.loads(out.read_text()), cat=cat)
        self.assertEqual(sorted((r["mode"], r["gil_policy"], r["switch_interval_s"], r["check_interval"])
                                for r in rows),
                         [("gil", "cpython", 0.001, ""), ("gil", "legacy", "", 100),
                          ("xeven", "", "", ""), ("xeven", "", "", "")])
        # An entry without "params" (an older sumbench): the same values from its name.
        plain = json.loads(out.read_text())
        for e in plain["benchmarks"]:
            e.pop("params")
        self.assertEqual(tidy.rows_from_gbench_json(plain, cat=cat), rows)
        self.assertEqual(tidy.parse_benchmark_name(
            "xcount/xeven/ranks:1/threads:2/n:8/grain:4", cat)["xeven_grain"], 4)


if __name__ == "__main__":
    unittest.main()
