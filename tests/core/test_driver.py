"""End-to-end tests of the sumbench driver: JSON output, bad input, and MPI runs.

Run by CTest with SUMBENCH (the binary) and MPIEXEC in the environment.
"""
import json
import os
import subprocess
import tempfile
import time
import unittest

from sumbench.runner.launchers import bare_flags

SUMBENCH = os.environ.get("SUMBENCH", "build/sumbench")
MPIEXEC = os.environ.get("MPIEXEC", "mpiexec")
MPIEXEC_KIND = os.environ.get("MPIEXEC_KIND", "openmpi")  # openmpi | mpich (CMake: SUMBENCH_MPI_KIND)
CORES = len(os.sched_getaffinity(0))
KERNELS = ["sum", "sleep", "triad", "combine"]
MODES = ["serial", "omp", "mpi", "hybrid", "gil"]
HARNESS = ["setup_s", "teardown_s", "validate_s", "combine_wait_s", "mpi_reduce_s"]
COUNTERS = ["ranks", "threads", "workers", "n", "nodes", "valid", "oversubscribed", "time_max_rank_s",
            "time_min_rank_s", "imbalance", "checksum", "combine_bytes", "combine_s"] + HARNESS
# Added to the context when the run is over (seconds, or a share between 0 and 1).
RUN_COST = ["measured_share", "run_wall_s", "measured_s", "setup_s", "teardown_s", "validate_s",
            "mpi_reduce_reference_s"]
CONTEXT = ["sumbench_version", "schema_version", "hosts", "nodes", "cpu_model", "mpi_library", "mpi_ranks",
           "rank_cpus", "OMP_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES", "compiler", "cxx_flags", "build_type",
           "git_commit", "scaling", "sleep_ms", "command_line", "memory_reuse", "measured_share_by_kernel"] + RUN_COST


def mpiexec(ranks):
    """MPIEXEC with the flags its kind needs for `ranks` unbound ranks on this machine."""
    return [MPIEXEC] + bare_flags(MPIEXEC_KIND, ranks, CORES)


def run(args, ranks=None, timeout=300, env=None):
    cmd = [SUMBENCH] + args
    if ranks is not None:
        cmd = mpiexec(ranks) + ["-n", str(ranks)] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **env) if env else None)


