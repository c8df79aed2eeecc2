"""Issue 10's driver items under mpirun, and memory: ranks that see different settings,
bad input on one rank, and sizes that do not fit. Every rank exits with the same status,
rank 0 prints one line, nothing hangs and no MPI_Abort block appears.

Run by CTest with SUMBENCH and MPIEXEC in the environment (see test_driver.py).
"""
import os
import subprocess
import tempfile
import unittest

from test_hardening import QUICK, SMALL, error_lines, run_ranks
from test_driver import SUMBENCH, mpiexec, run

ABORTED = ("MPI_ABORT", "exiting improperly", "exited without calling finalize")


def meminfo(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


class Agreement(unittest.TestCase):
    def refused_everywhere(self, ranks, args, message, env=None, status=2):
        _, statuses, out, err = run_ranks(self, ranks, args, env)
        self.assertEqual(statuses, [status] * ranks, err)
        lines = error_lines(err)
        self.assertEqual(len(lines), 1, err)
        self.assertIn(message, lines[0])
        for block in ABORTED:
            self.assertNotIn(block, err)
        self.assertNotIn("sum: speedup", out, "nothing ran")
        return lines[0]

    def test_filter_in_one_rank_environment(self):  # 18ebea3: rank 1 waited for ever
        line = self.refused_everywhere(2, ["--quick", "--kernels=sum"], "disagree on --benchmark_filter",
                                       env={0: {"BENCHMARK_FILTER": "sum/serial"}})
        self.assertIn("BENCHMARK_FILTER in the environment", line)

    def test_warmup_in_one_rank_environment(self):
        self.refused_everywhere(2, ["--quick", "--kernels=sum", "--modes=serial"],
                                "disagree on --benchmark_min_warmup_time", env={1: {"BENCHMARK_MIN_WARMUP_TIME": "0.05"}})

    def test_repetitions_and_min_time_in_one_rank_environment(self):
        for name, flag in (("BENCHMARK_REPETITIONS", "--benchmark_repetitions"),
                           ("BENCHMARK_MIN_TIME", "--benchmark_min_time")):
            with self.subTest(variable=name):
                self.refused_everywhere(3, QUICK, f"disagree on {flag}", env={2: {name: "1"}})

    def test_bad_variable_on_one_rank(self):  # 18ebea3: an abort on rank 1, the others waiting
        self.refused_everywhere(2, QUICK, "rank 1: BENCHMARK_REPETITIONS=-1 (in the environment) is out of range",
                                env={1: {"BENCHMARK_REPETITIONS": "-1"}})

    def test_bad_flags_stop_every_rank(self):
        cases = [(["--benchmark_format=xml"], "--benchmark_format=xml"),
                 (["--benchmark_repetitions=-1"], "--benchmark_repetitions=-1"),
                 (["--benchmark_filter=^nothing/"], "matches none"),
                 (["--hybrid=3x"], "'3x'"),
                 (["--benchmark_enable_random_interleaving=true"], "a world of one rank")]
        for args, message in cases:
            with self.subTest(args=args):
                self.refused_everywhere(2, SMALL + args, message)
        # A plain mpirun (which stops the job at the first non-zero status) passes it on.
        self.assertEqual(run(SMALL + ["--benchmark_format=xml"], ranks=2).returncode, 2)

    def test_bad_output_stops_every_rank(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.refused_everywhere(2, SMALL + ["--benchmark_out=" + tmp], "is a directory")
            self.refused_everywhere(2, SMALL + ["--benchmark_out=/proc/sumbench.json"], "/proc")
            self.assertEqual(os.listdir(tmp), [])

    def test_help_under_mpirun(self):  # 18ebea3: rank 0 exited inside Google Benchmark, without MPI_Finalize
        proc = run(["--help"], ranks=2)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.count("usage: [mpirun -n R] sumbench"), 1)
        self.assertIn("--benchmark_filter", proc.stdout)


class Memory(unittest.TestCase):
    """Sizes that do not fit stop every rank with exit 1 before anything is allocated."""

    # Each of triad's three arrays alone exceeds the node's memory and swap: a build without
    # the check fails to allocate instead of waking the OOM killer.
    N = 3 * (meminfo("MemTotal") + meminfo("SwapTotal")) // 16

    def test_one_rank(self):
        with tempfile.TemporaryDirectory() as tmp:
            proc = run(["--kernels=triad", f"--n={self.N}", "--benchmark_out=" + os.path.join(tmp, "out.json")])
            self.assertEqual(proc.returncode, 1, proc.stderr)
            lines = error_lines(proc.stderr)
            self.assertEqual(len(lines), 1, proc.stderr)
            self.assertIn(f"triad/serial/ranks:1/threads:1/n:{self.N} does not fit in memory", lines[0])
            self.assertIn("MemAvailable", lines[0])
            self.assertEqual(proc.stdout, "", "refused before anything ran")
            self.assertEqual(os.listdir(tmp), [])

    def test_every_rank_stops(self):
        # Each rank's share alone exceeds the node (as above, for a build without the check).
        rc, statuses, out, err = run_ranks(self, 2, ["--kernels=triad", "--modes=mpi", f"--n={2 * self.N}"])
        self.assertEqual(statuses, [1, 1], err)
        self.assertEqual(len(error_lines(err)), 1, err)
        self.assertIn("does not fit in memory: it needs", err)
        self.assertIn("(2 rank(s))", err)

    def test_cgroup_limit_and_node_total(self):
        """In a 1 GiB memory cgroup (as under Slurm or a container; MemAvailable says more),
        each of 2 ranks needs 0.5 GiB: one alone fits, the node's total does not."""
        group = make_memory_cgroup(1 << 30)
        if group is None:
            self.skipTest("cannot create a memory cgroup here (needs root and a writable cgroup file system)")
        try:
            n = 2 * (1 << 29) // 24
            enter = f'echo $$ > {group}/cgroup.procs && exec "$@"'
            cmd = ["sh", "-c", enter, "sh", *mpiexec(2), "-n", "2", SUMBENCH,
                   "--kernels=triad", "--modes=mpi", f"--n={n}", "--benchmark_repetitions=1"]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertIn("does not fit in memory", proc.stderr)
            self.assertIn("(2 rank(s))", proc.stderr)
            self.assertIn("cgroup", proc.stderr)
        finally:
            remove_memory_cgroup(group)


def make_memory_cgroup(limit):
    """A new memory cgroup below this process's own, limited to `limit` bytes (v2 or v1),
    or None where the cgroup file system does not allow it."""
    with open("/proc/self/cgroup") as f:
        lines = [line.rstrip("\n").split(":", 2) for line in f]
    choices = []
    for hid, controllers, path in lines:
        if hid == "0" and controllers == "":  # v2: the memory controller must be on for children
            parent = os.path.normpath("/sys/fs/cgroup" + path)
            try:
                with open(os.path.join(parent, "cgroup.subtree_control")) as f:
                    if "memory" in f.read().split():
                        choices.append((parent, "memory.max"))
            except OSError:
                pass
        elif "memory" in controllers.split(","):
            parent = os.path.normpath("/sys/fs/cgroup/memory" + path)
            if os.path.exists(os.path.join(parent, "memory.limit_in_bytes")):
                choices.append((parent, "memory.limit_in_bytes"))
    for parent, limit_file in choices:
        group = os.path.join(parent, f"sumbench-test-{os.getpid()}")
        try:
            os.mkdir(group)
        except OSError:
            continue
        try:
            if not os.path.exists(os.path.join(group, limit_file)):  # not a cgroup file system
                raise OSError(limit_file)
            with open(os.path.join(group, limit_file), "w") as f:
                f.write(str(limit))
            return group
        except OSError:
            os.rmdir(group)
    return None


def remove_memory_cgroup(group):
    for _ in range(50):  # its processes may take a moment to leave
        try:
            os.rmdir(group)
            return
        except OSError:
            subprocess.run(["sleep", "0.1"])


if __name__ == "__main__":
    unittest.main()
