"""Issue 10, slurm/submit_sweep.py: item 14. Black-box and without a Slurm cluster: a fake
`sbatch` first on PATH records every call (it must not be called for bad input), and
--dry-run is tried too.

Expected behaviour (the spec for the fix):

  - Everything that would only fail inside the allocation is validated before the first
    sbatch call, with and without --dry-run: exit 2, exactly one line on stderr naming the
    bad value, sbatch never called, --out not created, and (dry run) no sbatch command
    printed. Cases:
        --sweep-args=--bogus            (runners/sweep.py does not know --bogus)
        --sweep-args=--kernels=foo      (sweep.py's own value rules; the line names foo)
        --time=abc, --time=-1           (not a positive Slurm time limit; note: Slurm
                                         itself reads -1 as INFINITE, the issue asks to
                                         refuse it)
        --combine-time=abc
        --nodes=1,,2                    (an empty item, as sumbench refuses --workers=1,,2)
        --sbatch-args=--time=abc        (a time limit given through --sbatch-args)
  - argparse errors (unknown flag, bad --scaling choice, missing value) are one line on
    stderr and exit 2, not argparse's usage block.
  - A valid submission still calls sbatch once per job plus the combine job (guard).
"""

import os
import shutil
import unittest

from blackbox import HardeningCase, clean_env, run

FAKE_SBATCH = """#!/bin/sh
echo "$@" >> "$FAKE_SBATCH_LOG"
echo 4242
"""

BAD = [
    ("--sweep-args=--bogus", "--bogus"),
    ("--sweep-args=--kernels=foo", "foo"),
    ("--time=abc", "abc"),
    ("--time=-1", "-1"),
    ("--combine-time=abc", "abc"),
    ("--nodes=1,,2", "1,,2"),
    ("--sbatch-args=--time=abc", "abc"),
]


class Item14SubmitValidation(HardeningCase):
    """Issue 10 item 14: --sweep-args/--sbatch-args/--time/--nodes fail after queueing."""

    def setUp(self):
        super().setUp()
        bindir = self.tmp / "bin"
        bindir.mkdir()
        (bindir / "sbatch").write_text(FAKE_SBATCH)
        (bindir / "sbatch").chmod(0o755)
        self.log = self.tmp / "sbatch.log"
        self.env = clean_env(PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
                             FAKE_SBATCH_LOG=self.log,
                             SUMBENCH_RESULTS=self.tmp / "results")

    def sbatch_calls(self):
        return self.log.read_text().splitlines() if self.log.exists() else []

    def test_bad_values_refused_before_sbatch(self):
        for arg, shown in BAD:
            for dry in (False, True):
                with self.subTest(arg=arg, dry_run=dry):
                    out = self.tmp / "out"
                    shutil.rmtree(out, ignore_errors=True)
                    self.log.unlink(missing_ok=True)
                    res = run("submit", "--nodes=1", f"--out={out}", arg,
                              *(["--dry-run"] if dry else []), env=self.env, timeout=60)
                    self.assertUsageError(res, shown)
                    self.assertEqual(self.sbatch_calls(), [], "sbatch was called:" + res.show())
                    self.assertFalse(out.exists(), "--out was created:" + res.show())
                    self.assertNotIn("sbatch", res.stdout, "the dry run printed a plan")

    def test_argparse_errors_are_one_line(self):
        for args in (["--scaling=foo"], ["--bogus-flag"], ["--nodes"]):
            with self.subTest(args=args):
                res = run("submit", *args, "--dry-run", env=self.env, timeout=60)
                self.assertUsageError(res)

    def test_guard_valid_submission_calls_sbatch(self):
        """Guard (passes on 18ebea3): two node counts -> two jobs and the combine job."""
        out = self.tmp / "out"
        res = run("submit", "--nodes=1,2", f"--out={out}", "--sweep-args=--kernels=sum --quick",
                  "--time=00:10:00", env=self.env, timeout=60)
        self.assertEqual(res.rc, 0, res.show())
        # Submissions only: sbatch --test-only is the probe of what the site's sbatch accepts.
        submitted = [c for c in self.sbatch_calls() if "--test-only" not in c]
        self.assertEqual(len(submitted), 3, res.show())


if __name__ == "__main__":
    unittest.main()