def run_json(test, args, ranks=None, env=None, status=0):
    """Runs sumbench with --benchmark_out and returns the parsed JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        proc = run(args + ["--benchmark_out=" + out, "--benchmark_out_format=json"], ranks, env=env)
        test.assertEqual(proc.returncode, status, proc.stderr)
        test.assertEqual(os.listdir(tmp), ["out.json"], "only the final file remains")
        with open(out) as f:
            return json.load(f), proc


def entries(doc):
    return [b for b in doc["benchmarks"] if b.get("run_type") == "iteration"]


def seconds(b):
    """An entry's real_time in seconds (its unit is --benchmark_time_unit's)."""
    return b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]


def split_name(name):
    parts = name.split("/")
    return parts[0], parts[1], dict(p.split(":", 1) for p in parts[2:] if ":" in p)


class EndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doc, cls.proc = run_json(cls(), ["--quick", "--workers=2", "--sleep-ms=10"])

    def test_every_kernel_and_thread_mode_is_present_and_valid(self):
        seen = {split_name(b["name"])[:2] for b in entries(self.doc)}
        for kernel in KERNELS:
            for mode in ["serial", "omp", "hybrid", "gil"]:
                self.assertIn((kernel, mode), seen)
        for b in entries(self.doc):
            self.assertNotIn("error_occurred", b, b["name"])
            self.assertEqual(b["valid"], 1, b["name"])

    def test_mpi_mode_needs_more_ranks_and_says_so(self):
        self.assertIn("mpi with 2 workers: skipped", self.proc.stderr)

    def test_counters_and_names_agree(self):
        for b in entries(self.doc):
            for counter in COUNTERS:
                self.assertIn(counter, b, b["name"])
            kernel, mode, fields = split_name(b["name"])
            self.assertEqual(int(fields["ranks"]), b["ranks"])
            self.assertEqual(int(fields["threads"]), b["threads"])
            self.assertEqual(b["workers"], b["ranks"] * b["threads"])
            self.assertEqual(int(fields["n"]), b["n"])
            rate = "bytes_per_second" if kernel == "triad" else "items_per_second"
            self.assertGreater(b[rate], 0, b["name"])
            self.assertGreaterEqual(b["time_max_rank_s"], b["time_min_rank_s"])

    def test_same_checksum_from_every_mode(self):
        by_kernel = {}
        for b in entries(self.doc):
            by_kernel.setdefault(split_name(b["name"])[0], set()).add(b["checksum"])
        for kernel, sums in by_kernel.items():
            self.assertEqual(len(sums), 1, f"{kernel}: checksums differ across modes: {sums}")

    def test_context_fields(self):
        for key in CONTEXT:
            self.assertIn(key, self.doc["context"])
        self.assertEqual(self.doc["context"]["schema_version"], "1")
        self.assertEqual(self.doc["context"]["mpi_ranks"], "1")
        # The page size triad's arrays get, as this machine gives it (never asked for).
        self.assertRegex(self.doc["context"]["triad_pages"],
                         r"^(4 KiB|2 MiB|unknown) \(transparent huge pages: [a-z ]+")

    def test_compiler_comes_from_the_compiler(self):
        self.assertRegex(self.doc["context"]["compiler"], r"^(g\+\+|clang|icpx) [0-9]+")

    def test_overhead_counters_are_non_negative_and_consistent(self):
        for b in entries(self.doc):
            for counter in HARNESS:
                self.assertGreaterEqual(b[counter], 0, (b["name"], counter))
        by_case = {}
        for b in entries(self.doc):
            by_case.setdefault(b["name"], set()).add((b["setup_s"], b["teardown_s"]))
        for name, once in by_case.items():
            self.assertEqual(len(once), 1, f"{name}: set-up is paid once per case, reported on each entry")
        cost = {k: float(self.doc["context"][k]) for k in RUN_COST}
        self.assertGreater(cost["measured_share"], 0)
        self.assertLessEqual(cost["measured_share"], 1)
        parts = sum(cost[k] for k in RUN_COST[2:])
        self.assertLessEqual(parts, cost["run_wall_s"] * 1.001 + 0.002, "the phases are disjoint parts of the wall time")
        timed = sum(seconds(b) * b["iterations"] for b in entries(self.doc))
        self.assertGreaterEqual(cost["measured_s"] * 1.001 + 1e-6, timed, "measured_s covers every reported run")
        shares = dict(item.split(":") for item in self.doc["context"]["measured_share_by_kernel"].split(","))
        self.assertEqual(set(shares), set(KERNELS))
        self.assertTrue(all(0 < float(v) <= 1 for v in shares.values()), shares)
        self.assertIn("where the time went:", self.proc.stdout)

    def test_summary_table(self):
        self.assertIn("sum: speedup (strong scaling) against serial", self.proc.stdout)
        self.assertIn("efficiency", self.proc.stdout)

    def test_summary_cv_is_the_json_cv(self):
        # One iteration per repetition, 1 ms sleeps: a spread the summary must show as is
        # (18ebea3 printed the cv divided by the repetition count).
        doc, proc = run_json(self, ["--quick", "--kernels=sum,sleep", "--modes=serial,omp", "--workers=2",
                                    "--sleep-ms=1", "--benchmark_repetitions=5", "--benchmark_min_time=0"])
        want = {}
        for b in doc["benchmarks"]:
            if b.get("aggregate_name") == "cv":
                kernel, mode, fields = split_name(b["name"])
                want[(kernel, mode, f"{fields['ranks']}x{fields['threads']}")] = 100 * b["real_time"]
        got, kernel = {}, None
        for line in proc.stdout.splitlines():
            if ": speedup" in line:
                kernel = line.split(":")[0]
            cells = line.split()  # mode RxT median (1 or 2 cells) cv speedup efficiency ...
            percent = [c for c in cells[2:] if c.endswith("%")]
            if kernel and cells and cells[0] in ("serial", "omp") and percent:
                got[(kernel, cells[0], cells[1])] = float(percent[0][:-1])
        self.assertEqual(set(got), set(want), proc.stdout)
        self.assertTrue(any(v >= 0.5 for v in want.values()), f"no spread to compare: {want}")
        for key, cv in want.items():
            self.assertAlmostEqual(got[key], cv, delta=0.051, msg=f"{key}: summary {got[key]}%, JSON {cv:.3f}%")

    def test_weak_scaling_multiplies_n(self):
        doc, _ = run_json(self, ["--quick", "--kernels=sum", "--modes=serial,omp", "--workers=1,2",
                                 "--scaling=weak", "--n=1000000", "--benchmark_repetitions=1"])
        sizes = {(b["workers"], b["n"]) for b in entries(doc)}
        self.assertEqual(sizes, {(1, 1000000), (2, 2000000)})

    def test_sleep_strong_scaling_overlaps(self):
        doc, _ = run_json(self, ["--kernels=sleep", "--modes=serial,omp", "--workers=4", "--sleep-ms=50",
                                 "--benchmark_repetitions=1", "--benchmark_min_time=0"])
        times = {b["name"].split("/")[1]: b["real_time"] for b in entries(doc)}  # milliseconds
        self.assertGreaterEqual(times["serial"], 4 * 50)
        self.assertLess(times["omp"], 2 * 50, "4 sleeping threads must overlap")

    def test_no_debug_warning_but_sumbench_s_note(self):
        """Debian's libbenchmark (no NDEBUG) ends its context with a DEBUG warning about
        timings; sumbench's own note replaces it (the kernels are timed manually), on the
        console and in a console-format --benchmark_out file."""
        out = self.proc.stdout + self.proc.stderr
        self.assertNotIn("Library was built as DEBUG", out)
        debug = self.doc["context"]["library_build_type"] == "debug"
        self.assertEqual("sumbench: note: Google Benchmark (libbenchmark) was built without NDEBUG" in
                         self.proc.stderr, debug, self.proc.stderr[-2000:])
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "out.txt")
            proc = run(["--quick", "--kernels=sum", "--modes=serial", "--benchmark_repetitions=1",
                        "--benchmark_out=" + path, "--benchmark_out_format=console"])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(path) as fh:
                text = fh.read()
        self.assertNotIn("Library was built as DEBUG", text + proc.stdout + proc.stderr)
        self.assertEqual("timed manually" in text or "manual time" in text, debug, text[:2000])

    def test_console_rows_say_the_counters_in_words(self):
        """No counter columns on the console (the cv of a counter that is always 0 read
        -nan%): each row's label names the layout, the verdict and the rate."""
        rows = [line for line in self.proc.stdout.splitlines() if line.startswith("sum/omp/")]
        self.assertTrue(rows, self.proc.stdout[:3000])
        self.assertNotIn("nan", self.proc.stdout.lower())
        for line in rows:
            self.assertIn("1x2 valid", line)
        self.assertTrue(any("items/s" in line for line in rows if "_cv" not in line), rows)

    def test_a_long_kernel_label_is_cut_on_the_console_and_whole_in_the_json(self):
        """convoy's label lists every wait (KernelInstance::label): the JSON keeps all of
        them, the console row only their start, so the row stays readable. One repetition:
        the console shows the run itself, not only the aggregates."""
        doc, proc = run_json(self, ["--quick", "--kernels=convoy", "--modes=gil", "--workers=2",
                                    "--benchmark_repetitions=1"])
        (entry,) = entries(doc)
        waits = entry["label"].split("=", 1)[1].split(",")
        self.assertTrue(entry["label"].startswith("io_waits_us="), entry)
        self.assertEqual(len(waits), int(split_name(entry["name"])[2]["n"]), entry["label"])
        (row,) = [line for line in proc.stdout.splitlines() if line.startswith("convoy/gil/")]
        self.assertRegex(row, r"I/O latency [^,]* io_waits_us=[\d,]+\.\.\. \(%d chars in the JSON\)$"
                         % len(entry["label"]))

    def test_version(self):
        proc = run(["--version"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        version = self.doc["context"]["sumbench_version"]
        self.assertRegex(proc.stdout, rf"^sumbench {version} \(git [\w-]+, \w+\)\n$")
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "VERSION")) as fh:
            self.assertEqual(version, fh.read().strip())
        self.assertIn("--version", run(["--help"]).stdout)

    def test_list(self):
        proc = run(["--list"])
        self.assertEqual(proc.returncode, 0)
        for name in KERNELS + MODES + ["convoy"]:
            self.assertIn(name, proc.stdout)

    def test_filter_selects_by_name(self):
        doc, _ = run_json(self, ["--quick", "--benchmark_filter=^sum/omp/", "--benchmark_repetitions=1"])
        self.assertEqual({split_name(b["name"])[:2] for b in entries(doc)}, {("sum", "omp")})


