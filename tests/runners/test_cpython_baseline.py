"""Tests of runners/cpython_baseline.py: the post's experiment in the real CPython.

Runs the script for real (``--quick``, small worker counts) and checks the tidy rows it
writes. No CPU speedup is asserted (CI machines may have 2 busy cores); the sleep
overlap and the serial lower bound are asserted because they hold on any machine.
"""

import csv
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from sumbench.baseline.modes import MODE_NAMES
from sumbench.schema import COLUMNS

REPO = os.environ.get("SUMBENCH_SOURCE_DIR") or \
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "runners", "cpython_baseline.py")
MODES = set(MODE_NAMES)


def fake_interpreter(folder, body):
    """An executable that answers the interpreter probe (-c CODE) like this python, and
    runs child.py with `body` applied to the loaded child module first."""
    path = os.path.join(folder, "fakepython")
    with open(path, "w") as f:
        f.write(f"#!{sys.executable}\n" + textwrap.dedent('''
            import importlib.util, os, sys
            if sys.argv[1] == "-c":
                exec(sys.argv[2])
                sys.exit(0)
            sys.argv = sys.argv[1:]          # as the interpreter would give them to child.py
            sys.path.insert(0, os.path.dirname(sys.argv[0]))   # child_point.py beside it
            spec = importlib.util.spec_from_file_location("child", sys.argv[0])
            child = importlib.util.module_from_spec(spec)
            sys.modules["child"] = child
            spec.loader.exec_module(child)
        ''') + textwrap.dedent(body) + "\nsys.exit(child.main())\n")
    os.chmod(path, 0o755)
    return path
VERSION = "{}.{}.{}".format(*sys.version_info[:3])
STATUS_KEYS = {"exit_code", "status", "wall_s", "launch_s", "load_before", "load_after",
               "oversubscribed", "warnings", "attempts", "cv", "unstable"}
SLEEP_MS = 50.0
REPS = 2


def run(args, timeout=120, env=None):
    return subprocess.run([sys.executable, SCRIPT] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout,
                          env=env)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


class QuickRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="cpython_baseline_")
        cls.out = os.path.join(cls.tmp.name, "sweep")
        cls.proc = run(["--quick", "--out", cls.out, "--workers", "1,2",
                        "--repetitions", str(REPS), "--sleep-ms", str(SLEEP_MS),
                        "--switch-interval", "1ms,5ms", "--io-waits", "20"])
        cls.header, cls.rows = ([], [])
        csv_path = os.path.join(cls.out, "results.csv")
        if os.path.exists(csv_path):
            cls.header, cls.rows = read_csv(csv_path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def select(self, **kw):
        return [r for r in self.rows if all(r[k] == str(v) for k, v in kw.items())]

    def test_exit_status_and_output(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr + self.proc.stdout)
        self.assertIn("CPython", self.proc.stdout)

    def test_csv_columns_and_rows_json(self):
        self.assertEqual(self.header, COLUMNS)
        points = os.path.join(self.out, "points")
        names = sorted(os.listdir(points))
        self.assertTrue(names)
        for name in names:
            with open(os.path.join(points, name, "rows.json"), encoding="utf-8") as f:
                rows = json.load(f)
            self.assertEqual(len(rows), REPS, name)
            for row in rows:
                self.assertEqual(list(row), COLUMNS, name)
                self.assertEqual(row["point_id"], name)
                self.assertEqual(row["source"], "cpython")
        self.assertEqual(len(self.rows), REPS * len(names))

    def test_modes_and_layouts(self):
        self.assertEqual({r["mode"] for r in self.rows}, MODES)
        self.assertEqual({r["source"] for r in self.rows}, {"cpython"})
        self.assertEqual({r["kernel"] for r in self.rows}, {"sum", "sleep", "convoy"})
        self.assertEqual({r["workers"] for r in self.select(mode="cpython-serial")}, {"1"})
        for r in self.rows:
            w = int(r["workers"])
            self.assertEqual(r["nodes"], "1")
            self.assertTrue(r["hosts"])
            if r["mode"] == "cpython-processes":
                self.assertEqual((r["ranks"], r["threads"]), (str(w), "1"))
            else:
                self.assertEqual((r["ranks"], r["threads"]), ("1", str(w)))
            over = "1" if w > (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                               else os.cpu_count()) else "0"
            self.assertEqual(r["oversubscribed"], over, r["point_id"])
        for kernel in ("sum", "sleep"):
            for mode in ("cpython-threads", "cpython-processes"):
                for scaling in ("strong", "weak"):
                    got = {r["workers"] for r in self.select(kernel=kernel, mode=mode, scaling=scaling)}
                    self.assertEqual(got, {"1", "2"}, (kernel, mode, scaling))

    def test_sum_rows_valid(self):
        rows = self.select(kernel="sum")
        self.assertEqual(len(rows), REPS * 2 * (1 + 2 + 2))  # 2 scalings x (serial + 2 + 2)
        for r in rows:
            self.assertEqual(r["valid"], "1", r)
            self.assertEqual(r["status"], "ok", r)
            self.assertGreater(float(r["time_s"]), 0.0)
            self.assertGreater(float(r["items_per_s"]), 0.0)
        strong = {r["n"] for r in self.select(kernel="sum", scaling="strong")}
        self.assertEqual(len(strong), 1)  # strong: the same total n at every worker count
        n1 = int(strong.pop())
        for r in self.select(kernel="sum", scaling="weak"):
            self.assertEqual(int(r["n"]), n1 * int(r["workers"]))
        # Processes pickle their partials back to the parent; threads share memory.
        for r in self.select(kernel="sum", mode="cpython-processes"):
            self.assertGreater(int(r["combine_bytes"]), 0)
        for r in self.select(kernel="sum", mode="cpython-threads"):
            self.assertEqual(r["combine_bytes"], "0")

    def test_rows_name_the_interpreter(self):
        for r in self.rows:
            self.assertEqual((r["interpreter"], r["interpreter_version"], r["gil_kind"]),
                             ("CPython", VERSION, "new"), r["point_id"])
            self.assertTrue(r["point_id"].startswith(f"cpython-{VERSION}-"), r["point_id"])
            self.assertEqual((r["check_interval"], r["fidelity_figure"]), ("", ""))
        self.assertIn(f"interpreters: CPython {VERSION} (new GIL)", self.proc.stdout)

    def test_threads_rows_carry_the_gil(self):
        version = VERSION
        for r in self.select(mode="cpython-threads"):
            self.assertTrue(r["gil_policy"].startswith("cpython-" + version), r["gil_policy"])
            self.assertGreater(float(r["switch_interval_s"]), 0.0)
        for r in self.select(mode="cpython-processes"):
            self.assertEqual(r["gil_policy"], "")

    def test_convoy_rows(self):
        rows = self.select(kernel="convoy")
        self.assertEqual(len(rows), REPS * 2 * 2)  # 2 intervals x workers 1,2
        for r in rows:
            self.assertEqual(r["mode"], "cpython-threads")
            self.assertEqual(r["workers"], r["threads"])
            self.assertEqual(r["valid"], "1", r)
            self.assertGreaterEqual(float(r["io_latency_s"]), 0.0)
            self.assertTrue(r["gil_policy"].startswith("cpython-"))
            self.assertEqual(r["n"], "20")
            self.assertTrue(r["point_id"].endswith(("-si1ms", "-si5ms")), r["point_id"])
        self.assertEqual({float(r["switch_interval_s"]) for r in rows}, {0.001, 0.005})
        for r in rows:
            want = "-si1ms" if float(r["switch_interval_s"]) == 0.001 else "-si5ms"
            self.assertTrue(r["point_id"].endswith(want))
        # Every wait lasts at least its 1 ms, so the I/O thread takes at least K ms.
        for r in rows:
            self.assertGreaterEqual(float(r["time_s"]), 20 * 0.001)

    def test_sleep_threads_overlap(self):
        sleep_s = SLEEP_MS / 1000.0
        weak = self.select(kernel="sleep", mode="cpython-threads", workers=2, scaling="weak")
        self.assertEqual(len(weak), REPS)
        for r in weak:
            self.assertEqual(r["valid"], "1")
            self.assertEqual(r["n"], "2")  # one task per worker
            t = float(r["time_s"])
            self.assertGreaterEqual(t, sleep_s)
            self.assertLess(t, 1.6 * sleep_s, "two sleeping threads did not overlap")
        # ... while one worker running the same two tasks cannot beat two sleeps.
        serial = self.select(kernel="sleep", mode="cpython-serial", scaling="strong")
        self.assertEqual(len(serial), REPS)
        for r in serial:
            self.assertEqual(r["n"], "2")  # strong: max(--workers) tasks
            self.assertGreaterEqual(float(r["time_s"]), 2 * sleep_s)

    def test_point_files(self):
        points = os.path.join(self.out, "points")
        for name in os.listdir(points):
            d = os.path.join(points, name)
            for f in ("command.json", "command.txt", "raw.json", "rows.json", "status.json"):
                self.assertTrue(os.path.exists(os.path.join(d, f)), (name, f))
            with open(os.path.join(d, "status.json"), encoding="utf-8") as f:
                status = json.load(f)
            self.assertLessEqual(STATUS_KEYS, set(status), name)
            self.assertEqual(status["exit_code"], 0)
            self.assertEqual(status["status"], "ok")
            with open(os.path.join(d, "command.json"), encoding="utf-8") as f:
                command = json.load(f)
            self.assertEqual(command["interpreter"]["implementation"], "CPython")
            self.assertTrue(command["interpreter"]["version"])
            self.assertIn(command["start_method"], ("fork", "spawn", "forkserver"))
            self.assertTrue(command["argv"])
            leftovers = [f for f in os.listdir(d) if f.endswith(".tmp")]
            self.assertEqual(leftovers, [])
        with open(os.path.join(self.out, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        self.assertEqual({r["run_id"] for r in self.rows}, {manifest["run_id"]})


class ExistingSweep(unittest.TestCase):
    def test_writes_beside_sumbench_points(self):
        with tempfile.TemporaryDirectory(prefix="cpython_baseline_") as tmp:
            with open(os.path.join(tmp, "manifest.json"), "w") as f:
                json.dump({"run_id": "sweep-123"}, f)
            # A failed sumbench point (no raw.json): one row with status set.
            sb = os.path.join(tmp, "points", "sum-gil-r1t2-strong")
            os.makedirs(sb)
            with open(os.path.join(sb, "status.json"), "w") as f:
                json.dump({"exit_code": 1, "status": "failed", "wall_s": 0.1,
                           "point": {"kernel": "sum", "mode": "gil", "ranks": 1, "threads": 2,
                                     "workers": 2, "scaling": "strong"}}, f)
            proc = run(["--quick", "--out", tmp, "--kernels", "sleep", "--modes", "threads",
                        "--workers", "2", "--scaling", "weak", "--repetitions", "1",
                        "--sleep-ms", "5"])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(os.path.join(tmp, "manifest.json")) as f:
                self.assertEqual(json.load(f), {"run_id": "sweep-123"})  # left alone
            header, rows = read_csv(os.path.join(tmp, "results.csv"))
            self.assertEqual(header, COLUMNS)
            by_point = {r["point_id"]: r for r in rows}
            pid = f"cpython-{VERSION}-sleep-threads-w2-weak"
            self.assertIn(pid, by_point)
            self.assertEqual(by_point[pid]["run_id"], "sweep-123")
            self.assertIn("sum-gil-r1t2-strong", by_point)  # the sumbench point is kept
            self.assertEqual(by_point["sum-gil-r1t2-strong"]["status"], "failed")


class Validation(unittest.TestCase):
    def test_wrong_sum_is_invalid(self):
        # Worker 0's slice comes back off by one: every sum row must say valid=0 and exit 1.
        with tempfile.TemporaryDirectory(prefix="cpython_baseline_") as tmp:
            python = fake_interpreter(tmp, """
                orig = child.heavy_calculation
                child.heavy_calculation = lambda b, e: orig(b, e) + (1 if b == 0 else 0)
            """)
            out = os.path.join(tmp, "out")
            proc = run(["--quick", "--kernels", "sum", "--workers", "2", "--repetitions", "1",
                        "--out", out, "--python", python], timeout=60)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            _, rows = read_csv(os.path.join(out, "results.csv"))
            self.assertEqual({r["mode"] for r in rows}, MODES)
            for r in rows:
                self.assertEqual((r["valid"], r["status"]), ("0", "invalid"), r["point_id"])
            with open(os.path.join(out, "points", f"cpython-{VERSION}-sum-processes-w2-strong",
                                   "status.json")) as f:
                status = json.load(f)
            self.assertEqual((status["exit_code"], status["status"]), (0, "invalid"))
            self.assertIn("expected", status["reason"])


class BadInput(unittest.TestCase):
    CASES = [
        (["--workers", "1,zero"], "zero"),
        (["--workers", "0"], "0"),
        (["--kernels", "sum,fibonacci"], "fibonacci"),
        (["--modes", "cpython-greenlets"], "cpython-greenlets"),
        (["--switch-interval", "1ms,fast"], "fast"),
        (["--switch-interval=-1ms"], "-1ms"),
        (["--scaling", "sideways"], "sideways"),
        (["--repetitions", "0"], "0"),
        (["--python", "/nonexistent/python3"], "/nonexistent/python3"),
    ]

    def test_bad_input_exits_2(self):
        with tempfile.TemporaryDirectory(prefix="cpython_baseline_") as tmp:
            out = os.path.join(tmp, "out")
            for args, bad in self.CASES:
                with self.subTest(args=args):
                    proc = run(["--quick", "--out", out] + args, timeout=60)
                    self.assertEqual(proc.returncode, 2, proc.stderr)
                    lines = proc.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, proc.stderr)
                    self.assertIn(bad, lines[0])
                    self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))

    def test_missing_out_exits_2(self):
        proc = run(["--quick"], timeout=60)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--out", proc.stderr)

    def test_not_cpython_exits_2(self):
        # An interpreter that says it is PyPy: the script must refuse, saying there is no CPython.
        with tempfile.TemporaryDirectory(prefix="cpython_baseline_") as tmp:
            python = os.path.join(tmp, "pypy3")
            with open(python, "w") as f:
                f.write("#!/bin/sh\necho '{\"implementation\": \"PyPy\", \"version\": \"3.10.14\", "
                        "\"version_info\": [3, 10, 14], \"executable\": \"pypy3\", \"gil_enabled\": true}'\n")
            os.chmod(python, 0o755)
            out = os.path.join(tmp, "out")
            proc = run(["--quick", "--out", out, "--python", python], timeout=60)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
            self.assertIn("not CPython", proc.stderr)
            self.assertIn("PyPy", proc.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "results.csv")))


