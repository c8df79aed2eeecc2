"""Issue 22 items 3 and 4 (hardening, second round): nothing outlives the runner.
Black-box: sweep.py runs as a subprocess with the fake sumbench (each run sleeps, so a
point is in flight), or with a fake --mpirun that hangs; the processes it started are
found through /proc and running.json.

Expected behaviour (the spec for the fix):
Item 3, SIGHUP during a sweep (a closed terminal, a dropped ssh) is as clean as SIGTERM:
  - the runner exits 129 (128 + SIGHUP);
  - no process it started (the launcher, sumbench, their children) survives it, and
    nothing is written into --out after it has gone (no raw.json of a late child);
  - no .stdout.txt.tmp, .stderr.txt.tmp, running.json or other temporary file stays;
  - manifest.json says the run was interrupted;
  - the same command then resumes and completes (exit 0, every point ok).
  Both from `kill -HUP` and from a real terminal that closes (a pty whose master is
  closed: the kernel sends SIGHUP, and every later write to the terminal fails with EIO).
Item 4, sweep.py --mpirun=PROG whose `PROG --version` never answers: after the probe's
timeout PROG's whole process tree is killed (its children too); exit 2, one line.
On b132564 the runner dies of SIGHUP (exit -1/129 with no clean-up): the child lives
on and writes raw.json later, the temporary files and running.json stay, the manifest
is not marked; and the --mpirun probe leaves PROG's two `sleep`s running.
"""

import fcntl
import json
import os
import signal
import subprocess
import termios
import time
import unittest

from blackbox import (ENTRY, FAKE_SUMBENCH, PYTHON, HardeningCase, alive, clean_env,
                      descendants, run, snapshot, start, tmp_leftovers, tree_diff)

SWEEP = ["--kernels=sum", "--modes=serial,omp", "--workers=1,2", "--repetitions=2", "--seed=1"]
HANGS = """#!/bin/sh
# An --mpirun whose --version never answers: two children, then it waits for ever.
sleep 300 &
echo $! >> "$FAKE_PIDS"
sleep 300 &
echo $! >> "$FAKE_PIDS"
echo $$ >> "$FAKE_PIDS"
wait
"""


def wait_for(predicate, timeout=60.0, tick=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tick is not None:
            tick()
        if predicate():
            return True
        time.sleep(0.05)
    return False


def in_flight(out):
    """(point folder, child pid) of the point that runs now, or None."""
    for running in (out / "points").glob("*/running.json"):
        try:
            return running.parent, int(json.loads(running.read_text())["pid"])
        except (OSError, ValueError, KeyError):
            continue
    return None


class Item03Sighup(HardeningCase):
    """Issue 22 item 3: SIGHUP leaves orphans, temporary files and an unmarked manifest."""

    def sweep_args(self, out):
        return [f"--sumbench={FAKE_SUMBENCH}", *SWEEP, f"--out={out}"]

    def children_once_running(self, runner_pid, out, tick=None):
        """The runner's descendants once a point's child runs (sumbench, not --launch-only)."""
        found = wait_for(lambda: in_flight(out) and (in_flight(out)[0] / ".stdout.txt.tmp").exists(),
                         tick=tick)
        self.assertTrue(found, "no point started within 60 s")
        time.sleep(0.3)
        pids = descendants(runner_pid)
        self.assertTrue(pids, "the runner has no child process")
        return pids

    def assertCleanAfter(self, out, pids, rc, stderr=""):
        self.assertEqual(rc, 128 + signal.SIGHUP, f"exit {rc} after SIGHUP:\n{stderr}")
        self.assertTrue(wait_for(lambda: not [p for p in pids if alive(p)], 10),
                        f"processes of the runner outlive it: {[p for p in pids if alive(p)]}")
        before = snapshot(out)
        time.sleep(2.5)   # a surviving child would write its raw.json now (FAKE_SLEEP_S)
        self.assertEqual(tree_diff(before, snapshot(out)), [], "written after the runner ended")
        self.assertEqual(tmp_leftovers(out), [], "temporary files left")
        self.assertEqual(sorted(p.name for p in (out / "points").glob("*/running.json")), [],
                         "running.json left")
        runs = json.loads((out / "manifest.json").read_text())["runs"]
        self.assertTrue(runs[-1].get("interrupted"), f"manifest not marked interrupted: {runs}")
        res = run("sweep", *self.sweep_args(out))
        self.assertEqual(res.rc, 0, "the resume did not complete:" + res.show())
        counts = json.loads((out / "manifest.json").read_text())["counts"]
        self.assertEqual(counts["ok"], counts["total"], counts)

    def test_kill_hup(self):
        out = self.tmp / "hup"
        proc = start("sweep", *self.sweep_args(out), env=clean_env(FAKE_SLEEP_S="2"))
        try:
            pids = self.children_once_running(proc.pid, out)
            proc.send_signal(signal.SIGHUP)
            _, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(len([ln for ln in stderr.splitlines() if ln.strip()]), 1, stderr)
        self.assertIn("SIGHUP", stderr)
        self.assertCleanAfter(out, pids, proc.returncode, stderr)

    def test_terminal_closes(self):
        out = self.tmp / "tty"
        master, slave = os.openpty()

        def controlling_terminal():   # after setsid (start_new_session): the pty is ours
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        proc = subprocess.Popen([PYTHON, str(ENTRY["sweep"]), *self.sweep_args(out)],
                                env=clean_env(FAKE_SLEEP_S="2"), stdin=slave, stdout=slave,
                                stderr=slave, start_new_session=True,
                                preexec_fn=controlling_terminal)
        os.close(slave)
        try:
            os.set_blocking(master, False)

            def drain():   # read what the runner writes, or it blocks on a full terminal
                try:
                    while os.read(master, 65536):
                        pass
                except OSError:
                    pass
            pids = self.children_once_running(proc.pid, out, tick=drain)
            os.close(master)   # the terminal goes away: SIGHUP, then EIO on every write
            master = None
            rc = proc.wait(timeout=60)
        finally:
            if master is not None:
                os.close(master)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertCleanAfter(out, pids, rc)


class Item04MpirunProbe(HardeningCase):
    """Issue 22 item 4: --mpirun=PROG leaks PROG's children when its probe times out."""

    def test_hanging_mpirun_is_killed_with_its_children(self):
        prog = self.tmp / "mpirun"
        prog.write_text(HANGS)
        prog.chmod(0o755)
        pids_file = self.tmp / "pids"
        pids_file.touch()
        res = run("sweep", f"--sumbench={FAKE_SUMBENCH}", "--kernels=sum", "--modes=mpi",
                  "--workers=2", "--launcher=openmpi", f"--mpirun={prog}",
                  f"--out={self.tmp / 'never'}", env=clean_env(FAKE_PIDS=pids_file), timeout=90)
        pids = [int(p) for p in pids_file.read_text().split()]
        try:
            self.assertEqual(len(pids), 3, f"the fake mpirun did not start: {pids}")
            self.assertUsageError(res, str(prog))
            self.assertTrue(wait_for(lambda: not [p for p in pids if alive(p)], 5),
                            f"--mpirun's processes outlive the probe: "
                            f"{[p for p in pids if alive(p)]}" + res.show())
            self.assertFalse((self.tmp / "never").exists())
        finally:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


if __name__ == "__main__":
    unittest.main()