class BadInput(unittest.TestCase):
    CASES = [
        (["--kernels=sum,nope"], "unknown kernel 'nope'"),
        (["--modes=fork"], "unknown mode 'fork'"),
        (["--n=0"], "--n=0"),
        (["--n=-1"], "--n=-1"),
        (["--n=123456789012345678901234567890"], "too large"),
        (["--scaling=weak", "--workers=4", "--n=4611686018427387904"], "overflows"),
        (["--workers=1,x"], "'x'"),
        (["--hybrid=2*2"], "2*2"),
        (["--scaling=diagonal"], "diagonal"),
        (["--switch-interval=0"], "'0'"),
        (["--switch-interval=fast"], "'fast'"),
        (["--gil-policy=random"], "random"),
        (["--check-interval=0"], "from 1 to 1000000"),
        (["--check-interval=1e9"], "'1e9'"),
        (["--check-interval=,100"], "empty item"),
        (["--bogus"], "--bogus"),
        (["--benchmark_nonsense=1"], "--benchmark_nonsense"),
        # issue 10: the message names the bad value
        (["--hybrid=3x"], "'3x'"),
        (["--hybrid=1x1x1"], "'1x1x1'"),
        (["--hybrid=0x2"], "'0x2'"),
        # a range error names the whole item, not its number alone (--hybrid=2000000x1: 2000000 ...)
        (["--list", "--hybrid=2000000x1"], "--hybrid=2000000x1: '2000000x1' has 2000000 ranks"),
        (["--list=json", "--hybrid=2x2,1x2000000"], "--hybrid=2x2,1x2000000: '1x2000000' has 2000000 threads"),
        # issue 24: up to 2^20 workers, R x T together; each worker at least one item
        (["--list=json", "--hybrid=1024x1025"], "'1024x1025' has 1049600 workers"),
        (["--workers=1048577"], "1048577"),
        (["--kernels=sum", "--modes=omp", "--workers=4", "--n=2"], "strong scaling needs n >= workers"),
        (["--switch-interval=1.5us"], "'1.5us' is not a whole number of microseconds"),
        (["--switch-interval=1.2us,1.4us"], "'1.2us'"),
        (["--switch-interval=1ms,1000us"], "same interval"),
        (["--workers=2,2"], "given twice"),
        (["--kernels=sum", "--kernels=triad"], "--kernels is given twice"),
    ]

    def test_each_bad_input_exits_2_with_one_line_and_no_file(self):
        for args, message in self.CASES:
            with self.subTest(args=args), tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "out.json")
                proc = run(args + ["--benchmark_out=" + out])
                self.assertEqual(proc.returncode, 2, proc.stderr)
                lines = [l for l in proc.stderr.splitlines() if l.startswith("sumbench: error")]
                self.assertEqual(len(lines), 1, proc.stderr)
                self.assertIn(message, lines[0])
                self.assertEqual(os.listdir(tmp), [], "no result file on bad input")

    def test_impossible_size_is_a_failed_run_not_a_result(self):
        # combine refuses sizes whose bucket sums would not be exact (a set-up failure);
        # sizes that do not fit in memory are refused before running (test_ranks.Memory).
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.json")
            proc = run(["--kernels=combine", "--modes=serial", "--quick", "--n=4611686018427387904",
                        "--benchmark_out=" + out, "--benchmark_repetitions=1"])
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertIn("setup failed", proc.stderr)
            with open(out) as f:
                doc = json.load(f)
            self.assertTrue(all(b.get("error_occurred") for b in doc["benchmarks"]))