class Interpreters(unittest.TestCase):
    def test_list_interpreters(self):
        proc = run(["--list-interpreters"], timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(f"CPython {sys.version.split()[0]}", proc.stdout)
        self.assertIn("# looked in PATH:", proc.stdout)

    def test_another_cpython_is_measured(self):
        import shutil
        other = shutil.which("python3")
        if not other or os.path.realpath(other) == os.path.realpath(sys.executable):
            self.skipTest("no second python3 on PATH")
        with tempfile.TemporaryDirectory(prefix="cpython_baseline_") as tmp:
            proc = run(["--quick", "--kernels", "sum", "--modes", "threads", "--workers", "1",
                        "--scaling", "strong", "--repetitions", "1", "--out", tmp, "--python", other])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            _, rows = read_csv(os.path.join(tmp, "results.csv"))
            version = subprocess.run([other, "-c", "import platform; print(platform.python_version())"],
                                     capture_output=True, text=True).stdout.strip()
            self.assertEqual({r["gil_policy"] for r in rows}, {f"cpython-{version}"})


def pyenv_python(prefix):
    """A CPython of pyenv's whose version starts with prefix, or None."""
    from sumbench import interpreters
    found = interpreters.discover()["interpreters"]
    hit = [i for i in found if i["version"].startswith(prefix) and i["where"] == "pyenv"]
    return hit[0] if hit else None


class SeveralInterpreters(unittest.TestCase):
    """--python A,B: each interpreter's rows name it; Python 2 sets its check interval."""

    def test_python_2_and_3_in_one_folder(self):
        two, three = pyenv_python("2.7"), pyenv_python("3.")
        if two is None or three is None:
            self.skipTest("needs pyenv's CPython 2.7 and a 3.x (pyenv versions; looked in "
                          "$(pyenv root)/versions/*/bin)")
        print(f"interpreters used: {two['path']} ({two['version']}), {three['path']} ({three['version']})",
              file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="cpython_baseline_") as tmp:
            proc = run(["--quick", "--kernels", "sum,convoy", "--modes", "serial,threads,processes",
                        "--workers", "2", "--scaling", "strong", "--repetitions", "1", "--io-waits", "5",
                        "--check-interval", "50", "--switch-interval", "1ms",
                        "--python", f"{two['path']},{three['version']}", "--out", tmp], timeout=300)
            self.assertEqual(proc.returncode, 0, proc.stderr + proc.stdout)
            self.assertIn(f"CPython {two['version']} (old GIL)", proc.stdout)
            self.assertIn(f"CPython {three['version']} (new GIL)", proc.stdout)
            _, rows = read_csv(os.path.join(tmp, "results.csv"))
        by_version = {}
        for r in rows:
            by_version.setdefault(r["interpreter_version"], []).append(r)
        self.assertEqual(set(by_version), {two["version"], three["version"]})
        for version, kind in ((two["version"], "old"), (three["version"], "new")):
            got = by_version[version]
            self.assertEqual({r["gil_kind"] for r in got}, {kind})
            self.assertEqual({r["mode"] for r in got}, MODES)
            self.assertTrue(all(r["valid"] == "1" and r["status"] == "ok" for r in got), version)
            threads = [r for r in got if r["mode"] == "cpython-threads"]
            if kind == "old":   # sys.setcheckinterval, no switch interval
                self.assertEqual({r["check_interval"] for r in threads if r["kernel"] == "convoy"}, {"50"})
                self.assertEqual({r["switch_interval_s"] for r in threads}, {""})
            else:
                self.assertEqual({r["check_interval"] for r in threads}, {""})
                self.assertEqual({float(r["switch_interval_s"]) for r in threads if r["kernel"] == "convoy"}, {0.001})
        convoy_ids = {r["point_id"] for r in rows if r["kernel"] == "convoy"}
        self.assertIn(f"cpython-{two['version']}-convoy-threads-w2-strong-ci50", convoy_ids)
        self.assertIn(f"cpython-{three['version']}-convoy-threads-w2-strong-si1ms", convoy_ids)


class Discovery(unittest.TestCase):
    """--python all / a version: what was looked for is named when it is missing."""

    def env(self, tmp, with_python3=True):
        bin_dir = os.path.join(tmp, "bin")
        os.makedirs(bin_dir)
        if with_python3:   # a CPython 3 that is a wrapper of this one (a distinct executable)
            path = os.path.join(bin_dir, "python3")
            with open(path, "w") as f:
                f.write(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
            os.chmod(path, 0o755)
        root = os.path.join(tmp, "pyenv")
        os.makedirs(os.path.join(root, "versions"))
        return dict(os.environ, PATH=bin_dir, PYENV_ROOT=root)

    def test_all_names_what_it_did_not_find(self):
        with tempfile.TemporaryDirectory(prefix="cpython_baseline_") as tmp:
            out = os.path.join(tmp, "out")
            proc = run(["--quick", "--kernels", "sum", "--modes", "threads", "--workers", "1",
                        "--scaling", "strong", "--repetitions", "1", "--python", "all", "--out", out],
                       env=self.env(tmp))
            self.assertEqual(proc.returncode, 0, proc.stderr + proc.stdout)
            self.assertIn("not found: no CPython with the old GIL (looked in PATH (1 folders", proc.stdout)
            self.assertIn(os.path.join(tmp, "pyenv"), proc.stdout)
            _, rows = read_csv(os.path.join(out, "results.csv"))
            self.assertEqual({r["interpreter_version"] for r in rows}, {VERSION})

    def test_a_missing_version_or_none_at_all_exits_2(self):
        with tempfile.TemporaryDirectory(prefix="cpython_baseline_") as tmp:
            out = os.path.join(tmp, "out")
            for args, env, bad in ((["--python", "2.6"], self.env(os.path.join(tmp, "a")), "no CPython 2.6 found"),
                                   (["--python", "all"], self.env(os.path.join(tmp, "b"), False), "no CPython found"),
                                   (["--python", "/bin/true"], None, "does not run as a Python interpreter")):
                with self.subTest(args=args):
                    proc = run(["--quick", "--out", out] + args, env=env)
                    self.assertEqual(proc.returncode, 2, proc.stderr)
                    lines = proc.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, proc.stderr)
                    self.assertIn(bad, lines[0])
                    if "found" in bad:
                        self.assertIn("looked in PATH", lines[0])
                    self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
