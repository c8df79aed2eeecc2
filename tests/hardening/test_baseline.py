"""Issue 10, runners/cpython_baseline.py: item 15. Black-box: the baseline runs as a
subprocess; a fake interpreter (a shell script given as --python) stands for a Python
that hangs, and records the PIDs of itself and of the grandchild it starts.

Expected behaviour (the spec for the fix):

  - --n has an upper bound (the fixer chooses it; the sum loop runs ~2e7 elements/s in
    CPython, so 1e11 elements would take over an hour per run): --n=100000000000 is
    refused at once with exit 2, one line naming the value and the allowed range, and
    --out is not created. Small values keep working (guard).
  - A --python that hangs when probed (it never answers) is given up within 15 s (a healthy
    interpreter answers the probe in under a second; the test allows 20 s): exit 2,
    one line naming the --python path, --out not created, and no process it started is
    left running (its whole process group/tree is killed, grandchildren included).
  - A --python that answers the probe and then hangs in the run: when cpython_baseline.py
    gets SIGTERM (a user's kill, a batch system's time limit), it exits within a few
    seconds with a non-zero status and leaves no process of that interpreter running,
    grandchildren included.
"""

import os
import signal
import subprocess
import time
import unittest

from blackbox import HardeningCase, alive, clean_env, run, start

HANGS = """#!/bin/sh
# A --python that hangs: starts a grandchild, records both PIDs, then waits for ever.
sleep 300 &
echo $! >> "$FAKE_PY_PIDS"
echo $$ >> "$FAKE_PY_PIDS"
exec sleep 300
"""

ANSWERS_THEN_HANGS = """#!/bin/sh
# Answers the interpreter probe like CPython 3.11, then hangs in the real run.
if [ "$1" = "-c" ]; then
  echo '{"implementation": "CPython", "version": "3.11.2", "version_info": [3, 11, 2], "executable": "/fake/python3"}'
  exit 0
fi
sleep 300 &
echo $! >> "$FAKE_PY_PIDS"
echo $$ >> "$FAKE_PY_PIDS"
exec sleep 300
"""

SMALL = ["--kernels=sum", "--modes=serial", "--workers=1", "--repetitions=1",
         "--scaling=strong"]


class Item15Baseline(HardeningCase):
    """Issue 10 item 15: no bound on --n; a hanging --python leaves grandchildren running."""

    def fake_python(self, text):
        path = self.tmp / "fakepy" / "python3"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        path.chmod(0o755)
        self.pids_file = self.tmp / "pids"
        self.addCleanup(self.kill_recorded)
        return path

    def recorded(self):
        try:
            return [int(x) for x in self.pids_file.read_text().split()]
        except (OSError, ValueError):
            return []

    def kill_recorded(self):
        for pid in self.recorded():
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def survivors(self, grace_s=3.0):
        deadline = time.monotonic() + grace_s
        while True:
            left = [p for p in self.recorded() if alive(p)]
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)

    def test_huge_n_is_refused_at_once(self):
        out = self.tmp / "out"
        res = run("baseline", f"--out={out}", *SMALL, "--n=100000000000", timeout=10)
        self.assertUsageError(res, "100000000000")
        self.assertFalse(out.exists(), "--out was created:" + res.show())

    def test_guard_small_n_runs(self):
        """Guard (passes on 18ebea3)."""
        res = run("baseline", f"--out={self.tmp / 'out'}", *SMALL, "--n=1000", timeout=60)
        self.assertEqual(res.rc, 0, res.show())

    def test_python_that_hangs_on_the_probe(self):
        py = self.fake_python(HANGS)
        out = self.tmp / "out"
        res = run("baseline", f"--out={out}", *SMALL, "--n=1000", f"--python={py}",
                  env=clean_env(FAKE_PY_PIDS=self.pids_file), timeout=20)
        self.assertFalse(res.timed_out, "a hanging --python was not given up within 20 s:"
                         + res.show())
        self.assertUsageError(res, str(py))
        self.assertFalse(out.exists(), "--out was created:" + res.show())
        self.assertEqual(self.survivors(), [], "processes of the hanging --python are still "
                         "running:" + res.show())

    def test_sigterm_while_the_python_hangs_in_the_run(self):
        py = self.fake_python(ANSWERS_THEN_HANGS)
        proc = start("baseline", f"--out={self.tmp / 'out'}", *SMALL, "--n=1000",
                     f"--python={py}", env=clean_env(FAKE_PY_PIDS=self.pids_file),
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while len(self.recorded()) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        self.assertEqual(len(self.recorded()), 2, "the fake --python never reached its hang "
                         f"(exit {proc.poll()}, stderr {proc.stderr.read() if proc.poll() is not None else ''})")
        proc.send_signal(signal.SIGTERM)   # to cpython_baseline.py only, as `kill PID` does
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.fail("cpython_baseline.py did not exit within 10 s of SIGTERM")
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.stderr.close()
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(self.survivors(), [], "SIGTERM left the --python's processes running")


if __name__ == "__main__":
    unittest.main()
