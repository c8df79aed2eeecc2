"""What a careless user does beyond issue 10's list, found while fixing it. Black-box, as
the other hardening tests: every command runs as a subprocess.

Expected behaviour:
  - sweep.py --out inside another sweep's points/ folder is refused (exit 2, one line),
    as is --save-config naming a file of a results folder (it replaced sweep.json).
  - An output that is not a regular file (a FIFO here; /dev/null is the same case, never
    tried: as root a rename would replace the device) is refused by compare.py and
    left as it was.
  - sweep.py and cpython_baseline.py never write the same folder at once (the second
    is refused, exit 2, one line).
  - A sweep killed with SIGKILL in the middle of writing its files leaves temporary
    files; the next run removes them, and a resumed run ends complete with no *.tmp.
  - SIGTERM to report.py: exit 143, one line, no temporary folder left; SIGTERM to
    sweep.py: exit 143, the manifest records the interruption.
  - A value with a newline or a tab is named in exactly one line.
  - Paths with spaces and non-ASCII letters work end to end (sweep, report, compare).
  - submit_sweep.py refuses --sweep-args that set --out (the job sets its own).
"""

import json
import os
import signal
import time
import unittest

from blackbox import (FAKE_SUMBENCH, HardeningCase, clean_env, run, snapshot, start,
                      tmp_leftovers)

SWEEP = ["--kernels=sum", "--modes=serial,omp", "--workers=1,2", "--repetitions=2", "--seed=1"]


class CarelessUser(HardeningCase):
    def sweep(self, out, *extra, env=None):
        return run("sweep", f"--sumbench={FAKE_SUMBENCH}", *SWEEP, f"--out={out}", *extra,
                   env=env)

    def test_out_inside_points_and_save_config_into_a_sweep(self):
        base = self.tmp / "base"
        self.assertEqual(self.sweep(base).rc, 0)
        before = snapshot(base)
        res = self.sweep(base / "points" / "sub")
        self.assertUsageError(res, str(base / "points" / "sub"))
        res = self.sweep(self.tmp / "x", f"--save-config={base / 'sweep.json'}")
        self.assertUsageError(res, "sweep.json")
        self.assertTreeUnchanged(before, base, res)

    def test_output_onto_a_fifo_is_refused(self):
        base = self.tmp / "base"
        self.assertEqual(self.sweep(base).rc, 0)
        fifo = self.tmp / "fifo"
        os.mkfifo(fifo)
        res = run("compare", base, base, "--csv", fifo, timeout=30)
        self.assertUsageError(res, str(fifo))
        self.assertTrue(fifo.is_fifo(), "the FIFO was replaced")
        self.assertEqual(tmp_leftovers(self.tmp), [])

    def test_sweep_and_baseline_never_write_one_folder_at_once(self):
        out = self.tmp / "both"
        env = clean_env(FAKE_SLEEP_S="0.3")
        proc = start("sweep", f"--sumbench={FAKE_SUMBENCH}", "--kernels=sum,sleep",
                     "--modes=serial,omp", "--workers=1,2", "--repetitions=3", f"--out={out}",
                     env=env)
        try:
            deadline = time.monotonic() + 30
            while not (out / ".lock").exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            res = run("baseline", f"--out={out}", "--kernels=sum", "--modes=serial",
                      "--workers=1", "--repetitions=1", "--scaling=strong", "--n=1000")
        finally:
            proc.communicate(timeout=120)
        if proc.returncode == 0 and res.rc == 0:
            self.skipTest("the sweep ended before the baseline started")
        self.assertUsageError(res, "is running in")
        self.assertEqual(proc.returncode, 0)

    def test_kill_9_while_writing_then_resume(self):
        out = self.tmp / "k9"
        env = clean_env(FAKE_SLEEP_S="0.1")
        for delay in (0.3, 0.6, 0.9, 1.2):
            proc = start("sweep", f"--sumbench={FAKE_SUMBENCH}", "--kernels=sum,sleep",
                         *SWEEP[1:], f"--out={out}", env=env)
            time.sleep(delay)
            proc.kill()
            proc.communicate()
        # What a kill in the middle of an atomic write leaves at the top of the folder.
        if out.is_dir():
            (out / ".manifest.json.abcd1234.tmp").write_text("{")
        res = run("sweep", f"--sumbench={FAKE_SUMBENCH}", "--kernels=sum,sleep", *SWEEP[1:],
                  f"--out={out}")
        self.assertEqual(res.rc, 0, res.show())
        self.assertEqual(tmp_leftovers(out), [], res.show())
        manifest = json.loads((out / "manifest.json").read_text())
        self.assertEqual(manifest["counts"]["ok"], manifest["counts"]["total"])

    def test_sigterm(self):
        base = self.tmp / "base"
        self.assertEqual(self.sweep(base).rc, 0)
        for attempt in range(4):
            out = self.tmp / f"rep{attempt}"
            proc = start("report", base, "--out", out)
            time.sleep(0.8 + 0.4 * attempt)
            proc.send_signal(signal.SIGTERM)
            stdout, stderr = proc.communicate(timeout=60)
            self.assertEqual(tmp_leftovers(self.tmp), [])
            if proc.returncode == 0:
                continue  # it finished first
            if out.exists():  # the signal came after the rename: then it is complete
                marker = json.loads((out / ".sumbench.json").read_text())
                self.assertTrue(marker["files"] and all((out / f).is_file()
                                                        for f in marker["files"]), marker)
            if proc.returncode == -signal.SIGTERM:
                continue  # still starting (or re-executing for matplotlib): nothing written
            self.assertEqual(proc.returncode, 143, stderr)
            self.assertEqual(len([ln for ln in stderr.splitlines() if ln.strip()]), 1, stderr)
        out = self.tmp / "slow"
        proc = start("sweep", f"--sumbench={FAKE_SUMBENCH}", *SWEEP, f"--out={out}",
                     env=clean_env(FAKE_SLEEP_S="0.5"))
        deadline = time.monotonic() + 30
        while not (out / "manifest.json").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
        if proc.returncode != 0:
            self.assertEqual(proc.returncode, 143, stderr)
            runs = json.loads((out / "manifest.json").read_text())["runs"]
            self.assertTrue(runs[-1].get("interrupted"), runs)
        self.assertEqual(tmp_leftovers(out), [])

    def test_control_characters_stay_on_one_line(self):
        for value in ("sum\nsleep", "1\t2", "x\r"):
            with self.subTest(value=value):
                res = self.sweep(self.tmp / "never", f"--kernels={value}", "--dry-run")
                self.assertUsageError(res)
                res = run("submit", "--dry-run", f"--time={value}", env=clean_env(
                    SUMBENCH_RESULTS=self.tmp / "results"))
                self.assertUsageError(res)

    def test_spaces_and_unicode_in_paths(self):
        folder = self.tmp / "my rés ults" / "ä b"
        res = self.sweep(folder)
        self.assertEqual(res.rc, 0, res.show())
        report = self.tmp / "rép ort"
        res = run("report", folder, "--out", report)
        self.assertEqual(res.rc, 0, res.show())
        self.assertTrue((report / "index.html").is_file())
        res = run("compare", folder, folder, "--csv", self.tmp / "c ö.csv")
        self.assertEqual(res.rc, 0, res.show())

    def test_submit_refuses_an_out_in_sweep_args(self):
        res = run("submit", "--dry-run", "--nodes=1", "--sweep-args=--out=/tmp/elsewhere",
                  env=clean_env(SUMBENCH_RESULTS=self.tmp / "results"))
        self.assertUsageError(res, "--out")


if __name__ == "__main__":
    unittest.main()
