"""Runner behaviour with a controllable fake sumbench: failure isolation, timeouts,
noisy points, resume after kill -9, Ctrl-C."""

import signal
import subprocess
import time
import unittest

from support import FAKE, TempDirMixin, clean_env, point_dirs, read_json, run_sweep, sweep_cmd
from sumbench.schema import read_results_raw

POINT_FILES = {"command.json", "command.txt", "raw.json", "stdout.txt", "stderr.txt",
               "status.json"}


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def complete(out):
    return [p for p in point_dirs(out) if (p / "status.json").exists()] \
        if (out / "points").exists() else []


class FailureIsolationTests(TempDirMixin, unittest.TestCase):
    def test_failures_are_recorded_and_the_sweep_goes_on(self):
        out = self.tmp / "o"
        env = clean_env(FAKE_FAIL="triad", FAKE_CRASH="combine", FAKE_INVALID="sleep",
                        FAKE_HANG="convoy")
        res = run_sweep("--sumbench", FAKE, "--out", out, "--kernels=sum,sleep,triad,combine,convoy",
                        "--modes=omp", "--workers=1,2", "--repetitions=2", "--timeout=1.5",
                        "--cv-threshold=1", env=env)
        self.assertEqual(res.returncode, 1, res.stdout + res.stderr)
        self.assertIn("8 of 10 points failed", res.stdout)
        statuses = {p.name: read_json(p / "status.json") for p in point_dirs(out)}
        self.assertEqual(len(statuses), 10)
        expect = {"sum": "ok", "sleep": "invalid", "triad": "failed", "combine": "failed",
                  "convoy": "timeout"}
        for pid, st in statuses.items():
            self.assertEqual(st["status"], expect[pid.split("-")[0]], pid)
        triad = statuses["triad-omp-r1t2-strong"]
        self.assertEqual(triad["exit_code"], 1)
        self.assertIn("cannot allocate", triad["stderr_tail"])
        self.assertIn("SIGSEGV", statuses["combine-omp-r1t1-strong"]["reason"])
        self.assertIsNone(statuses["convoy-omp-r1t1-strong"]["exit_code"])
        self.assertLess(statuses["convoy-omp-r1t1-strong"]["wall_s"], 1.5 + 5)
        ok_dir = out / "points" / "sum-omp-r1t2-strong"
        self.assertEqual({p.name for p in ok_dir.iterdir()}, POINT_FILES)
        self.assertIsInstance(statuses["sum-omp-r1t2-strong"]["launch_s"], float)
        for key in ("load_before", "load_after", "oversubscribed", "warnings", "attempts", "cv",
                    "unstable", "wall_s"):
            self.assertIn(key, statuses["sum-omp-r1t2-strong"])
        # The hung fake was killed with its group.
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        self.assertNotIn(f"{FAKE} --kernels=convoy", ps)

        rows = read_results_raw(out / "results.csv")
        by_status = {}
        for r in rows:
            by_status.setdefault(r["status"], []).append(r)
        self.assertEqual(len(by_status["ok"]), 4)              # sum: 2 points x 2 repetitions
        self.assertEqual(len(by_status["invalid"]), 4)         # sleep: rows kept, valid=0
        self.assertTrue(all(r["valid"] == "0" for r in by_status["invalid"]))
        self.assertEqual(len(by_status["failed"]), 4)          # one row per failed point
        self.assertEqual(len(by_status["timeout"]), 2)
        for r in by_status["failed"] + by_status["timeout"]:
            self.assertEqual((r["time_s"], r["repetition"]), ("", ""))
            self.assertIn(r["kernel"], ("triad", "combine", "convoy"))
        manifest = read_json(out / "manifest.json")
        self.assertEqual(manifest["counts"]["ok"], 2)
        self.assertEqual(manifest["counts"]["failed"], 4)

        # Re-running skips everything; --retry-failed redoes only the failed ones.
        res = run_sweep("--sumbench", FAKE, "--out", out, "--kernels=sum,sleep,triad,combine,convoy",
                        "--modes=omp", "--workers=1,2", "--repetitions=2", "--timeout=1.5",
                        "--retry-failed", "--cv-threshold=1", env=clean_env())
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertIn("skip sum-omp-r1t1-strong (done)", res.stdout)
        self.assertIn("redo triad-omp-r1t1-strong (retry failed)", res.stdout)
        self.assertEqual(res.stdout.count("skip "), 2)

    def test_noisy_point_is_rerun_and_flagged(self):
        out = self.tmp / "o"
        res = run_sweep("--sumbench", FAKE, "--out", out, "--kernels=sum,sleep", "--modes=omp",
                        "--workers=1", "--repetitions=3", "--max-reruns=1",
                        env=clean_env(FAKE_NOISY="sum"))
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        noisy = read_json(out / "points" / "sum-omp-r1t1-strong" / "status.json")
        self.assertEqual((noisy["attempts"], noisy["unstable"]), (2, True))
        self.assertGreater(noisy["cv"], 0.05)
        calm = read_json(out / "points" / "sleep-omp-r1t1-strong" / "status.json")
        self.assertEqual((calm["attempts"], calm["unstable"]), (1, False))
        self.assertLess(calm["cv"], 0.05)
        rows = [r for r in read_results_raw(out / "results.csv") if r["kernel"] == "sum"]
        self.assertEqual(len(rows), 3)  # the last attempt's repetitions
        self.assertTrue(all(r["unstable"] == "1" for r in rows))


    def test_failed_launch_measurement_does_not_fail_the_point(self):
        out = self.tmp / "o"
        res = run_sweep("--sumbench", FAKE, "--out", out, "--kernels=sum", "--modes=omp",
                        "--workers=1", env=clean_env(FAKE_LAUNCH_FAIL=1))
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        st = read_json(out / "points" / "sum-omp-r1t1-strong" / "status.json")
        self.assertEqual((st["status"], st["launch_s"]), ("ok", None))
        self.assertIn("launch-only run failed (exit status 3)", st["warnings"][0])
        self.assertIn("launch failed", st["launch_output"])
        self.assertEqual({f.name for f in (out / "points" / "sum-omp-r1t1-strong").iterdir()},
                         POINT_FILES)


