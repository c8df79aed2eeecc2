"""Issue 10, reports/report.py: items 1, 9 (report side) and 12. Black-box: report.py runs
as a subprocess on sweep folders made by runners/sweep.py with a fake sumbench.

Expected behaviour (the spec for the fix):

Item 1, --out REPORT_DIR never deletes what report.py did not create.
  - report.py marks every report folder it creates with a marker file of its own (name
    chosen by the fixer) and replaces a folder only when the marker is there.
  - An existing --out that is not empty and has no marker (even when it holds an
    index.html) is refused: exit 2, one line on stderr naming the folder, and nothing in
    it changes (the user's index.html, notes.txt and data/ stay byte for byte).
  - Re-running into its own report folder (marker present) replaces only the files the
    report writes (index.html, figures/, tables/, the marker): a file the user added to that
    folder (notes.txt) is kept, byte for byte. Exit 0.
  - An empty existing folder is fine (exit 0), as it is today.

Item 9, times that are not positive and finite are invalid points, listed as problems.
  - A results.csv row with status ok whose time_s is <= 0, NaN, +inf or absurdly small
    (1e-300 s: below any timer's resolution; the exact floor is the fixer's choice, but
    1e-300 must be below it) is an invalid measurement: it is left out of every statistic
    and its point is listed among the problem points (tables/problems.csv lists its
    point_id). The report is still written (exit 0) when other points are fine.
  - When every point has such times, report.py either writes a report that lists every
    point as a problem (exit 0) or refuses with exit 2 and one line; it never says that
    every point is ok.
  - No verdict or figure label shows an absurd speedup: with 2 workers no speedup printed
    in index.html exceeds 1000x.

Item 12, report.py never crashes on inf and never leaves a temp folder for ever.
  - time_s = inf in every row: no traceback; exit 0 with the points listed as problems, or
    exit 2 with one line.
  - A report.py killed with SIGKILL while it builds the report leaves temporary files; the
    next report.py run into the same --out removes what the killed run created, and only
    that: after it, the folder that holds --out contains exactly what it held before plus
    the report folder, the sweep folder is unchanged, $TMPDIR is empty, and look-alike
    folders the user made (".rep.tmp-mine/", ".rep.old-mine/") are untouched.
"""

import os
import re
import shutil
import signal
import subprocess
import time
import unittest
from pathlib import Path

from blackbox import (HardeningCase, clean_env, edit_results, kill_tree, read_csv,
                      remove_template_sweep, run, snapshot, start, template_sweep, tree_diff)

def tearDownModule():
    remove_template_sweep()


class ReportCase(HardeningCase):
    def sweep_copy(self, name="sweep") -> Path:
        dst = self.tmp / name
        shutil.copytree(template_sweep(), dst, symlinks=True)
        return dst

    def problems(self, report: Path) -> set:
        path = report / "tables" / "problems.csv"
        self.assertTrue(path.is_file(), f"{path} missing")
        return {r["point_id"] for r in read_csv(path)[1]}


class Item01ReportOut(ReportCase):
    """Issue 10 item 1: report.py --out on a folder with index.html deletes the user's files."""

    def test_foreign_folder_with_index_html_is_refused(self):
        sweep = self.sweep_copy()
        out = self.tmp / "mine"
        (out / "data").mkdir(parents=True)
        (out / "index.html").write_text("<p>my own page</p>\n")
        (out / "notes.txt").write_text("my notes\n")
        (out / "data" / "x.csv").write_text("a,b\n1,2\n")
        before = snapshot(out)
        res = run("report", sweep, "--out", out)
        self.assertUsageError(res, str(out))
        self.assertTreeUnchanged(before, out, res)

    def test_rerun_keeps_user_files_in_its_own_report_folder(self):
        sweep = self.sweep_copy()
        out = self.tmp / "rep"
        first = run("report", sweep, "--out", out)
        self.assertEqual(first.rc, 0, first.show())
        (out / "notes.txt").write_text("my notes beside the report\n")
        second = run("report", sweep, "--out", out)
        self.assertEqual(second.rc, 0, second.show())
        self.assertTrue((out / "index.html").is_file())
        self.assertTrue((out / "notes.txt").is_file(),
                        "the user's notes.txt in the report folder was deleted:" + second.show())
        self.assertEqual((out / "notes.txt").read_text(), "my notes beside the report\n")

    def test_guard_empty_existing_folder_is_fine(self):
        """Guard (passes on 18ebea3): a fix must not refuse an empty folder."""
        sweep = self.sweep_copy()
        out = self.tmp / "empty"
        out.mkdir()
        res = run("report", sweep, "--out", out)
        self.assertEqual(res.rc, 0, res.show())
        self.assertTrue((out / "index.html").is_file())


BAD_TIMES = ("-0.001", "0", "nan", "1e-300")   # inf: item 12
BAD_POINT = "sum-omp-r1t2-strong"


