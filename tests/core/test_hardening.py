"""Issue 10's driver items, run on the real binary: Google Benchmark's flags and variables,
the output file, signals, memory, and ranks that disagree. Every bad input gets one line,
exit 2 and no file, on every rank; nothing hangs.

Run by CTest with SUMBENCH and MPIEXEC in the environment (see test_driver.py).
"""
import glob
import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import unittest

from test_driver import MPIEXEC_KIND, SUMBENCH, mpiexec, run

QUICK = ["--quick", "--kernels=sum", "--modes=serial"]
SMALL = QUICK + ["--benchmark_repetitions=1"]
def mpi(ranks):
    """The launcher for `ranks` ranks; every rank runs to its own end (Open MPI aborts the
    others once one exits non-zero)."""
    return mpiexec(ranks) + (["--mca", "orte_abort_on_non_zero_status", "0"] if MPIEXEC_KIND == "openmpi" else [])


def error_lines(text):
    return [line for line in text.splitlines() if line.startswith("sumbench: error")]


def run_ranks(test, ranks, args, env=None, timeout=120):
    """Runs sumbench on `ranks` ranks, each wrapped to report its own exit status.

    `env`: {rank: {NAME: VALUE}} for variables that only some ranks see. Never hangs the
    suite: on timeout mpirun gets SIGTERM (it then stops its ranks), and the test fails.
    """
    wrap = ["sh", "-c", '"$0" "$@"; rc=$?; echo "rank-exit $rc" >&2; exit $rc', SUMBENCH] + args
    cmd = mpi(ranks)
    for r in range(ranks):
        cmd += ([":"] if r else []) + ["-n", "1"]
        for name, value in (env or {}).get(r, {}).items():
            cmd += ["-x", f"{name}={value}"] if MPIEXEC_KIND == "openmpi" else ["-env", name, value]
        cmd += wrap
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate()
        test.fail(f"hung for {timeout} s: {' '.join(cmd)}\n{err[-2000:]}")
    statuses = sorted(int(line.split()[1]) for line in err.splitlines() if line.startswith("rank-exit "))
    return proc.returncode, statuses, out, err