class RequeueTests(TempDirMixin, unittest.TestCase):
    """A Slurm job requeued after a node failure (SLURM_RESTART_COUNT=1) reruns the points
    that failed to launch, and only those: never a validation failure, sumbench's own
    error, or a usage error (they would fail the same way again)."""

    ARGS = ("--kernels=sum,sleep,triad,combine,convoy", "--modes=omp", "--workers=1",
            "--repetitions=2", "--cv-threshold=1")

    def sweep(self, out, **env):
        return run_sweep("--sumbench", FAKE, "--out", out, *self.ARGS,
                         env=clean_env(SLURM_JOB_ID="77", **env))

    def test_only_launch_failures_are_retried_on_requeue(self):
        out = self.tmp / "o"
        failing = dict(FAKE_INVALID="sleep", FAKE_USAGE="triad", FAKE_ERROR="convoy")
        res = self.sweep(out, FAKE_CRASH="combine", **failing)
        self.assertEqual(res.returncode, 1, res.stdout + res.stderr)
        first = {p.name.split("-")[0]: read_json(p / "status.json") for p in point_dirs(out)}
        self.assertEqual({k: v["outcome"] for k, v in first.items()},
                         {"sum": "ok", "sleep": "invalid", "triad": "usage", "combine": "launch",
                          "convoy": "error"})
        self.assertEqual({v["slurm_attempt"] for v in first.values()}, {0})
        self.assertIn("combine-omp-r1t1-strong failed [launch]", res.stdout)
        # A launch failure is tried once more at once; the others are not.
        self.assertEqual([h["outcome"] for h in first["combine"]["history"]], ["launch"])
        self.assertEqual({k: len(v["history"]) for k, v in first.items() if k != "combine"},
                         {"sum": 0, "sleep": 0, "triad": 0, "convoy": 0})
        # The same attempt again (a plain resume): nothing is rerun.
        res = self.sweep(out, FAKE_CRASH="combine", **failing)
        self.assertEqual(res.stdout.count("skip "), 5, res.stdout)
        # The requeued attempt, its node back: only the launch failure runs again.
        res = self.sweep(out, SLURM_RESTART_COUNT="1", **failing)
        self.assertEqual(res.stdout.count("skip "), 4, res.stdout)
        self.assertIn("redo combine-omp-r1t1-strong (retry after a launch failure in attempt 0",
                      res.stdout)
        again = read_json(out / "points" / "combine-omp-r1t1-strong" / "status.json")
        self.assertEqual((again["status"], again["outcome"], again["slurm_attempt"]), ("ok", "ok", 1))
        self.assertEqual([(h["outcome"], h["slurm_attempt"]) for h in again["history"]],
                         [("launch", 0), ("launch", 0)])
        self.assertIn("SIGSEGV", again["history"][0]["reason"])
        for kernel in ("sleep", "triad", "convoy"):
            st = read_json(out / "points" / f"{kernel}-omp-r1t1-strong" / "status.json")
            self.assertEqual((st["slurm_attempt"], st["history"]), (0, []), kernel)
        # Once per attempt: the same attempt resumed again reruns nothing.
        res = self.sweep(out, SLURM_RESTART_COUNT="1", FAKE_CRASH="combine", **failing)
        self.assertEqual(res.stdout.count("skip "), 5, res.stdout)


