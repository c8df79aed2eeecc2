"""Issue 22's driver items, run on the real binary (each failed at b132564):

- item 2: ranks started with different environments (an MPMD launch, or a multi-host
  mpirun without -x) all stop with the same status, rank 0 prints one line, no rank prints
  anything else, nothing hangs: SUMBENCH_EXPECT_RANKS, BENCHMARK_*, HWLOC_* on some ranks;
- item 9: a topology input hwloc cannot use, or larger than sumbench plans, is refused with
  one line and exit 2 (b132564 planned on this machine, or left an orted busy after it
  exited);
- item 13: one line for a bad BENCHMARK_* variable, --v's range in whole numbers, no empty
  item in any list, no --benchmark_out that a listing would ignore, a bounded
  --switch-interval.

Run by CTest with SUMBENCH, SUMBENCH_EXTRA, MPIEXEC and MPIEXEC_KIND in the environment (see
test_driver.py).
ISSUE22_TIMEOUT_S bounds each launch (default 60 s): a hang fails the test, it never
hangs the suite.
"""
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from launches import HUGE, MARK, kill_marked, new_token  # tests/hardening (on PYTHONPATH)
from test_driver import MPIEXEC_KIND, SUMBENCH, mpiexec

# The tests' binary with a kernel and a mode of its own (tests/core/extra_rows.cpp).
SUMBENCH_EXTRA = os.environ.get("SUMBENCH_EXTRA", "build/tests/core/sumbench_extra")
TIMEOUT_S = float(os.environ.get("ISSUE22_TIMEOUT_S", "60"))
QUICK = ["--quick", "--kernels=sum", "--modes=serial,mpi", "--n=1000"]


class Launches(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sumbench-issue22-")
        self.token = new_token()

    def tearDown(self):
        left = kill_marked(self.token)  # what this test started, found by its own mark
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.assertEqual(left, [], "processes outlived the test (an orted building a topology?)")

    def env(self, **extra):
        return dict(os.environ, **{MARK: self.token}, **extra)

    def alone(self, args, binary=SUMBENCH, **env):
        """sumbench without a launcher (Open MPI's singleton, which starts an orted)."""
        try:
            return subprocess.run([binary] + args, capture_output=True, text=True, timeout=TIMEOUT_S,
                                  env=self.env(**env), start_new_session=True)
        except subprocess.TimeoutExpired:
            self.fail(f"still running after {TIMEOUT_S:g} s: {env} {binary} {' '.join(args)}")

    def mpmd(self, envs, args):
        """One rank per entry of `envs` (its own variables), each writing its stderr and exit
        status to files of its own: (statuses, stderr of each rank, the launcher's stderr)."""
        cmd = mpiexec(len(envs))
        if MPIEXEC_KIND == "openmpi":  # every rank runs to its own end, whatever the others do
            cmd += ["--mca", "orte_abort_on_non_zero_status", "0"]
        for r, env in enumerate(envs):
            err, rc = (os.path.join(self.tmp, f"rank{r}.{x}") for x in ("err", "rc"))
            script = f'"$0" "$@" 2>{shlex.quote(err)}; rc=$?; echo $rc >{shlex.quote(rc)}; exit $rc'
            cmd += ([":"] if r else []) + ["-n", "1"]
            for name, value in {MARK: self.token, **env}.items():
                cmd += ["-x", f"{name}={value}"] if MPIEXEC_KIND == "openmpi" else ["-env", name, value]
            cmd += ["sh", "-c", script, SUMBENCH] + args
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.env(), start_new_session=True)
        try:
            _, launcher = proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            self.fail(f"hung for {TIMEOUT_S:g} s: ranks' environments {envs}")
        def read(r, x):  # None: the rank never got there
            try:
                with open(os.path.join(self.tmp, f"rank{r}.{x}")) as f:
                    return f.read()
            except OSError:
                return None
        statuses = [int(t) if (t := read(r, "rc")) and t.strip().isdigit() else None for r in range(len(envs))]
        return statuses, [read(r, "err") for r in range(len(envs))], launcher

    def refused_by_every_rank(self, envs, needle, args=QUICK):
        """Every rank exits 2; rank 0 prints one line holding `needle`; no other rank prints."""
        statuses, errs, launcher = self.mpmd(envs, args)
        self.assertEqual(statuses, [2] * len(envs), f"{envs}: {errs} {launcher[-1500:]}")
        self.assertEqual(len(errs[0].splitlines()), 1, f"{envs}: rank 0 printed {errs[0]!r}")
        self.assertTrue(errs[0].startswith("sumbench: error: "), errs[0])
        self.assertIn(needle, errs[0])
        self.assertEqual(errs[1:], [""] * (len(envs) - 1), f"{envs}: only rank 0 prints")
        return errs[0]


