"""Issue 22's driver items, run on the real binary (each failed at b132564):

- item 2: ranks started with different environments (an MPMD launch, or a multi-host
  mpirun without -x) all stop with the same status, rank 0 prints one line, no rank prints
  anything else, nothing hangs.

Run by CTest with SUMBENCH, MPIEXEC and MPIEXEC_KIND in the environment (see test_driver.py).
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

from test_driver import MPIEXEC_KIND, SUMBENCH, mpiexec

TIMEOUT_S = float(os.environ.get("ISSUE22_TIMEOUT_S", "60"))
QUICK = ["--quick", "--kernels=sum", "--modes=serial,mpi", "--n=1000"]
MARK = "SUMBENCH_ISSUE22_MARK"  # in the environment of everything a test starts


def marked(token):
    """Processes whose environment holds MARK=token (an orted outliving sumbench)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if f"{MARK}={token}".encode() in f.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            pass
    return found


class Launches(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sumbench-issue22-")
        self.token = f"{os.getpid()}-{time.monotonic_ns()}"

    def tearDown(self):
        left = marked(self.token)
        for pid in left:  # what this test started, found by its own mark
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.assertEqual(left, [], "processes outlived the test (an orted building a topology?)")

    def env(self, **extra):
        return dict(os.environ, **{MARK: self.token}, **extra)

    def alone(self, args, **env):
        """sumbench without a launcher (Open MPI's singleton, which starts an orted)."""
        try:
            return subprocess.run([SUMBENCH] + args, capture_output=True, text=True, timeout=TIMEOUT_S,
                                  env=self.env(**env), start_new_session=True)
        except subprocess.TimeoutExpired:
            self.fail(f"still running after {TIMEOUT_S:g} s: {env} {SUMBENCH} {' '.join(args)}")

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


if __name__ == "__main__":
    unittest.main()
