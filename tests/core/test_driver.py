"""End-to-end tests of the sumbench driver: JSON output, bad input, and MPI runs.

Run by CTest with SUMBENCH (the binary) and MPIEXEC in the environment.
"""
import json
import os
import subprocess
import tempfile
import unittest

SUMBENCH = os.environ.get("SUMBENCH", "build/sumbench")
MPIEXEC = os.environ.get("MPIEXEC", "mpiexec")
KERNELS = ["sum", "sleep", "triad", "combine"]
MODES = ["serial", "omp", "mpi", "hybrid", "gil"]
COUNTERS = ["ranks", "threads", "workers", "n", "nodes", "valid", "oversubscribed", "time_max_rank_s",
            "time_min_rank_s", "imbalance", "checksum", "combine_bytes", "combine_s"]
CONTEXT = ["sumbench_version", "schema_version", "hosts", "nodes", "cpu_model", "mpi_library", "mpi_ranks",
           "rank_cpus", "OMP_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES", "compiler", "cxx_flags", "build_type",
           "git_commit", "scaling", "sleep_ms", "command_line"]


def run(args, ranks=None, timeout=300):
    cmd = [SUMBENCH] + args
    if ranks is not None:
        cmd = [MPIEXEC, "-n", str(ranks), "--oversubscribe", "--bind-to", "none"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def run_json(test, args, ranks=None):
    """Runs sumbench with --benchmark_out and returns the parsed JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        proc = run(args + ["--benchmark_out=" + out, "--benchmark_out_format=json"], ranks)
        test.assertEqual(proc.returncode, 0, proc.stderr)
        test.assertEqual(os.listdir(tmp), ["out.json"], "only the final file remains")
        with open(out) as f:
            return json.load(f), proc


def entries(doc):
    return [b for b in doc["benchmarks"] if b.get("run_type") == "iteration"]


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

    def test_summary_table(self):
        self.assertIn("sum: speedup (strong scaling) against serial", self.proc.stdout)
        self.assertIn("efficiency", self.proc.stdout)

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
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.json")
            proc = run(["--kernels=triad", "--modes=serial", "--n=4611686018427387904",
                        "--benchmark_out=" + out, "--benchmark_repetitions=1"])
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertIn("setup failed", proc.stderr)
            with open(out) as f:
                doc = json.load(f)
            self.assertTrue(all(b.get("error_occurred") for b in doc["benchmarks"]))


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
        cmd = [MPIEXEC, "--oversubscribe", "-n", "1", SUMBENCH, "--quick", "--n=5", ":",
               "-n", "1", SUMBENCH, "--quick", "--n=6"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("different arguments", proc.stderr)


if __name__ == "__main__":
    unittest.main()
