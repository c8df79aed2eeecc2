"""sumbench-py's verdicts in the python3 running the tests: a partial that makes the combined
result differ from the serial one makes the point invalid (exit 1), a function that raises
in a worker fails its point, partials that cannot be pickled leave the process models out
(said, not an error), a hanging worker is killed at --timeout with its process tree, and
the function's rows join a folder of sumbench's own modes and the CPython baseline, in
results.csv and in the report."""

import json
import html
import os
import subprocess
import sys
import tempfile
import time
import unittest

from pyfunc_helpers import REPO, read_rows, run

def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


FAST = ["--n", "2000", "--workers", "2", "--repetitions", "2", "--no-report"]


class Verdicts(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="pyfunc_results_")
        self.tmp = self._tmp.name
        self.addCleanup(self._tmp.cleanup)

    def test_invalid_partial_makes_the_point_invalid(self):
        out = os.path.join(self.tmp, "out")
        proc = run(["funcs:wrong_split", "--models", "threads,fork", "--out", out] + FAST, self.tmp)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("warning: reduced over 2 slices the result is", proc.stdout)
        by_mode = {}
        for r in read_rows(out):
            by_mode.setdefault(r["mode"], []).append(r)
        self.assertEqual(set(by_mode), {"py-serial", "py-threads", "py-fork"})
        self.assertTrue(all(r["valid"] == "1" and r["status"] == "ok" for r in by_mode["py-serial"]))
        for mode in ("py-threads", "py-fork"):
            self.assertEqual(len(by_mode[mode]), 2)
            self.assertTrue(all(r["valid"] == "0" and r["status"] == "invalid" for r in by_mode[mode]), mode)
            pid = by_mode[mode][0]["point_id"]
            with open(os.path.join(out, "points", pid, "status.json")) as f:
                status = json.load(f)
            self.assertIn("!= the serial result", status["reason"])
        self.assertIn("at 2 workers: processes invalid, threads invalid", proc.stdout)

    def test_a_function_that_raises_in_a_worker_fails_its_point(self):
        out = os.path.join(self.tmp, "out")
        proc = run(["funcs:raises_in_workers", "--models", "threads,process-pool", "--out", out] + FAST, self.tmp)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        rows = read_rows(out)
        self.assertEqual({r["status"] for r in rows if r["mode"] != "py-serial"}, {"failed"})
        self.assertIn("raised KeyError: 'only the main thread may'", proc.stdout)

    def test_unpicklable_partials_leave_the_process_models_out(self):
        out = os.path.join(self.tmp, "out")
        proc = run(["funcs:unpicklable", "--reduce", "funcs:call_sum", "--out", out] + FAST, self.tmp)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual({r["mode"] for r in read_rows(out)}, {"py-serial", "py-threads", "py-thread-pool"})
        for mode in ("py-fork", "py-spawn", "py-process-pool"):
            self.assertRegex(proc.stdout, rf"not measured: {mode}: its partials cannot be pickled \(.*\): no "
                                          r"process can send them back")

    def test_a_hanging_worker_is_killed_at_the_timeout(self):
        out, pids = os.path.join(self.tmp, "out"), os.path.join(self.tmp, "pids")
        t = time.monotonic()
        proc = run(["funcs:hangs_in_workers", "--models", "fork", "--timeout", "3", "--out", out] + FAST,
                   self.tmp, PYFUNC_TEST_PIDS=pids)
        self.assertLess(time.monotonic() - t, 120)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        fork = [r for r in read_rows(out) if r["mode"] == "py-fork"]
        self.assertEqual([r["status"] for r in fork], ["timeout"])
        with open(pids) as f:
            hung = [int(p) for p in f.read().split()]
        self.assertTrue(hung)
        deadline = time.monotonic() + 15   # a killed worker may be a zombie until init reaps it
        while [p for p in hung if alive(p)] and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual([p for p in hung if alive(p)], [], "a worker outlived the timeout")


class Beside(unittest.TestCase):
    """The function's rows in a folder that holds sumbench's modes and the baseline."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="pyfunc_beside_")
        cls.out = os.path.join(cls._tmp.name, "sweep")
        cls.sumbench = os.environ.get("SUMBENCH")
        if cls.sumbench and os.access(cls.sumbench, os.X_OK):
            subprocess.run([sys.executable, os.path.join(REPO, "runners", "sweep.py"), "--kernels=sum",
                            "--modes=serial,gil", "--workers=1,2", "--quick", "--repetitions=1",
                            f"--sumbench={cls.sumbench}", f"--out={cls.out}"], check=True, timeout=600)
        else:
            cls.sumbench = None
        subprocess.run([sys.executable, os.path.join(REPO, "runners", "cpython_baseline.py"), "--quick",
                        "--kernels=sum", "--modes=serial,threads", "--workers=2", "--scaling=strong",
                        "--repetitions=1", f"--out={cls.out}"], check=True, timeout=600)
        cls.manifest = read(os.path.join(cls.out, "manifest.json"))
        cls.proc = run(["funcs:loop", "--models", "threads,fork", "--out", cls.out, "--n", "20000",
                        "--workers", "2", "--repetitions", "2"], cls._tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def test_rows_beside_each_other(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        sources = {r["source"] for r in read_rows(self.out)}
        self.assertEqual(sources, {"pyfunc", "cpython"} | ({"sumbench"} if self.sumbench else set()))
        self.assertEqual(read(os.path.join(self.out, "manifest.json")), self.manifest,
                         "the sweep's manifest was rewritten")

    def test_report_shows_the_function_beside_the_post(self):
        page = html.unescape(read(os.path.join(self.out, "report", "index.html")))
        section = page.split('<section id="pyfunc"', 1)[1].split("</section>", 1)[0]
        self.assertIn("for your function funcs:loop (CPython ", section)
        beside = section.split("The post's loop in the same folder", 1)[1]
        self.assertIn("cpython-threads", beside)
        if self.sumbench:
            self.assertIn("gil ", beside)


if __name__ == "__main__":
    unittest.main()