class MpmdEnvironments(Launches):
    """Item 2: b132564's rank 0 printed its line and waited in MPI_Finalize while the others
    waited in MPI_Allreduce (check_same_everywhere), for ever."""

    def test_expected_ranks_on_some_ranks(self):
        for value in ("3", "1", "abc", "0"):
            for where in ((0,), (1,), (0, 1)):
                envs = [{"SUMBENCH_EXPECT_RANKS": value} if r in where else {} for r in range(2)]
                with self.subTest(envs=envs):
                    line = self.refused_by_every_rank(envs, "SUMBENCH_EXPECT_RANKS")
                    # The lowest rank that failed names itself when it is not rank 0.
                    self.assertEqual(line.startswith("sumbench: error: rank 1: "), where == (1,), line)
                    self.assertIn(f"SUMBENCH_EXPECT_RANKS={value} is not a rank count" if value in ("abc", "0")
                                  else f"asked for {value} (SUMBENCH_EXPECT_RANKS)", line)

    def test_expected_ranks_that_differ(self):
        self.refused_by_every_rank([{"SUMBENCH_EXPECT_RANKS": "2"}, {"SUMBENCH_EXPECT_RANKS": "3"}],
                                   "rank 1: MPI_COMM_WORLD has 2 rank(s) but the launcher was asked for 3")
        self.refused_by_every_rank([{}, {}, {"SUMBENCH_EXPECT_RANKS": "abc"}], "rank 2: SUMBENCH_EXPECT_RANKS=abc")
        # Set where it is right and unset elsewhere (a multi-host mpirun without -x): it runs.
        statuses, errs, _ = self.mpmd([{"SUMBENCH_EXPECT_RANKS": "2"}, {}], QUICK + ["--benchmark_format=json"])
        self.assertEqual(statuses, [0, 0], errs)
        self.assertEqual(errs[1], "")

    def test_topology_on_one_rank(self):  # item 9 too: read before MPI_Init, agreed on after it
        for env, needle in (({"HWLOC_SYNTHETIC": "garbage"}, "rank 1: HWLOC_SYNTHETIC='garbage' is not an hwloc"),
                            ({"HWLOC_SYNTHETIC": HUGE}, f"rank 1: HWLOC_SYNTHETIC='{HUGE}' describes 20000000000"),
                            ({"HWLOC_XMLFILE": "/nonexistent/node.xml"},
                             "rank 1: HWLOC_XMLFILE='/nonexistent/node.xml' does not exist")):
            with self.subTest(env=env):
                self.refused_by_every_rank([{}, env], needle)
        # Rank 0's line when several ranks have one.
        self.refused_by_every_rank([{"HWLOC_XMLFILE": self.tmp}, {"SUMBENCH_EXPECT_RANKS": "abc"}],
                                   f"error: HWLOC_XMLFILE='{self.tmp}' is a directory")

    def test_benchmark_variables_on_one_rank(self):  # item 13 too: no line of Google Benchmark's
        for env, needle in (({"BENCHMARK_REPETITIONS": "abc"}, "rank 1: BENCHMARK_REPETITIONS=abc (in the environment)"),
                            ({"V": "abc"}, "rank 1: V=abc (in the environment)")):
            with self.subTest(env=env):
                self.refused_by_every_rank([{}, env], needle)


