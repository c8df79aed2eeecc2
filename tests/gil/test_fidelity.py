"""The fidelity child program in real interpreters, and the harness end to end.

Run by CTest with PYTHONPATH=bench/fidelity and SUMBENCH (the binary). The child must run
unchanged on Python 2.7 and 3.x: each test uses pyenv's (or PATH's) 2.7 and one 3.x,
and is skipped, naming what was looked for, when an interpreter is missing. Invariants
only: every experiment runs, prints one valid JSON line per repetition, and bad input
exits 2 with one line; no timing is asserted.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import fidelity_runs as runs

HARNESS = os.path.join(runs.HERE, "fidelity.py")
SUMBENCH = os.environ.get("SUMBENCH", "build/sumbench")
INTERPRETERS, MISSING = runs.find_interpreters([])
SEARCHED = f"{os.path.join(runs.pyenv_root(), 'versions', '*', 'bin', 'python')} and PATH ({', '.join(runs.PATH_NAMES)})"
print("fidelity tests: interpreters found: " + (", ".join(f"{i['version']} ({i['executable']})" for i in INTERPRETERS)
      or "none"), file=sys.stderr)


def first(prefix):
    return next((i for i in INTERPRETERS if i["version"].startswith(prefix)), None)


def child(interp, spec):
    return subprocess.run([interp["executable"], runs.CHILD, json.dumps(spec)], capture_output=True, text=True,
                          timeout=300)


class ChildProgram:
    """The same checks on Python 2.7 and on a 3.x (subclasses set PREFIX)."""

    PREFIX = ""

    def setUp(self):
        self.interp = first(self.PREFIX)
        if self.interp is None:
            self.skipTest(f"no CPython {self.PREFIX} found (looked in {SEARCHED})")

    def lines(self, spec):
        proc = child(self.interp, spec)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        docs = [json.loads(line) for line in proc.stdout.splitlines()]
        for d in docs:
            self.assertEqual(d["schema"], "sumbench.gilchild/1")
            self.assertEqual(d["interpreter"]["version"], self.interp["version"])
            self.assertTrue(d["result"]["valid"], d)
        return docs

    def test_info_names_the_gil(self):
        (doc,) = self.lines({"experiment": "info"})
        want = "old" if self.PREFIX == "2." else "new"
        self.assertEqual(doc["interpreter"]["gil"], want)
        self.assertEqual(doc["interpreter"]["implementation"], "CPython")

    def test_cpu_runs_the_loop_serially_and_in_threads(self):
        docs = self.lines({"experiment": "cpu", "threads": 3, "n": 30000, "repetitions": 2})
        self.assertEqual([d["repetition"] for d in docs], [0, 1])
        for d in docs:
            self.assertGreater(d["result"]["serial_s"], 0)
            self.assertAlmostEqual(d["result"]["ratio"], d["result"]["threads_s"] / d["result"]["serial_s"])

    def test_convoy_runs_every_wait(self):
        interval = {"check_interval": 100} if self.PREFIX == "2." else {"switch_interval_s": 0.001}
        (doc,) = self.lines(dict(interval, experiment="convoy", threads=2, waits=5))
        r = doc["result"]
        self.assertEqual(r["waits"], 5)
        self.assertEqual(len(r["cpu_iterations"]), 2)
        self.assertGreaterEqual(r["added_s_max"], r["added_s_median"])

    def test_handoff_counts_switches(self):
        (doc,) = self.lines({"experiment": "handoff", "duration_s": 0.05})
        self.assertEqual(len(doc["result"]["iterations"]), 2)
        self.assertGreaterEqual(doc["result"]["handoffs"], 0)

    def test_calibrate(self):
        (doc,) = self.lines({"experiment": "calibrate", "n": 200000})
        r = doc["result"]
        self.assertGreater(r["s_per_iteration"], 0)
        if self.PREFIX == "2.":  # the thread state's tick counter: 3 ticks per iteration of the loop
            self.assertGreater(r["ticks_per_iteration"], 1)
            self.assertAlmostEqual(r["s_per_tick"] * r["ticks_per_iteration"], r["s_per_iteration"])

    def test_bad_spec_exits_2_with_one_line(self):
        wrong = {"check_interval": 100} if self.PREFIX == "3." else {"switch_interval_s": 0.005}
        for spec, message in [("{", "not JSON"), (json.dumps({"experiment": "fly"}), "'fly'"),
                              (json.dumps({"experiment": "cpu", "threads": 0}), "threads=0"),
                              (json.dumps({"experiment": "cpu", "n": "5"}), "n="),
                              (json.dumps({"experiment": "cpu", "bogus": 1}), "bogus"),
                              (json.dumps(dict(wrong, experiment="convoy")), "has no sys.set")]:
            with self.subTest(spec=spec):
                proc = subprocess.run([self.interp["executable"], runs.CHILD, spec], capture_output=True, text=True,
                                      timeout=60)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertEqual(proc.stdout, "")
                lines = proc.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, proc.stderr)
                self.assertIn(message, lines[0])


class EveryInterpreter(unittest.TestCase):
    def test_each_runs_every_experiment_unchanged(self):
        if not INTERPRETERS:
            self.skipTest(f"no CPython found (looked in {SEARCHED})")
        for interp in INTERPRETERS:
            interval = {"check_interval": 10} if interp["version"].startswith("2.") else {"switch_interval_s": 0.0005}
            for spec in [{"experiment": "cpu", "n": 3000}, dict(interval, experiment="convoy", waits=2),
                         {"experiment": "handoff", "duration_s": 0.01}, {"experiment": "calibrate", "n": 3000}]:
                with self.subTest(python=interp["version"], experiment=spec["experiment"]):
                    proc = child(interp, spec)
                    self.assertEqual(proc.returncode, 0, proc.stderr)
                    doc = json.loads(proc.stdout)
                    self.assertTrue(doc["result"]["valid"], doc)
                    self.assertEqual(doc["interpreter"]["executable"], interp["executable"])


class Python2(ChildProgram, unittest.TestCase):
    PREFIX = "2."


class Python3(ChildProgram, unittest.TestCase):
    PREFIX = "3."


class Harness(unittest.TestCase):
    def run_harness(self, *args):
        return subprocess.run([sys.executable, HARNESS, "--sumbench", SUMBENCH] + list(args), capture_output=True,
                              text=True, timeout=600)

    def test_quick_run_writes_model_and_real_rows(self):
        two, three = first("2."), first("3.")
        if two is None or three is None:
            self.skipTest(f"needs CPython 2.7 and 3.x (looked in {SEARCHED})")
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "fidelity.json")
            proc = self.run_harness("--quick", "--python", f"{two['executable']},{three['executable']}",
                                    "--figures", "cpu:2,convoy:2:check100", "--out", out)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(os.listdir(tmp), ["fidelity.json"])
            with open(out) as f:
                doc = json.load(f)
        sources = {(r["figure"], r["source"]) for r in doc["rows"]}
        self.assertIn(("convoy:2:check100", "model:legacy"), sources)
        self.assertIn(("convoy:2:check100", two["version"]), sources)
        self.assertIn(("cpu:2", "model:cpython"), sources)
        self.assertIn(("cpu:2", three["version"]), sources)
        self.assertEqual(len(doc["legacy_ticks"]), 1)  # one calibration per repetition
        self.assertGreaterEqual(doc["legacy_ticks"][0], 1)
        for row in doc["table"]:
            self.assertIn(row["verdict"].split()[0].rstrip(":"), ("PASS", "FAIL"))
        self.assertIn("verdict", proc.stdout)

    def test_existing_out_file_is_not_overwritten(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "mine.json")
            with open(out, "w") as f:
                f.write("not the harness's")
            proc = self.run_harness("--out", out)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("exists", proc.stderr)
            with open(out) as f:
                self.assertEqual(f.read(), "not the harness's")

    def test_bad_arguments_exit_2(self):
        with tempfile.TemporaryDirectory() as tmp:
            for args, message in [(["--repetitions", "0"], "--repetitions=0"),
                                  (["--python", os.path.join(tmp, "nope")], "nope"),
                                  (["--out", tmp], "is a folder"),
                                  (["--out", os.path.join(tmp, "no", "such.json")], "does not exist"),
                                  (["--figures", "nothing"], "nothing to run")]:
                with self.subTest(args=args):
                    proc = self.run_harness(*args)
                    self.assertEqual(proc.returncode, 2, proc.stderr)
                    self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
                    self.assertIn(message, proc.stderr)
                    self.assertEqual(os.listdir(tmp), [])


if __name__ == "__main__":
    unittest.main()