class Inputs(unittest.TestCase):
    """Google Benchmark's flags and variables: 18ebea3 aborted, printed usage with exit 0,
    or ran nothing with exit 0."""

    FLAGS = [
        (["--benchmark_repetitions=-1"], "--benchmark_repetitions=-1 is out of range"),
        (["--benchmark_repetitions=0"], "--benchmark_repetitions=0 is out of range"),
        (["--benchmark_repetitions=99999999999"], "99999999999"),
        (["--benchmark_format=xml"], "--benchmark_format=xml"),
        (["--benchmark_out_format=xml"], "--benchmark_out_format=xml"),
        (["--benchmark_time_unit=ps"], "--benchmark_time_unit=ps"),
        (["--benchmark_filter=^nothing/"], "--benchmark_filter=^nothing/ (from the command line) matches none"),
        (["--benchmark_filter=("], "not a valid regular expression"),
        (["--benchmark_filter=-."], "matches none"),
        (["--benchmark_filter"], "--benchmark_filter needs a value"),
        (["--benchmark_list_tests"], "--benchmark_list_tests runs nothing"),
        (["--benchmark_min_time=abc"], "--benchmark_min_time=abc"),
        (["--benchmark_min_time=nan"], "--benchmark_min_time=nan"),
        (["--benchmark_min_time=1x"], "no Nx"),
        (["--benchmark_min_warmup_time=-1"], "--benchmark_min_warmup_time=-1"),
        (["--benchmark_display_aggregates_only=maybe"], "maybe"),
        (["--benchmark_color="], "--benchmark_color="),
        (["--benchmark_context=hosts=mine"], "'hosts'"),
        (["--benchmark_context=date=now"], "'date'"),
        (["--benchmark_context=a=1,a=2"], "'a' is given twice"),
        (["--benchmark_context=nokey"], "'nokey' is not KEY=VALUE"),
        (["--v=loud"], "--v=loud"),
        (["--benchmark_out="], "--benchmark_out= needs a file name"),
    ]
    VARIABLES = [
        ({"BENCHMARK_REPETITIONS": "-1"}, "BENCHMARK_REPETITIONS=-1 (in the environment) is out of range"),
        ({"BENCHMARK_FORMAT": "xml"}, "BENCHMARK_FORMAT=xml"),
        ({"BENCHMARK_MIN_TIME": "1x"}, "BENCHMARK_MIN_TIME=1x"),
        ({"BENCHMARK_FILTER": "^nothing/"}, "(from BENCHMARK_FILTER in the environment) matches none"),
        ({"BENCHMARK_CONTEXT": "hosts=x"}, "'hosts'"),
        ({"BENCHMARK_LIST_TESTS": "1"}, "--benchmark_list_tests runs nothing"),
        ({"V": "loud"}, "V=loud"),
    ]

    def check(self, args, message, env=None):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.json")
            proc = subprocess.run([SUMBENCH] + QUICK + args + ["--benchmark_out=" + out], capture_output=True,
                                  text=True, timeout=120, env=dict(os.environ, **(env or {})))
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertEqual(len(error_lines(proc.stderr)), 1, proc.stderr)
            self.assertIn(message, error_lines(proc.stderr)[0])
            self.assertEqual(proc.stdout, "", "nothing runs, no usage text")
            self.assertEqual(os.listdir(tmp), [], "no result file on bad input")

    def test_bad_flags(self):
        for args, message in self.FLAGS:
            with self.subTest(args=args):
                self.check(args, message)

    def test_bad_variables(self):
        for env, message in self.VARIABLES:
            with self.subTest(env=env):
                self.check([], message, env)

    def test_variables_are_honoured_over_sumbench_defaults(self):
        env = dict(os.environ, BENCHMARK_REPETITIONS="2", BENCHMARK_FILTER="serial")
        proc = subprocess.run([SUMBENCH, "--quick", "--kernels=sum", "--modes=serial,omp", "--workers=1",
                               "--benchmark_format=json"], capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = json.loads(proc.stdout)
        self.assertEqual({b["name"].split("/")[1] for b in doc["benchmarks"]}, {"serial"})
        self.assertEqual({b["repetitions"] for b in doc["benchmarks"]}, {2})
        self.assertEqual(doc["context"]["benchmark_environment"], "BENCHMARK_FILTER=serial BENCHMARK_REPETITIONS=2")

    def test_list_tests_lists_the_selected_cases_once(self):
        proc = run(["--quick", "--kernels=sum", "--modes=serial,gil", "--benchmark_list_tests",
                    "--benchmark_filter=gil"], ranks=2)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.splitlines(),
                         ["sum/gil/ranks:1/threads:2/n:16777216/policy:cpython/interval:5000us/manual_time"])

    def test_summary_shows_only_what_ran(self):
        proc = run(SMALL[:2] + ["--modes=serial,omp", "--workers=1", "--benchmark_filter=omp"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        summary = proc.stdout[proc.stdout.index("sum: speedup"):]
        self.assertIn("omp ", summary)
        self.assertNotIn("serial ", summary, "a filtered-out case is not a row with median '-' and 'valid yes'")


class Output(unittest.TestCase):
    """--benchmark_out: checked before anything runs, named as the user wrote it."""

    def refused(self, path, message, folder=None):
        proc = run(SMALL + ["--benchmark_out=" + path])
        self.assertEqual(proc.returncode, 2, proc.stderr)
        lines = error_lines(proc.stderr)
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertIn("--benchmark_out=" + path, lines[0])
        self.assertIn(message, lines[0])
        self.assertNotIn(".tmp.", proc.stderr, "the user's path, not the temporary file")
        self.assertEqual(proc.stdout, "", "checked before running")
        if folder:
            self.assertEqual(os.listdir(folder), [])

    def test_missing_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.refused(os.path.join(tmp, "missing", "out.json"), "does not exist", tmp)

    def test_existing_directory(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.mkdir(os.path.join(tmp, "results"))
            self.refused(os.path.join(tmp, "results"), "is a directory")
            self.assertEqual(os.listdir(os.path.join(tmp, "results")), [])

    def test_proc(self):
        self.refused("/proc/sumbench-out.json", "cannot create a file in /proc")

    # Never /dev/null or /dev/stdout themselves: 18ebea3 renamed its file onto the path and
    # replaced them, for every process of the machine. Stand-ins in a temporary folder.
    def test_device_and_pipe_are_not_replaced(self):
        with tempfile.TemporaryDirectory() as tmp:
            fifo = os.path.join(tmp, "fifo")
            os.mkfifo(fifo)
            self.refused(fifo, "not a regular file")
            self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
            if os.geteuid() == 0:  # a null device of our own
                null = os.path.join(tmp, "null")
                os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
                self.refused(null, "not a regular file")
                self.assertTrue(stat.S_ISCHR(os.lstat(null).st_mode))
            self.assertEqual(sorted(os.listdir(tmp)), ["fifo", "null"] if os.geteuid() == 0 else ["fifo"])

    def test_stdout_and_variable(self):
        with tempfile.TemporaryDirectory() as tmp:
            stdout = os.path.join(tmp, "stdout")  # as /dev/stdout, while stdout is a pipe
            os.symlink("/proc/self/fd/1", stdout)
            self.refused(stdout, "--benchmark_format=json puts JSON on stdout")
            self.assertTrue(os.path.islink(stdout))
            proc = subprocess.run([SUMBENCH] + SMALL, capture_output=True, text=True, timeout=120,
                                  env=dict(os.environ, BENCHMARK_OUT=tmp))
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn(f"--benchmark_out={tmp} is a directory", proc.stderr)
            self.assertIn("(from BENCHMARK_OUT in the environment)", proc.stderr)

    def test_full_disk_leaves_no_cut_file(self):  # 18ebea3: exit 0 and an 8 KiB half of a JSON file
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "out.json")
            script = 'mount -t tmpfs -o size=8k sumbench-full "$1" && shift && exec "$@"'
            if shutil.which("unshare") is None or subprocess.run(
                    ["unshare", "-m", "sh", "-c", script, "sh", tmp, "true"], capture_output=True).returncode != 0:
                self.skipTest("cannot mount a small file system here (needs root with CAP_SYS_ADMIN)")
            args = ["--quick", "--kernels=sum,sleep", "--modes=serial,omp", "--workers=1,2", "--sleep-ms=1",
                    "--benchmark_out=" + path]
            # The small file system lives in the private mount namespace: list it from there.
            inside = 'mount -t tmpfs -o size=8k sumbench-full "$1" || exit 99; d=$1; shift; "$@"; rc=$?; ' \
                     'echo "left: $(ls -A "$d")" >&2; exit $rc'
            proc = subprocess.run(["unshare", "-m", "sh", "-c", inside, "sh", tmp, SUMBENCH] + args,
                                  capture_output=True, text=True, timeout=300)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertIn(f"could not write --benchmark_out={path}: No space left on device", proc.stderr)
            self.assertIn("\nleft: \n", proc.stderr, "nothing left on the full disk")

    def test_read_only_file_is_kept(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "keep.json")
            with open(path, "w") as f:
                f.write("mine")
            os.chmod(path, 0o444)
            self.refused(path, "read-only file")
            with open(path) as f:
                self.assertEqual(f.read(), "mine")
            self.assertEqual(os.listdir(tmp), ["keep.json"])

    def test_read_only_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            folder = os.path.join(tmp, "ro")
            os.mkdir(folder)
            path = os.path.join(folder, "out.json")
            if os.geteuid() != 0:
                os.chmod(folder, 0o555)
                self.refused(path, "Permission denied")
                return
            # Root writes through permissions: mount a read-only file system there instead.
            script = 'mount -t tmpfs -o ro sumbench-test "$1" && shift && exec "$@"'
            cmd = ["unshare", "-m", "sh", "-c", script, "sh", folder, SUMBENCH] + SMALL + ["--benchmark_out=" + path]
            if shutil.which("unshare") is None or subprocess.run(
                    ["unshare", "-m", "sh", "-c", script, "sh", folder, "true"], capture_output=True).returncode != 0:
                self.skipTest("cannot mount a read-only file system here (root without CAP_SYS_ADMIN)")
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("--benchmark_out=" + path, proc.stderr)
            self.assertIn("Read-only file system", proc.stderr)
            self.assertNotIn(".tmp.", proc.stderr)

    def test_symbolic_link_is_kept_and_written_through(self):
        with tempfile.TemporaryDirectory() as tmp:
            target, link = os.path.join(tmp, "data.json"), os.path.join(tmp, "latest.json")
            with open(target, "w") as f:
                f.write("old")
            os.symlink("data.json", link)
            proc = run(SMALL + ["--benchmark_out=" + link])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertTrue(os.path.islink(link))
            with open(target) as f:
                self.assertIn('"benchmarks"', f.read())
            self.assertEqual(sorted(os.listdir(tmp)), ["data.json", "latest.json"])


class Interrupt(unittest.TestCase):
    """A run stopped by a signal leaves no file and ends with the signal's status. The reports
    are kept in memory while the cases run, so no file exists then (not even for SIGKILL, or
    for mpirun's SIGKILL after its SIGTERM); PATH.tmp.PID exists only while it is written at
    the end, and a signal then removes it (SUMBENCH_TEST_WRITE_DELAY_MS holds it there for a test)."""

    SLOW = ["--kernels=sleep", "--modes=serial", "--sleep-ms=500"]

    def start(self, cmd, env=None, stdout=subprocess.DEVNULL):
        """Starts `cmd` and returns once its runs have begun: Google Benchmark has printed its
        context ("Run on (...)") on stderr. A thread keeps reading stderr into proc.lines."""
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, **(env or {})),
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        proc.lines, running = [], threading.Event()

        def read():
            for line in proc.stderr:
                proc.lines.append(line)
                if line.startswith("Run on ("):
                    running.set()
        proc.reader = threading.Thread(target=read, daemon=True)
        proc.reader.start()
        if not running.wait(60):
            proc.kill()
            proc.wait()
            self.fail("the runs did not begin within 60 s:\n" + "".join(proc.lines)[-2000:])
        return proc

    def finish(self, proc):
        proc.wait(timeout=60)
        proc.reader.join(timeout=60)
        return proc.returncode

    def stop_during_runs(self, cmd, sig, tmp):
        proc = self.start(cmd)
        time.sleep(0.3)  # inside the timed runs
        self.assertEqual(os.listdir(tmp), [], "no file is written while the cases run")
        proc.send_signal(sig)
        status = self.finish(proc)
        self.assertEqual(os.listdir(tmp), [], f"{sig.name} left files behind")
        return status

    def test_signals(self):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL):
            with self.subTest(signal=sig.name), tempfile.TemporaryDirectory() as tmp:
                cmd = [SUMBENCH] + self.SLOW + ["--benchmark_out=" + os.path.join(tmp, "out.json")]
                self.assertEqual(self.stop_during_runs(cmd, sig, tmp), -sig,
                                 "the conventional status: killed by the signal")

    def test_sigterm_to_mpirun(self):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = mpi(2) + ["-n", "2", SUMBENCH, "--kernels=sleep", "--modes=serial,mpi", "--sleep-ms=500",
                         "--benchmark_out=" + os.path.join(tmp, "out.json")]
            self.assertNotEqual(self.stop_during_runs(cmd, signal.SIGTERM, tmp), 0)

    def write_window(self, out, env, launcher=()):
        """Starts a run whose final write is held open 2 s (the test-only hook), and returns
        once rank 0 holds the synced file: unnamed (an open descriptor into out's folder that
        has no name there), or under SUMBENCH_TEST_NAMED_TEMPORARY=1 as out.json.tmp.PID."""
        folder = os.path.dirname(out)
        proc = self.start(list(launcher) + [SUMBENCH, "--kernels=sleep", "--modes=serial", "--sleep-ms=1",
                                            "--benchmark_repetitions=1", "--benchmark_min_time=0",
                                            "--benchmark_out=" + out],
                          env=dict(env, SUMBENCH_TEST_WRITE_DELAY_MS="2000"))

        def tree(pid):  # pid and its descendants (mpirun's ranks)
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as f:
                    children = [int(c) for c in f.read().split()]
            except OSError:
                children = []
            return [pid] + [p for c in children for p in tree(c)]

        def held():  # the files the run has open in the folder
            links = []
            for pid in tree(proc.pid):
                try:
                    links += [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
                except OSError:
                    pass
            return [link for link in links if link.startswith(folder + "/")]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if held():
                time.sleep(0.3)  # still open: the write's window, not the path check at start-up
                if held():
                    return proc, held()
            time.sleep(0.02)
        proc.kill()
        self.finish(proc)
        self.fail("rank 0 never held its output file open")

    def test_signal_while_the_file_is_written(self):
        """The window of the final write: the file being written has no name in the folder,
        so no signal, SIGKILL included (mpirun's and Slurm's after SIGTERM), leaves a file."""
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL):
            with self.subTest(signal=sig.name), tempfile.TemporaryDirectory() as tmp:
                proc, held = self.write_window(os.path.join(tmp, "out.json"), {})
                self.assertEqual(len(held), 1, "rank 0 writes one file in the folder")
                self.assertEqual(os.listdir(tmp), [], "the file being written has no name")
                proc.send_signal(sig)
                self.assertEqual(self.finish(proc), -sig)
                self.assertEqual(os.listdir(tmp), [], f"{sig.name} during the write left files behind")

    def test_sigterm_to_mpirun_while_the_file_is_written(self):
        """mpirun passes SIGTERM on, and SIGKILLs a rank still alive 1 s later: neither leaves a file."""
        with tempfile.TemporaryDirectory() as tmp:
            proc, held = self.write_window(os.path.join(tmp, "out.json"), {}, mpi(2) + ["-n", "2"])
            self.assertEqual(len(held), 1, "rank 0 writes one file in the folder")
            self.assertEqual(os.listdir(tmp), [], "the file being written has no name")
            proc.send_signal(signal.SIGTERM)
            self.assertNotEqual(self.finish(proc), 0)
            self.assertEqual(os.listdir(tmp), [], "SIGTERM to mpirun during the write left files behind")

    def test_signal_while_a_named_file_is_written(self):
        """Where the file system has no unnamed files: out.json.tmp.PID, removed on a signal."""
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            with self.subTest(signal=sig.name), tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "out.json")
                proc, _ = self.write_window(out, {"SUMBENCH_TEST_NAMED_TEMPORARY": "1"})
                self.assertEqual(os.listdir(tmp), [f"out.json.tmp.{proc.pid}"], "written next to the path")
                proc.send_signal(sig)
                self.assertEqual(self.finish(proc), -sig)
                self.assertEqual(os.listdir(tmp), [], f"{sig.name} during the write left files behind")

    def test_written_over_an_existing_file(self):
        """Both ways replace an existing file whole, and leave no other file."""
        for env in ({}, {"SUMBENCH_TEST_NAMED_TEMPORARY": "1"}):
            with self.subTest(env=env), tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "out.json")
                with open(out, "w") as f:
                    f.write("old")
                result = run(SMALL + ["--benchmark_out=" + out], env=env)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(os.listdir(tmp), ["out.json"])
                with open(out) as f:
                    self.assertIn("benchmarks", json.load(f))

    def test_closed_pipe(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.json")
            proc = self.start([SUMBENCH, "--kernels=sleep", "--modes=serial", "--sleep-ms=200",
                               "--benchmark_out=" + out], stdout=subprocess.PIPE)
            proc.stdout.close()  # as `sumbench | head -1` does: its next write raises SIGPIPE
            self.assertEqual(self.finish(proc), -signal.SIGPIPE)
            self.assertEqual(os.listdir(tmp), [])


if __name__ == "__main__":
    unittest.main()