class Harness(unittest.TestCase):
    """The test-only hooks: set-up and validation measured outside the timed region, and
    validation catching one corrupted element in every kernel and mode."""

    def test_setup_and_validation_are_outside_the_timed_region(self):
        delay_ms = 150
        doc, proc = run_json(self, ["--quick", "--kernels=sum,triad", "--modes=serial,omp", "--workers=2",
                                    "--benchmark_min_time=0", "--benchmark_repetitions=2"],
                             env={"SUMBENCH_TEST_DELAY_MS": str(delay_ms)})
        self.assertIn("test-only hooks are on", proc.stderr)
        self.assertIn("test_delay_ms", doc["context"])
        for b in entries(doc):
            self.assertGreaterEqual(b["setup_s"], delay_ms / 1e3, b["name"])
            self.assertGreaterEqual(b["validate_s"], delay_ms / 1e3, b["name"])
            self.assertLess(seconds(b), delay_ms / 1e3, f"{b['name']}: the timed region excludes both")
        cost = {k: float(doc["context"][k]) for k in RUN_COST}
        self.assertGreaterEqual(cost["setup_s"], 4 * delay_ms / 1e3)
        self.assertGreaterEqual(cost["run_wall_s"], sum(cost[k] for k in RUN_COST[2:]))

    def test_write_delay_is_marked_and_bounded(self):
        """SUMBENCH_TEST_WRITE_DELAY_MS holds the final write (test_hardening.Interrupt sends its
        signals then); a run with it says so. Out of 1..600000 it is off, and says nothing."""
        args = ["--kernels=sleep", "--modes=serial", "--sleep-ms=1", "--workers=1", "--benchmark_min_time=0",
                "--benchmark_repetitions=1"]
        start = time.monotonic()
        doc, proc = run_json(self, args, env={"SUMBENCH_TEST_WRITE_DELAY_MS": "1500"})
        self.assertGreaterEqual(time.monotonic() - start, 1.5, "the write was not held (a run alone: ~0.5 s)")
        self.assertIn("SUMBENCH_TEST_WRITE_DELAY_MS=1500", proc.stderr)
        self.assertTrue(doc["context"]["test_write_delay_ms"].startswith("1500 "), doc["context"])
        self.assertNotIn("test_delay_ms", doc["context"])
        for value in ("700000", "99999999999", "5abc", "-3"):
            with self.subTest(value=value):
                doc, proc = run_json(self, args, env={"SUMBENCH_TEST_WRITE_DELAY_MS": value})
                self.assertNotIn("test-only hooks", proc.stderr)
                self.assertNotIn("test_write_delay_ms", doc["context"])

    def test_every_kernel_and_mode_catches_a_corrupted_element(self):
        thread_only = ["convoy", "ioconvoy", "ioconvoy2"]
        kernels = KERNELS + thread_only
        args = ["--quick", "--kernels=" + ",".join(kernels), "--workers=2", "--hybrid=2x1,1x2", "--sleep-ms=5",
                "--benchmark_min_time=0", "--benchmark_repetitions=1"]
        doc, proc = run_json(self, args, ranks=2, env={"SUMBENCH_TEST_CORRUPT": "1"}, status=1)
        seen = set()
        for b in entries(doc):
            kernel, mode, fields = split_name(b["name"])
            seen.add((kernel, mode, fields["ranks"]))
            self.assertTrue(b.get("error_occurred"), b["name"])
            self.assertIn("invalid result", b["error_message"], b["name"])
        for kernel in kernels:
            for mode in MODES if kernel not in thread_only else ["serial", "omp", "gil"]:
                self.assertTrue(any(k == kernel and m == mode for k, m, _ in seen), (kernel, mode))
        self.assertIn(("triad", "hybrid", "2"), seen)
        self.assertIn(("triad", "hybrid", "1"), seen)
        self.assertIn("NO", proc.stdout)
        self.assertIn("test_corrupt", doc["context"])


