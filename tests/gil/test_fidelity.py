"""The child program in real interpreters, and runners/fidelity.py end to end.

Run by CTest with PYTHONPATH=python and SUMBENCH (the binary). The child program
(python/sumbench/baseline/child.py) must run unchanged on Python 2.7 and 3.x: each test
uses pyenv's (or PATH's) 2.7 and one 3.x, and is skipped, naming what was looked for,
when an interpreter is missing; the log says which were used. Invariants only: every
experiment runs and prints one valid JSON line per repetition, bad input exits 2 with
one line, the command writes its folder, resumes a stopped run and never overwrites a
complete one; no timing is asserted.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

from sumbench import interpreters, schema
from sumbench.baseline.orchestrate import CHILD, SCHEMA

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMAND = os.path.join(SOURCE_DIR, "runners", "fidelity.py")
SUMBENCH = os.environ.get("SUMBENCH", os.path.join(SOURCE_DIR, "build", "sumbench"))
FOUND = interpreters.discover()
INTERPRETERS = [i for i in FOUND["interpreters"] if interpreters.supported(i["version_info"])]
SEARCHED = interpreters.looked_in_words(FOUND["looked_in"])
print("fidelity tests: interpreters found: " + (", ".join(f"{i['version']} ({i['path']})" for i in INTERPRETERS)
      or "none") + f"; looked in {SEARCHED}", file=sys.stderr)


def first(prefix):
    return next((i for i in INTERPRETERS if i["version"].startswith(prefix)), None)


def child(interp, spec):
    return subprocess.run([interp["path"], str(CHILD), json.dumps(spec)], capture_output=True, text=True,
                          timeout=300)


class ChildProgram:
    """The same checks on Python 2.7 and on a 3.x (subclasses set PREFIX)."""

    PREFIX = ""

    def setUp(self):
        self.interp = first(self.PREFIX)
        if self.interp is None:
            self.skipTest(f"no CPython {self.PREFIX} found (looked in {SEARCHED})")
        print(f"{self.id()}: {self.interp['path']} ({self.interp['version']})", file=sys.stderr)

    def lines(self, spec):
        proc = child(self.interp, spec)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        docs = [json.loads(line) for line in proc.stdout.splitlines()]
        for d in docs:
            self.assertEqual(d["schema"], SCHEMA)
            self.assertEqual(d["interpreter"]["version"], self.interp["version"])
            self.assertTrue(d["result"]["valid"], d)
        return docs

    def test_info_names_the_gil(self):
        (doc,) = self.lines({"experiment": "info"})
        self.assertEqual(doc["interpreter"]["gil"], "old" if self.PREFIX == "2." else "new")
        self.assertEqual(doc["interpreter"]["implementation"], "CPython")
        self.assertIn(doc["result"]["start_method"], ("fork", "spawn", "forkserver"))
        key = "check_interval" if self.PREFIX == "2." else "switch_interval_s"
        self.assertIn(key, doc["interpreter"])

    def test_cpu_runs_the_loop_serially_and_in_threads(self):
        docs = self.lines({"experiment": "cpu", "threads": 3, "n": 30000, "repetitions": 2})
        self.assertEqual([d["repetition"] for d in docs], [0, 1])
        for d in docs:
            r = d["result"]
            self.assertGreater(r["serial_s"], 0)
            self.assertGreater(r["one_thread_s"], 0)
            # The figure is against one thread of the same interpreter (the model's gil at
            # 1 thread); the post's own ratio, against the main thread, is kept beside it.
            self.assertAlmostEqual(r["ratio"], r["threads_s"] / r["one_thread_s"])
            self.assertAlmostEqual(r["ratio_main"], r["threads_s"] / r["serial_s"])
            # Where the main thread's loop and the one worker's ended: a CPU of this machine.
            for key in ("serial_cpu", "one_thread_cpu"):
                self.assertIn(r[key], range(os.cpu_count()), key)

    def test_convoy_runs_every_wait(self):
        interval = {"check_interval": 100} if self.PREFIX == "2." else {"switch_interval_s": 0.001}
        (doc,) = self.lines(dict(interval, experiment="convoy", threads=2, waits=5))
        r = doc["result"]
        self.assertEqual((r["waits"], len(r["cpu_iterations"]), r["problems"]), (5, 2, []))
        self.assertGreaterEqual(r["added_s_max"], r["added_s_median"])

    def test_convoy_keeps_every_wait_and_runs_alone(self):
        interval = {"check_interval": 100} if self.PREFIX == "2." else {"switch_interval_s": 0.001}
        for threads in (0, 1):   # C = 0: the sleep's own overshoot, the baseline of the figures
            (doc,) = self.lines(dict(interval, experiment="convoy", threads=threads, waits=6))
            r = doc["result"]
            self.assertEqual((len(r["added_s"]), len(r["cpu_iterations"])), (6, threads))
            self.assertAlmostEqual(sum(r["added_s"]) / 6, r["added_s_mean"], places=6)

    def test_ioconvoy_checks_every_byte(self):
        interval = {"check_interval": 100} if self.PREFIX == "2." else {"switch_interval_s": 0.001}
        for threads, io in ((0, 1), (1, 1), (2, 2)):
            with self.subTest(threads=threads, io_threads=io):
                (doc,) = self.lines(dict(interval, experiment="ioconvoy", threads=threads, io_threads=io,
                                         duration_s=0.02))
                r = doc["result"]
                self.assertEqual((r["bad"], r["problems"], len(r["ops"]), len(r["cpu_iterations"])),
                                 (0, [], io, threads))
                self.assertTrue(all(n >= 1 for n in r["ops"]), r)
                # each ran its time (2.7's clock is time.time(): a double of the epoch, ~0.2 us apart)
                self.assertTrue(all(e >= 0.02 - 2e-6 for e in r["elapsed_s"]), r)
                self.assertAlmostEqual(r["ops_per_s"], sum(n / e for n, e in zip(r["ops"], r["elapsed_s"])))

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

    def test_the_posts_experiment_in_every_mode(self):
        for kernel in ("sum", "sleep"):
            for mode in ("cpython-serial", "cpython-threads", "cpython-processes"):
                with self.subTest(kernel=kernel, mode=mode):
                    (doc,) = self.lines({"experiment": "point", "kernel": kernel, "mode": mode, "workers": 2,
                                         "n_per_worker": 20000, "sleep_ms": 2.0, "max_workers": 2})
                    r = doc["result"]
                    self.assertEqual(r["problems"], [])
                    self.assertEqual(r["n"], 20000 if kernel == "sum" else 2)
                    self.assertEqual(r["combine_bytes"] > 0, mode == "cpython-processes")

    def test_bad_spec_exits_2_with_one_line(self):
        wrong = {"check_interval": 100} if self.PREFIX == "3." else {"switch_interval_s": 0.005}
        for spec, message in [("{", "not JSON"), (json.dumps({"experiment": "fly"}), "'fly'"),
                              (json.dumps({"experiment": "cpu", "threads": 0}), "threads=0"),
                              (json.dumps({"experiment": "ioconvoy", "io_threads": 3}), "io_threads=3"),
                              (json.dumps({"experiment": "cpu", "n": "5"}), "n="),
                              (json.dumps({"experiment": "cpu", "bogus": 1}), "bogus"),
                              (json.dumps({"experiment": "point", "kernel": "sum"}), "needs a kernel and a mode"),
                              (json.dumps(dict(wrong, experiment="convoy")), "has no sys.set")]:
            with self.subTest(spec=spec):
                proc = subprocess.run([self.interp["path"], str(CHILD), spec], capture_output=True, text=True,
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
                         dict(interval, experiment="ioconvoy", threads=1, io_threads=2, duration_s=0.01),
                         {"experiment": "handoff", "duration_s": 0.01}, {"experiment": "calibrate", "n": 3000},
                         {"experiment": "point", "kernel": "sum", "mode": "cpython-processes", "workers": 2,
                          "n_per_worker": 3000}]:
                with self.subTest(python=interp["version"], experiment=spec["experiment"]):
                    proc = child(interp, spec)
                    self.assertEqual(proc.returncode, 0, proc.stderr)
                    doc = json.loads(proc.stdout)
                    self.assertTrue(doc["result"]["valid"], doc)
                    self.assertEqual(doc["interpreter"]["executable"], interp["executable"])


class LegacyDefaults(unittest.TestCase):
    """legacy without --gil-tick needs no interpreter: with no Python on PATH and no pyenv,
    sumbench runs it, and its tick is the catalogue's stored Python 2.7 bytecode time at the
    element rate sumbench measured at start-up (issue 20)."""

    def test_no_python_needed(self):
        with tempfile.TemporaryDirectory(prefix="nopython-") as bindir:
            for name in os.listdir("/usr/bin"):   # everything MPI's start-up may need, but no Python
                if not name.startswith("python") and not name.startswith("pydoc"):
                    os.symlink(os.path.join("/usr/bin", name), os.path.join(bindir, name))
            env = {"PATH": bindir, "HOME": os.environ.get("HOME", "/tmp")}
            env.update({k: v for k, v in os.environ.items() if k.startswith("OMPI_")})
            self.assertIsNone(shutil.which("python3", path=bindir))
            cat = json.loads(subprocess.run([SUMBENCH, "--list=json"], capture_output=True, text=True, env=env,
                                            check=True, timeout=120).stdout)
            proc = subprocess.run([SUMBENCH, "--modes=gil", "--gil-policy=legacy", "--kernels=sum,convoy", "--quick",
                                   "--workers=2", "--benchmark_repetitions=1", "--benchmark_format=json"],
                                  capture_output=True, text=True, env=env, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        entries = [b for b in json.loads(proc.stdout)["benchmarks"] if b.get("run_type") == "iteration"]
        self.assertEqual(len(entries), 2)
        stored = cat["legacy_bytecode_ns"]
        for b in entries:
            self.assertEqual(b["valid"], 1, b["name"])
            self.assertIn("/policy:legacy/check:100", b["name"])
            element = b["gil_element_ns"]
            self.assertGreater(element, 0)
            self.assertEqual(b["gil_tick_elements"], max(1, round(stored / element)), b["name"])
            self.assertAlmostEqual(b["gil_bytecode_ns"], stored, delta=element)   # rounding: half an element


class Python2(ChildProgram, unittest.TestCase):
    PREFIX = "2."


class Python3(ChildProgram, unittest.TestCase):
    PREFIX = "3."


def run_command(*args, timeout=600):
    return subprocess.run([sys.executable, COMMAND, "--sumbench", SUMBENCH] + list(args), capture_output=True,
                          text=True, timeout=timeout)


class Command(unittest.TestCase):
    def setUp(self):
        self.two, self.three = first("2."), first("3.")
        tmp = tempfile.TemporaryDirectory(prefix="fidelity-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def need_both(self):
        if self.two is None or self.three is None:
            self.skipTest(f"needs CPython 2.7 and 3.x (looked in {SEARCHED})")
        return f"{self.two['path']},{self.three['path']}"

    def test_quick_run_writes_model_real_and_control_rows(self):
        out = os.path.join(self.tmp, "out")
        proc = run_command("--quick", "--python", self.need_both(), "--figures", "cpu:2,convoy:2:check100",
                           "--out", out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        pdir = os.path.join(out, "points", "fidelity")
        self.assertEqual(sorted(os.listdir(pdir)), ["command.json", "command.txt", "raw.json", "rows.json",
                                                    "status.json", "table.txt"])
        with open(os.path.join(pdir, "raw.json")) as f:
            doc = json.load(f)
        runs = {(m["figure"], m["policy"], m["source"]) for m in doc["measurements"]}
        real = {("cpu:2", "legacy"), ("cpu:2", "cpython"), ("seed:2", "legacy"), ("seed:2", "cpython"),
                ("convoy:2:check100", "legacy"), ("convoy:0:check100", "legacy")}
        self.assertEqual({(f, p) for f, p, s in runs if s == "cpython"}, real)
        # The model: the right policy, legacy's defaults, and every control of each figure,
        # with the C = 0 runs of each (issue 20).
        model = {(f, p) for f, p, s in runs if s == "sumbench"}
        for policy in ("cpython", "legacy", "legacy-defaults", "fifo", "none"):
            for figure in ("cpu:2", "seed:2"):
                self.assertIn((figure, policy), model)
        for figure, policy in [("convoy:2:check100", "legacy"), ("convoy:2:check100", "legacy-defaults"),
                               ("convoy:2:5ms", "fifo"), ("convoy:2:5ms", "none"), ("convoy:2:5ms", "cpython"),
                               ("convoy:0:check100", "legacy"), ("convoy:0:check100", "legacy-defaults"),
                               ("convoy:0:5ms", "fifo"), ("convoy:0:5ms", "none"), ("convoy:0:5ms", "cpython")]:
            self.assertIn((figure, policy), model)
        for m in doc["measurements"]:   # every convoy run keeps each wait, on both sides
            if m["figure"].startswith("convoy:"):
                self.assertEqual(len(m["waits"]), 10, m["figure"])
            self.assertIn("others", m["load"])
        self.assertEqual(len(doc["legacy_ticks"]), 1)  # one calibration per repetition
        self.assertGreaterEqual(doc["legacy_ticks"][0], 1)
        table = {(s["figure"], s["policy"]): s for s in doc["table"]}
        self.assertEqual(set(table), {("cpu:2", "legacy"), ("cpu:2", "cpython"), ("seed:2", "legacy"),
                                      ("seed:2", "cpython"), ("convoy:2:check100", "legacy")})
        for s in doc["table"]:   # every control judged by the same rule; one run is too few
            roles = [(r["role"], r["policy"]) for r in s["roles"]]
            expect = [("policy", "cpython"), ("fifo", "fifo"), ("none", "none"), ("crossed", "legacy")] \
                if s["policy"] == "cpython" else \
                [("policy", "legacy"), ("defaults", "legacy-defaults"), ("fifo", "fifo"), ("none", "none"),
                 ("crossed", "cpython")]
            self.assertEqual(roles, expect, s["figure"])
            for r in s["roles"]:
                self.assertEqual((r["n"], r["outcome"]), (1, "too few runs"), (s["figure"], r))
            self.assertFalse(s["discriminates"])
        rows = schema.read_results_csv(os.path.join(out, "results.csv"))
        self.assertEqual(len(rows), len(doc["measurements"]))
        real_rows = [r for r in rows if r["source"] == "cpython"]
        self.assertEqual({(r["interpreter_version"], r["gil_kind"]) for r in real_rows},
                         {(self.two["version"], "old"), (self.three["version"], "new")})
        self.assertEqual({r["check_interval"] for r in rows if r["fidelity_figure"] == "convoy:2:check100"}, {100})
        self.assertIn("fifo", proc.stdout)
        self.assertIn("cpython vs 2.7", proc.stdout)
        self.assertIn("figures discriminate", proc.stdout)
        self.assertIn("estimated", proc.stdout)
        self.assertIn(f"interpreter: CPython {self.two['version']} (old GIL)", proc.stdout)

    def test_a_stopped_run_resumes_and_a_complete_one_is_kept(self):
        python = self.need_both().split(",")[1]   # the 3.x: cpython's figures only
        out = os.path.join(self.tmp, "out")
        args = [sys.executable, COMMAND, "--sumbench", SUMBENCH, "--python", python, "--figures", "convoy:1:1ms",
                "--waits", "3", "--repetitions", "3", "--out", out]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in proc.stdout:   # stop it once the first repetition is written
            if line.startswith("repetition 1/3 done"):
                proc.send_signal(signal.SIGTERM)
                break
        proc.communicate(timeout=120)
        self.assertNotEqual(proc.returncode, 0)
        pdir = os.path.join(out, "points", "fidelity")
        self.assertFalse(os.path.exists(os.path.join(pdir, "status.json")))
        with open(os.path.join(pdir, "raw.json")) as f:
            self.assertGreaterEqual(json.load(f)["repetitions_done"], 1)
        other = run_command("--python", python, "--figures", "convoy:1:1ms", "--waits", "4", "--repetitions", "3",
                            "--out", out)
        self.assertEqual(other.returncode, 2, other.stderr)
        self.assertIn("other settings (waits)", other.stderr)
        # A run stopped by an older sumbench (another raw format) is refused, not mixed in.
        raw = os.path.join(pdir, "raw.json")
        with open(raw) as f:
            saved = f.read()
        with open(raw, "w") as f:
            json.dump(dict(json.loads(saved), schema="sumbench.fidelity/3"), f)
        older = run_command("--python", python, "--figures", "convoy:1:1ms", "--waits", "3", "--repetitions", "3",
                            "--out", out)
        self.assertEqual(older.returncode, 2, older.stderr)
        self.assertIn("another format", older.stderr)
        with open(raw, "w") as f:
            f.write(saved)
        again = run_command("--python", python, "--figures", "convoy:1:1ms", "--waits", "3", "--repetitions", "3",
                            "--out", out)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("resuming after repetition", again.stdout)
        with open(os.path.join(pdir, "raw.json")) as f:
            doc = json.load(f)
        self.assertEqual(sorted({m["repetition"] for m in doc["measurements"]}), [0, 1, 2])
        # 3 repetitions x (the interpreter + the model's cpython, fifo, none and legacy), at C = 1 and C = 0
        self.assertEqual(len(doc["measurements"]), 3 * 5 * 2)
        with open(os.path.join(pdir, "raw.json"), "rb") as f:
            before = f.read()
        done = run_command("--python", python, "--figures", "convoy:1:1ms", "--waits", "3", "--repetitions", "3",
                           "--out", out)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("already holds a complete fidelity run", done.stderr)
        with open(os.path.join(pdir, "raw.json"), "rb") as f:
            self.assertEqual(f.read(), before)

    def test_a_folder_that_is_not_ours_is_refused(self):
        mine = os.path.join(self.tmp, "mine")
        os.makedirs(mine)
        with open(os.path.join(mine, "notes.txt"), "w") as f:
            f.write("the user's")
        proc = run_command("--quick", "--out", mine)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("refusing to write into it", proc.stderr)
        self.assertEqual(os.listdir(mine), ["notes.txt"])

    def test_bad_arguments_exit_2(self):
        for args, message in [(["--repetitions", "0"], "--repetitions=0"),
                              (["--waits", "many"], "--waits=many"),
                              (["--python", os.path.join(self.tmp, "nope")], "nope"),
                              (["--python", "2.5"], "no CPython 2.5 found (looked in"),
                              (["--figures", "nothing"], "matches no figure"),
                              (["--sumbench", os.path.join(self.tmp, "nosb")], "not an executable file")]:
            with self.subTest(args=args):
                proc = run_command(*args, "--out", os.path.join(self.tmp, "out"))
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
                self.assertIn(message, proc.stderr)
                self.assertEqual(os.listdir(self.tmp), [])

    def test_the_command_is_a_link_to_the_package(self):
        self.assertTrue(os.path.islink(COMMAND))
        self.assertEqual(os.path.realpath(COMMAND), os.path.join(SOURCE_DIR, "python", "entry.py"))
        self.assertIsNotNone(shutil.which(sys.executable))


if __name__ == "__main__":
    unittest.main()
