"""Issue 10, reports/compare.py: items 2 and 13. Black-box: compare.py runs as a subprocess
on sweep folders made by runners/sweep.py with a fake sumbench.

Expected behaviour (the spec for the fix):

Exit codes of compare.py (documented in docs/DESIGN.md, "Exit codes", and in --help):
    0  no significant change beyond the threshold
    1  at least one significant change beyond the threshold
    2  usage error or unusable input: one line on stderr, nothing written
    3  runtime error while writing an output (disk full, read-only file system, I/O
       error): one line on stderr, no output file and no temporary file left

Item 2, an output is never one of the inputs, nor any file of a results folder.
  - --csv or --html naming a file that belongs to a results folder is refused before
    anything is written: exit 2, one line on stderr naming the refused path, and no file of
    either sweep folder changes. "Belongs to a results folder" covers at least: the
    baseline's or contender's results.csv, their manifest.json, a point's raw.json, the
    same file reached through a symlink, and the results.csv of a third sweep folder that
    is not an input.
  - --csv and --html naming the same file is refused the same way (exit 2).
  - An output outside every results folder is written as before (guard).

Item 13, a bad output path is an error, never a "change found", and leaves nothing.
  - --csv / --html in a folder that does not exist, or naming an existing directory:
    exit 2, one line on stderr naming the path, nothing written: no *.tmp beside the path
    (e.g. no /parent/DIR.tmp), and no other output (a good --csv is not written when --html
    is bad: every output path is checked before the first is written).
  - Read-only file system: exit 2 or 3, one line, no *.tmp.
  - Disk full (ENOSPC) while writing: exit 3, one line, no partial output and no *.tmp.
  - A significant change still exits 1 (guard), so 1 means only "changed".
"""

import os
import shutil
import unittest
from pathlib import Path

from blackbox import (HardeningCase, fill, make_sweep, remove_template_sweep, run, snapshot,
                      template_sweep, tmp_leftovers, tmpfs)

RUNTIME_ERROR = 3
def tearDownModule():
    remove_template_sweep()


class CompareCase(HardeningCase):
    def setUp(self):
        super().setUp()
        self.fresh()

    def fresh(self):
        """New copies of the two sweep folders (a refused run may have changed them)."""
        for name in ("a", "b"):
            shutil.rmtree(self.tmp / name, ignore_errors=True)
            setattr(self, name, Path(shutil.copytree(template_sweep(), self.tmp / name,
                                                     symlinks=True)))

    def snap(self):
        return {"a": snapshot(self.a), "b": snapshot(self.b)}

    def assertSweepsUnchanged(self, before, res):
        self.assertTreeUnchanged(before["a"], self.a, res)
        self.assertTreeUnchanged(before["b"], self.b, res)


class Item02CompareOutputIsInput(CompareCase):
    """Issue 10 item 2: compare.py A B --csv A/results.csv overwrites the sweep's results."""

    def refused(self, flag, target):
        self.fresh()
        before = self.snap()
        res = run("compare", self.a, self.b, flag, target)
        self.assertUsageError(res, str(target))
        self.assertSweepsUnchanged(before, res)

    def test_csv_onto_baseline_results_csv(self):
        self.refused("--csv", self.a / "results.csv")

    def test_html_onto_contender_results_csv(self):
        self.refused("--html", self.b / "results.csv")

    def test_outputs_onto_other_files_of_a_results_folder(self):
        point = sorted((self.a / "points").iterdir())[0]
        for flag, target in (("--csv", self.a / "manifest.json"),
                             ("--html", point / "raw.json"),
                             ("--csv", self.b / "sweep.json")):
            with self.subTest(flag=flag, target=str(target)):
                self.refused(flag, target)

    def test_output_through_a_symlink_to_an_input(self):
        link = self.tmp / "link.csv"
        os.symlink(self.a / "results.csv", link)
        self.refused("--csv", link)

    def test_output_onto_a_third_results_folder(self):
        c = Path(shutil.copytree(template_sweep(), self.tmp / "c", symlinks=True))
        before = snapshot(c)
        res = run("compare", self.a, self.b, "--csv", c / "results.csv")
        self.assertUsageError(res, str(c / "results.csv"))
        self.assertTreeUnchanged(before, c, res)

    def test_csv_and_html_the_same_file(self):
        target = self.tmp / "out.txt"
        res = run("compare", self.a, self.b, "--csv", target, "--html", target)
        self.assertUsageError(res, str(target))
        self.assertFalse(target.exists(), "exit 2 but the output was written")

    def test_guard_output_elsewhere_is_written(self):
        """Guard (passes on 18ebea3): a plain output path keeps working."""
        res = run("compare", self.a, self.b, "--csv", self.tmp / "cmp.csv",
                  "--html", self.tmp / "cmp.html")
        self.assertEqual(res.rc, 0, res.show())
        self.assertTrue((self.tmp / "cmp.csv").is_file())
        self.assertTrue((self.tmp / "cmp.html").is_file())


