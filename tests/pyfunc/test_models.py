"""sumbench-py under every model of every CPython found: README's "Your own Python
function" commands, run as they are written (in a copy of examples/own-function), and
what they wrote: every interpreter's models (2.7: serial, threads, fork; 3.x: also spawn
and the pools; 3.12+: also subinterpreters with their own GIL), the phases of every
repetition, the missing models said plainly, the answer sentence printed and in the
report, and speedups that are what results.csv's times say. No speed is asserted."""

import json
import html
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import unittest

from pyfunc_helpers import REPO, minor, pyenv_versions, read_rows

from sumbench import interpreters

PICKLING = {"py-fork", "py-spawn", "py-process-pool", "py-subinterpreters"}
PHASES = ("start_s", "send_s", "compute_s", "return_s", "stop_s", "combine_s")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def readme_block():
    text = read(os.path.join(REPO, "README.md"))
    section = text.split("## Your own Python function\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def expected_modes(version):
    v = minor(version)
    out = {"py-serial", "py-threads", "py-fork"}
    if v >= (3, 4):
        out |= {"py-spawn", "py-thread-pool", "py-process-pool"}
    if v >= (3, 12):
        out.add("py-subinterpreters")
    return out


class ReadmeRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="pyfunc_readme_")
        root = cls.tmp.name
        shutil.copytree(os.path.join(REPO, "examples", "own-function"), os.path.join(root, "examples", "own-function"))
        for name in ("runners", "reports"):
            os.symlink(os.path.join(REPO, name), os.path.join(root, name))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}   # a user's shell
        cls.proc = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_block()], cwd=root, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                                  timeout=850)
        print(cls.proc.stdout + cls.proc.stderr, flush=True)   # the log names the interpreters used
        cls.out = os.path.join(root, "examples", "own-function", "results", "post")
        cls.rows = read_rows(cls.out) if os.path.exists(os.path.join(cls.out, "results.csv")) else []
        cls.found = interpreters.discover()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def versions(self):
        return sorted({r["interpreter_version"] for r in self.rows}, key=minor)

    def test_exit_status_and_no_error(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertNotIn("error:", self.proc.stderr)

    def test_the_interpreters_present_ran(self):
        ran = self.versions()
        self.assertTrue(ran, "no rows")
        line = next(l for l in self.proc.stdout.splitlines() if l.startswith("pyfunc.py: interpreters: "))
        for v in ran:   # the log names every interpreter measured
            self.assertIn(f"CPython {v} ", line)
        present = pyenv_versions()
        for prefix in ("2.7", "3.12", "3.13"):
            if any(p.startswith(prefix) for p in present):
                self.assertTrue(any(v.startswith(prefix) for v in ran), f"pyenv has {prefix}, it did not run")
        if any(p.startswith("3.") for p in present):
            self.assertTrue(any(v.startswith("3.") for v in ran))

    def test_every_model_each_interpreter_has(self):
        for v in self.versions():
            mine = [r for r in self.rows if r["interpreter_version"] == v]
            self.assertEqual({r["mode"] for r in mine}, expected_modes(v), v)
            for r in mine:
                self.assertEqual((r["status"], r["valid"], r["source"], r["kernel"]),
                                 ("ok", "1", "pyfunc", "post:heavy_calculation"), r["point_id"])
                self.assertEqual(r["n"], "300000")
                self.assertGreater(float(r["time_s"]), 0)
                self.assertEqual(int(r["workers"]), 1 if r["mode"] == "py-serial" else 2)

    def test_phases_of_every_repetition(self):
        for pid in {r["point_id"] for r in self.rows}:
            raw = json.loads(read(os.path.join(self.out, "points", pid, "raw.json")))
            mode, w = raw["point"]["mode"], raw["point"]["workers"]
            self.assertEqual(len(raw["repetitions"]), 3, pid)
            for rep in raw["repetitions"]:
                t = rep["time_s"]
                self.assertTrue(rep["valid"], pid)
                for phase in PHASES:
                    self.assertTrue(0 <= rep[phase] <= t, f"{pid}: {phase} {rep[phase]} of {t}")
                self.assertLessEqual(rep["start_s"] + rep["send_s"], t + 1e-9, pid)
                self.assertEqual(len(rep["per_worker"]), w, pid)
                self.assertTrue(1 <= rep["workers_used"] <= w, pid)
                if mode in PICKLING:
                    self.assertGreater(rep["bytes_back"], 0, pid)   # the pickled partials came back
                else:
                    self.assertEqual(rep["bytes_back"], 0, pid)
                if mode not in ("py-serial", "py-thread-pool", "py-process-pool"):
                    self.assertGreater(rep["start_s"], 0, pid)      # workers were started and waited for

    def test_subinterpreters_have_their_own_gil(self):
        runs = json.loads(read(os.path.join(self.out, "pyfunc.json")))["functions"]["post:heavy_calculation"]
        for v, rec in runs["interpreters"].items():
            if minor(v) >= (3, 13):
                self.assertIn("gil='own'", rec["subinterpreters"])
            elif minor(v) >= (3, 12):
                self.assertIn("isolated=True", rec["subinterpreters"])
            else:
                self.assertIsNone(rec["subinterpreters"])

    def test_missing_models_are_said(self):
        out = self.proc.stdout
        for v in self.versions():
            if minor(v) < (3, 12):
                self.assertIn(f"Python {v.rsplit('.', 1)[0]} has no subinterpreters with their own GIL (3.12+)", out)
            if minor(v) == (2, 7):
                self.assertIn(f"py-spawn: Python {v} has no spawn start method", out)
                self.assertIn(f"py-process-pool: Python {v} has no concurrent.futures", out)
        if not any(i["gil"] == "free-threaded" for i in self.found["interpreters"]):
            self.assertIn("no free-threaded interpreter found: install 3.13t to measure it (looked on PATH and "
                          "under pyenv)", out)

    def test_answer_is_what_the_times_say(self):
        lines = [l for l in self.proc.stdout.splitlines() if l.startswith("for your function")]
        self.assertEqual(len(lines), len(self.versions()))
        for v in self.versions():
            line = next(l for l in lines if f"(CPython {v})," in l)

            def speedup(mode):
                times = lambda m: [float(r["time_s"]) for r in self.rows  # noqa: E731
                                   if r["interpreter_version"] == v and r["mode"] == m]
                return f"{statistics.median(times('py-serial')) / statistics.median(times(mode)):.2f}×"
            head = f"for your function post:heavy_calculation (CPython {v}), at 2 workers: " \
                   f"processes {speedup('py-fork')}, threads {speedup('py-threads')}"
            self.assertTrue(line.startswith(head), f"{line!r} != {head!r}...")
            if minor(v) >= (3, 12):
                self.assertIn(f", subinterpreters {speedup('py-subinterpreters')} (also: spawn "
                              f"{speedup('py-spawn')}, process pool {speedup('py-process-pool')}, "
                              f"thread pool {speedup('py-thread-pool')})", line)

    def test_report_shows_the_answer_and_the_costs(self):
        report = os.path.join(self.out, "report")
        page = read(os.path.join(report, "index.html"))
        self.assertIn('data-pyfunc="1"', page)
        text = html.unescape(page)
        for line in (l for l in self.proc.stdout.splitlines() if l.startswith("for your function")):
            self.assertIn(line, text)
        costs = read(os.path.join(report, "tables", "pyfunc_costs.csv")).splitlines()
        self.assertEqual(len(costs) - 1, len({r["point_id"] for r in self.rows}))
        self.assertTrue(costs[0].startswith("run,function,interpreter,mode,workers,reps,time_s,start_s,send_s,"))
        figures = os.listdir(os.path.join(report, "figures"))
        self.assertIn("pyfunc_post_heavy_calculation_answer.png", figures)
        self.assertIn("pyfunc_post_heavy_calculation_phases.png", figures)


if __name__ == "__main__":
    unittest.main()