class TopologyInputs(Launches):
    """Item 9: b132564 exited 0 and planned on this machine ("this system"), printed Open
    MPI's orte_init block, or left an orted building 2e10 hardware threads."""

    def xml(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def node_xml(self, desc="pack:1 core:2 pu:1"):
        lstopo = shutil.which("lstopo-no-graphics")
        if not lstopo:
            self.skipTest("lstopo-no-graphics not installed (apt-get install hwloc)")
        path = os.path.join(self.tmp, desc.replace(" ", "_").replace(":", "") + ".xml")
        subprocess.run([lstopo, "-i", desc, "--of", "xml", path], check=True, capture_output=True)
        with open(path) as f:
            return path, f.read()

    def refused(self, variable, value, needle, runs=(["--list=json"],)):
        for args in runs:
            proc = self.alone(args, **{variable: value})
            self.assertEqual(proc.returncode, 2, f"{variable}={value!r}: {proc.stderr[-1500:]}")
            self.assertEqual(proc.stdout, "")
            self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
            self.assertTrue(proc.stderr.startswith(f"sumbench: error: {variable}='{value}' "), proc.stderr)
            self.assertIn(needle, proc.stderr)
            self.assertTrue(proc.stderr.endswith(", or unset it\n"), proc.stderr)

    def test_bad_xml_files(self):
        path, text = self.node_xml()
        fifo = os.path.join(self.tmp, "fifo.xml")  # hwloc would wait on it for ever
        os.mkfifo(fifo)
        big = os.path.join(self.tmp, "big.xml")
        with open(big, "wb") as f:
            f.truncate((16 << 20) + 1)
        for value, needle in ((os.path.join(self.tmp, "missing.xml"), "does not exist"),
                              (self.tmp, "is a directory"), (fifo, "is not a regular file"),
                              (big, "has 16777217 bytes, more than the 16 MiB"),
                              (self.xml("cut.xml", text[:len(text) // 2]), "hwloc"),
                              (self.xml("notxml.xml", "pack:2 core:2\n"), "hwloc"),
                              (self.xml("empty.xml", ""), "hwloc"),
                              # hwloc 2.9 dies of SIGSEGV loading it (Open MPI's orted with it); under
                              # the asan preset (abort_on_error=1) ASan's handler turns it into SIGABRT
                              (self.xml("crash.xml", text.replace('complete_cpuset="0x00000001"', 'complete_cpusex="1"')),
                               "crashes hwloc (" + ("Aborted" if "abort_on_error=1" in os.environ.get("ASAN_OPTIONS", "")
                                                    else "Segmentation fault")),
                              (self.xml("nocpus.xml", text.replace('cpuset="0x00000003"', 'cpuset="0x0"')
                                        .replace('cpuset="0x00000001"', 'cpuset="0x0"')
                                        .replace('cpuset="0x00000002"', 'cpuset="0x0"')), "hwloc")):
            with self.subTest(value=value):
                self.refused("HWLOC_XMLFILE", value, needle, (["--list=json"], QUICK) if value == fifo else (["--list=json"],))
        self.assertTrue(os.path.exists(path))

    def test_bad_synthetic_descriptions(self):
        for value, needle in (("garbage", "is not an hwloc synthetic topology"),
                              ("pack:2 core:16", "is not an hwloc synthetic topology"),
                              ("pack:2 core:16 pu:2\nrm -rf /", "is not an hwloc synthetic topology"),
                              (HUGE, "describes 20000000000 hardware threads, more than the 1024"),
                              ("pack:4 core:128 pu:4", "describes 2048 hardware threads"),
                              ("pack:2 core:0x200 pu:2", "describes 2048 hardware threads"),
                              ("pack:1 core:2 pu:1(indexes=0,5000)", "numbers a hardware thread 5000")):
            with self.subTest(value=value):
                start = time.monotonic()
                if "\n" in value:  # one line whatever the value holds
                    proc = self.alone(["--list=json"], HWLOC_SYNTHETIC=value)
                    self.assertEqual(proc.returncode, 2, proc.stderr)
                    self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
                    self.assertIn("pu:2\\nrm -rf /'", proc.stderr)
                    continue
                self.refused("HWLOC_SYNTHETIC", value, needle, (["--list=json"], QUICK) if value == HUGE else (["--list=json"],))
                self.assertLess(time.monotonic() - start, TIMEOUT_S / 2, "refused before building it")

    def test_inputs_that_are_taken(self):
        path, _ = self.node_xml("pack:2 core:4 pu:2")
        for env, source, pus in (({"HWLOC_XMLFILE": path}, "xml: " + path, 16),
                                 ({"HWLOC_SYNTHETIC": "pack:4 core:128 pu:2"}, "synthetic: pack:4 core:128 pu:2", 1024),
                                 # hwloc's order: HWLOC_SYNTHETIC first; empty counts as unset
                                 ({"HWLOC_SYNTHETIC": "pack:1 core:2 pu:1", "HWLOC_XMLFILE": "/missing.xml"},
                                  "synthetic: pack:1 core:2 pu:1", 2),
                                 ({"HWLOC_SYNTHETIC": "", "HWLOC_XMLFILE": path}, "xml: " + path, 16)):
            with self.subTest(env=env):
                proc = self.alone(["--list=json"], **env)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                topology = json.loads(proc.stdout)["topology"]
                self.assertEqual((topology["source"], topology["pus"]), (source, pus))
                self.assertEqual((topology["max_pus"], topology["max_xml_bytes"]), (1024, 16 << 20))
        proc = self.alone(["--list=json"], HWLOC_SYNTHETIC="", HWLOC_XMLFILE="")
        self.assertEqual(json.loads(proc.stdout)["topology"]["source"], "this system")


class SmallInputs(Launches):
    """Item 13."""

    def one_line(self, args, needle, binary=SUMBENCH, **env):
        proc = self.alone(args, binary, **env)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(len(proc.stderr.splitlines()), 1, f"{args} {env}: {proc.stderr}")
        self.assertIn(needle, proc.stderr)
        self.assertEqual(proc.stdout, "")
        return proc.stderr

    def test_bad_variable_is_one_line(self):  # b132564: Google Benchmark's line, then sumbench's
        # sumbench and a binary with kernels of its own: both are the static driver linked into
        # an executable by sumbench_add_benchmark, which must keep bench_env.cpp's .preinit_array.
        for binary in (SUMBENCH, SUMBENCH_EXTRA):
            for env in ({"BENCHMARK_REPETITIONS": "abc"}, {"V": "abc"}, {"BENCHMARK_MIN_TIME": "x"},
                        {"BENCHMARK_MIN_WARMUP_TIME": "x"}, {"BENCHMARK_CONTEXT": "="},
                        {"BENCHMARK_REPETITIONS": "99999999999"}):
                with self.subTest(binary=binary, env=env):
                    name, value = next(iter(env.items()))
                    self.one_line(QUICK, f"{name}={value} (in the environment)", binary, **env)
            ok = self.alone(QUICK + ["--benchmark_format=json"], binary, BENCHMARK_REPETITIONS="1", V="0")
            self.assertEqual(ok.returncode, 0, ok.stderr)
            self.assertEqual(json.loads(ok.stdout)["context"]["benchmark_environment"], "BENCHMARK_REPETITIONS=1 V=0")

    def test_notes_and_warnings_wait_for_the_checks(self):
        """A refusal after the plan is made is one line too (b132564 printed the skipped
        layouts and the test-only hooks' warning first; found by GeneratedDriverInputs)."""
        self.one_line(QUICK + ["--benchmark_filter=^nothing/"], "matches none", SUMBENCH_TEST_CORRUPT="1")
        self.one_line(QUICK + ["--benchmark_filter=^nothing/"], "matches none", SUMBENCH_TEST_CPUSETS="0")
        line = self.one_line(["--kernels=convoy", "--modes=mpi"], "nothing to run")
        self.assertIn("convoy/mpi: skipped, the kernel runs only in thread modes", line)

    def test_v_range_in_whole_numbers(self):
        line = self.one_line(QUICK + ["--v=99999999999"], "--v=99999999999 is out of range")
        self.assertIn("from -2147483648 to 2147483647", line)
        self.assertNotIn("e+", line)

    def test_no_empty_item_in_any_list(self):  # b132564: "cpython," was taken, ",fifo" refused
        for flag, items in (("--kernels", "sum"), ("--modes", "serial"), ("--workers", "1"), ("--hybrid", "1x1"),
                            ("--gil-policy", "cpython"), ("--switch-interval", "1ms"), ("--check-interval", "10"),
                            ("--benchmark_context", "a=1")):
            context = flag == "--benchmark_context"  # Google Benchmark's: checked with a run's flags
            for text in (items + ",", "," + items, items + ",," + items):
                with self.subTest(flag=flag, text=text):
                    self.one_line((QUICK if context else ["--list=json"]) + [f"{flag}={text}"],
                                  "'' is not KEY=VALUE" if context else "empty item")
        self.one_line(QUICK, "empty item in the list", BENCHMARK_PERF_COUNTERS="CYCLES,")

    def test_listing_writes_no_output_file(self):
        out = os.path.join(self.tmp, "x.json")
        for args, needle in ((["--list=json"], "--list=json prints on stdout and writes no --benchmark_out="),
                             (["--list"], "--list prints on stdout"),
                             (["--launch-only"], "--launch-only runs no benchmark")):
            with self.subTest(args=args):
                self.one_line(args + ["--benchmark_out=" + out], needle + ("" if args != ["--list=json"] else out))
        self.assertEqual(os.listdir(self.tmp), [])
        # BENCHMARK_OUT in the environment is a standing setting for runs: a listing stays quiet.
        proc = self.alone(["--list=json"], BENCHMARK_OUT=out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_switch_interval_is_bounded(self):  # b132564 took 3600s: a convoy of 200 waits ran for hours
        self.one_line(["--list=json", "--switch-interval=3600s"], "'3600s' is not a duration between 1us and 1s")
        self.one_line(["--list=json", "--switch-interval=1001ms"], "between 1us and 1s")
        proc = self.alone(["--list=json", "--switch-interval=1s,500us"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = json.loads(proc.stdout)
        self.assertEqual(doc["options"]["--switch-interval"], [1, 0.0005])
        self.assertEqual(next(f["max"] for f in doc["flags"] if f["name"] == "--switch-interval"), 1)

    def test_perf_counters_need_a_google_benchmark_built_with_them(self):
        libs = subprocess.run(["ldd", SUMBENCH], capture_output=True, text=True).stdout
        if "libpfm" in libs:
            self.skipTest("this Google Benchmark has performance counters (libpfm)")
        self.one_line(QUICK + ["--benchmark_perf_counters=CYCLES"], "built without performance counters")


if __name__ == "__main__":
    unittest.main()