class Item13CompareErrors(CompareCase):
    """Issue 10 item 13: a bad --csv/--html gives a traceback, rc 1 ("changed"), and *.tmp."""

    def assertNothingLeft(self, where: Path, res):
        self.assertEqual(tmp_leftovers(where), [], "temporary files left:" + res.show())

    def test_missing_folder(self):
        for flag in ("--csv", "--html"):
            with self.subTest(flag=flag):
                target = self.tmp / "no-such-dir" / "x.out"
                res = run("compare", self.a, self.b, flag, target)
                self.assertUsageError(res, str(target))
                self.assertFalse((self.tmp / "no-such-dir").exists())
                self.assertNothingLeft(self.tmp, res)

    def test_existing_directory(self):
        target = self.tmp / "adir"
        target.mkdir()
        (target / "mine.txt").write_text("mine\n")
        before = snapshot(self.tmp / "adir")
        res = run("compare", self.a, self.b, "--csv", target)
        self.assertUsageError(res, str(target))
        self.assertNothingLeft(self.tmp, res)
        self.assertTreeUnchanged(before, target, res)

    def test_all_outputs_checked_before_the_first_is_written(self):
        good = self.tmp / "good.csv"
        bad = self.tmp / "no-such-dir" / "x.html"
        res = run("compare", self.a, self.b, "--csv", good, "--html", bad)
        self.assertUsageError(res, str(bad))
        self.assertFalse(good.exists(), "--csv was written although --html was bad:" + res.show())
        self.assertNothingLeft(self.tmp, res)

    def test_read_only_file_system(self):
        with tmpfs(self.tmp, size="1m", readonly=True) as ro:
            target = ro / "cmp.csv"
            res = run("compare", self.a, self.b, "--csv", target)
            self.assertOneLine(res, str(target))
            self.assertIn(res.rc, (2, RUNTIME_ERROR), res.show())

    def test_disk_full(self):
        for flag in ("--csv", "--html"):
            with self.subTest(flag=flag), tmpfs(self.tmp, size="256k", populate=fill) as full:
                target = full / "cmp.out"
                res = run("compare", self.a, self.b, flag, target)
                self.assertOneLine(res)
                self.assertEqual(res.rc, RUNTIME_ERROR, "disk full must be the runtime error "
                                 "code, not 1 (= changed) or 0:" + res.show())
                self.assertFalse(target.exists(), "a partial output was left:" + res.show())
                self.assertNothingLeft(full, res)

    def test_guard_significant_change_is_1(self):
        """Guard (passes on 18ebea3): exit 1 stays "a significant change beyond the threshold"."""
        base = make_sweep(self.tmp / "base", kernels="sum", modes="serial", repetitions=6)
        slow = make_sweep(self.tmp / "slow", kernels="sum", modes="serial", repetitions=6,
                          env_extra={"FAKE_TIME_NS": "3e6"})
        self.assertEqual((base.rc, slow.rc), (0, 0), base.show() + slow.show())
        res = run("compare", self.tmp / "base", self.tmp / "slow")
        self.assertEqual(res.rc, 1, res.show())


if __name__ == "__main__":
    unittest.main()