class Item09ReportTimes(ReportCase):
    """Issue 10 item 9: non-positive, NaN and absurd times are silently dropped or believed."""

    def _speedups(self, html: str) -> list:
        found = []
        for m in re.finditer(r"([0-9][0-9.]*(?:e[+-]?[0-9]+)?)\s*×", html):
            try:
                found.append(float(m.group(1)))
            except ValueError:
                pass
        return found

    def test_one_bad_point_is_listed_as_a_problem(self):
        for value in BAD_TIMES:
            with self.subTest(time_s=value):
                sweep = self.sweep_copy(f"sweep{value}")
                edit_results(sweep, lambda r: r.update(time_s=value)
                             if r["point_id"] == BAD_POINT else None)
                before = snapshot(sweep)
                out = self.tmp / f"rep{value}"
                res = run("report", sweep, "--out", out)
                self.assertNoTraceback(res)
                self.assertEqual(res.rc, 0, res.show())
                self.assertTreeUnchanged(before, sweep, res)
                self.assertIn(BAD_POINT, self.problems(out),
                              f"time_s={value} in {BAD_POINT} is not listed as a problem "
                              f"(tables/problems.csv):" + res.show())
                html = (out / "index.html").read_text(encoding="utf-8")
                absurd = [s for s in self._speedups(html) if not s <= 1000]
                self.assertEqual(absurd, [], f"absurd speedups in index.html with "
                                 f"time_s={value}")

    def test_all_bad_points_never_every_point_ok(self):
        for value in BAD_TIMES:
            with self.subTest(time_s=value):
                sweep = self.sweep_copy(f"sweep{value}")
                edit_results(sweep, lambda r: r.update(time_s=value))
                points = {r["point_id"] for r in read_csv(sweep / "results.csv")[1]}
                out = self.tmp / f"rep{value}"
                res = run("report", sweep, "--out", out)
                self.assertNoTraceback(res)
                self.assertIn(res.rc, (0, 2), res.show())
                if res.rc == 2:
                    self.assertUsageError(res)
                    self.assertFalse(out.exists(), "exit 2 but --out was written")
                    continue
                self.assertEqual(self.problems(out), points,
                                 f"with time_s={value} everywhere every point must be listed "
                                 f"as a problem:" + res.show())
                html = (out / "index.html").read_text(encoding="utf-8")
                self.assertNotIn("every point ok", html)


class Item12ReportInfAndKill(ReportCase):
    """Issue 10 item 12: time_s=inf gives a traceback; kill -9 leaves a temp folder for ever."""

    def test_inf_times_no_traceback(self):
        sweep = self.sweep_copy()
        edit_results(sweep, lambda r: r.update(time_s="inf"))
        points = {r["point_id"] for r in read_csv(sweep / "results.csv")[1]}
        out = self.tmp / "rep"
        res = run("report", sweep, "--out", out)
        self.assertNoTraceback(res)
        self.assertIn(res.rc, (0, 2), res.show())
        if res.rc == 2:
            self.assertUsageError(res)
        else:
            self.assertEqual(self.problems(out), points, res.show())

    def test_one_inf_point_is_listed_as_a_problem(self):
        sweep = self.sweep_copy()
        edit_results(sweep, lambda r: r.update(time_s="inf") if r["point_id"] == BAD_POINT
                     else None)
        out = self.tmp / "rep"
        res = run("report", sweep, "--out", out)
        self.assertNoTraceback(res)
        self.assertEqual(res.rc, 0, res.show())
        self.assertIn(BAD_POINT, self.problems(out), res.show())

    def _killed_run(self, sweep, out, env):
        """Start report.py, SIGKILL it once it has started writing; True if it was cut."""
        parent = out.parent
        seen = set(os.listdir(parent))
        proc = start("report", sweep, "--out", out, env=env, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                if set(os.listdir(parent)) - seen or os.listdir(env["TMPDIR"]):
                    time.sleep(0.2)   # let it write a little
                    break
                time.sleep(0.005)
        finally:
            kill_tree(proc)
        return proc.returncode == -signal.SIGKILL and not (out / "index.html").exists()

    def test_kill_9_leftovers_are_removed_by_the_next_run_and_nothing_else(self):
        for attempt in range(3):
            base = self.tmp / f"try{attempt}"
            base.mkdir()
            sweep = shutil.copytree(template_sweep(), base / "sweep", symlinks=True)
            tmpdir = base / "tmpdir"
            tmpdir.mkdir()
            env = clean_env(TMPDIR=tmpdir)
            out = sweep / "rep"          # as in the issue: the report inside the sweep folder
            for decoy in (".rep.tmp-mine", ".rep.old-mine"):   # the user's, not the tool's
                (sweep / decoy).mkdir()
                (sweep / decoy / "keep.txt").write_text("mine\n")
            before = snapshot(sweep)
            if self._killed_run(sweep, out, env):
                break
        else:
            self.skipTest("report.py always finished before it could be killed")
        left = [c for c in tree_diff(before, snapshot(sweep))]
        res = run("report", sweep, "--out", out, env=env)
        self.assertEqual(res.rc, 0, res.show())
        after = snapshot(sweep)
        changes = [c for c in tree_diff(before, after)
                   if not (c == "created rep" or c.startswith("created rep/"))]
        self.assertEqual(changes, [], "after a kill -9 and a second run, the sweep folder "
                         f"still holds the killed run's leftovers (left by the kill: {left})"
                         + res.show())
        self.assertEqual(sorted(os.listdir(tmpdir)), [], "leftovers in $TMPDIR")


if __name__ == "__main__":
    unittest.main()