class Mpi(unittest.TestCase):
    def check_world(self, ranks):
        doc, proc = run_json(self, ["--quick", "--sleep-ms=10", "--benchmark_repetitions=1"], ranks)
        self.assertEqual(doc["context"]["mpi_ranks"], str(ranks))
        found = entries(doc)
        self.assertTrue(found)
        for b in found:
            self.assertEqual(b["valid"], 1, b["name"])
        mpi = [b for b in found if split_name(b["name"])[1] == "mpi"]
        self.assertEqual([b["ranks"] for b in mpi] * 4, [ranks] * len(mpi) * 4 if mpi else [])
        sums = {}
        for b in found:
            sums.setdefault(split_name(b["name"])[0], set()).add(b["checksum"])
        for kernel, values in sums.items():
            self.assertEqual(len(values), 1, f"{kernel} with {ranks} ranks: {values}")
        self.assertEqual(proc.stdout.count("sum: speedup"), 1, "only rank 0 prints")
        for b in found:  # the plain MPI_Reduce reference runs only where ranks combine
            self.assertEqual(b["mpi_reduce_s"] > 0, b["ranks"] > 1, b["name"])
        if any(b["ranks"] > 1 and split_name(b["name"])[0] == "combine" for b in found):  # 512 KiB partials
            self.assertIn("against a plain MPI_Reduce", proc.stdout)
        return found

    def test_one_rank(self):
        self.check_world(1)

    def test_two_ranks(self):
        found = self.check_world(2)
        self.assertIn(("sum", "mpi", 2), {(split_name(b["name"])[0], split_name(b["name"])[1], b["ranks"]) for b in found})

    def test_four_ranks_oversubscribed(self):
        found = self.check_world(4)
        ncpu = len(os.sched_getaffinity(0))
        for b in found:
            if b["workers"] > ncpu:
                self.assertEqual(b["oversubscribed"], 1, b["name"])

    def test_mpi_with_fewer_ranks_than_the_world(self):
        doc, _ = run_json(self, ["--quick", "--kernels=sum,combine", "--modes=mpi", "--workers=1,2",
                                 "--benchmark_repetitions=1"], ranks=3)
        self.assertEqual(sorted(b["ranks"] for b in entries(doc)), [1, 1, 2, 2])
        self.assertTrue(all(b["valid"] == 1 for b in entries(doc)))

    def test_ranks_with_different_inputs_are_refused(self):
        cmd = mpiexec(2) + ["-n", "1", SUMBENCH, "--quick", "--n=5", ":",
               "-n", "1", SUMBENCH, "--quick", "--n=6"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("different arguments", proc.stderr)


if __name__ == "__main__":
    unittest.main()