class InterruptTests(TempDirMixin, unittest.TestCase):
    ARGS = ["--kernels=sum,sleep,triad", "--modes=serial,omp", "--workers=1,2",
            "--repetitions=1", "--seed=11"]  # 9 points

    def start(self, out, sleep_s):
        return subprocess.Popen(sweep_cmd("--sumbench", FAKE, "--out", out, *self.ARGS),
                                env=clean_env(FAKE_SLEEP_S=sleep_s, FAKE_LOG=self.tmp / "calls.log"),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def test_resume_after_kill_9(self):
        out = self.tmp / "o"
        proc = self.start(out, 0.4)
        wait_for(lambda: len(complete(out)) >= 2, 60, "two complete points")
        proc.kill()  # SIGKILL: no cleanup at all
        proc.communicate()
        done_before = {p.name: (p / "status.json").stat().st_mtime_ns for p in complete(out)}
        self.assertGreaterEqual(len(done_before), 2)
        self.assertLess(len(done_before), 9)
        in_flight = {p.name for p in point_dirs(out)
                     if (p / "command.json").exists() and p.name not in done_before}

        res = run_sweep("--sumbench", FAKE, "--out", out, *self.ARGS)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        for pid in done_before:
            self.assertIn(f"skip {pid} (done)", res.stdout)
        self.assertEqual(res.stdout.count("skip "), len(done_before))
        after = {p.name: (p / "status.json").stat().st_mtime_ns for p in complete(out)}
        self.assertEqual(len(after), 9)
        for pid, mtime in done_before.items():
            self.assertEqual(after[pid], mtime, f"{pid} was redone")
        # The point in flight at the kill keeps one "interrupted" entry in its history.
        redone = {p.name: [h["outcome"] for h in read_json(p / "status.json")["history"]]
                  for p in complete(out) if p.name not in done_before}
        self.assertEqual({k: v for k, v in redone.items() if v},
                         {k: ["interrupted"] for k in in_flight}, redone)
        for p in point_dirs(out):
            self.assertFalse((p / "running.json").exists())
            self.assertEqual({f.name for f in p.iterdir()}, POINT_FILES, p.name)
        rows = read_results_raw(out / "results.csv")
        self.assertEqual(sorted(r["point_id"] for r in rows), sorted(after))
        self.assertEqual(len(read_json(out / "manifest.json")["runs"]), 2)

    def test_ctrl_c_leaves_no_status_for_the_point_in_flight(self):
        out = self.tmp / "o"
        # The point sleeps long enough to stay in flight while the second runner starts and
        # is refused: with 3 s it had finished first under a load of 14 (2 cores). SIGINT
        # ends it at once, so the length costs nothing.
        proc = self.start(out, 60)
        # Wait until the first point's main run (not its launch-only run) is in flight.
        log = self.tmp / "calls.log"
        wait_for(lambda: log.exists() and "--kernels=" in log.read_text(), 30, "a point in flight")
        # A second runner on the same folder is refused while the first holds it.
        second = run_sweep("--sumbench", FAKE, "--out", out, *self.ARGS)
        self.assertEqual(second.returncode, 2)
        self.assertIn("another sweep.py or cpython_baseline.py is running", second.stderr)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130, stdout + stderr)
        self.assertIn("interrupted", stderr)
        self.assertEqual(complete(out), [])
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        self.assertNotIn(f"{FAKE} --kernels", ps)  # the child group was killed
        self.assertTrue(read_json(out / "manifest.json")["runs"][-1]["interrupted"])


if __name__ == "__main__":
    unittest.main()
