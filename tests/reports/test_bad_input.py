"""Unusable sweep folders: one clear error line, exit 2, and no report folder."""

import os
import shutil
import tempfile
import unittest
from unittest import mock

import fixtures
from sumbench.schema import SCHEMA_VERSION


def _read(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _rewrite(path, fn):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(fn(text))


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="sumbench-bad-")
        cls.good = fixtures.make_sweep(os.path.join(cls.base, "good"), gil_variants=False,
                                       convoy=False, cpython=False)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base, ignore_errors=True)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(dir=self.base)
        self.sweep = os.path.join(self.tmp, "sweep")
        shutil.copytree(self.good, self.sweep)
        self.csv = os.path.join(self.sweep, "results.csv")
        self.out = os.path.join(self.tmp, "out", "report")

    def assert_rejected(self, *needles, sweeps=None):
        proc = fixtures.run_script([fixtures.REPORT_PY] + (sweeps or [self.sweep]) +
                                   ["--out", self.out])
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertTrue(lines[0].startswith("report.py: error: "), lines[0])
        for needle in needles:
            self.assertIn(needle, lines[0])
        self.assertNotIn("Traceback", proc.stderr)
        if os.environ.get("SUMBENCH_SHOW_ERRORS"):
            print("\n    " + lines[0])
        self.assertFalse(os.path.exists(self.out), "a report folder was created")
        self.assertFalse(os.path.exists(os.path.dirname(self.out)),
                         "the report's parent folder was created")
        self.assertEqual(proc.stdout, "")
        return lines[0]

    # -- corrupted --------------------------------------------------------------
    def test_truncated_csv(self):
        with open(self.csv, "rb") as fh:
            data = fh.read()
        with open(self.csv, "wb") as fh:
            cut = data.index(b"\n", int(len(data) * 0.6)) + 12
            fh.write(data[:cut])                     # cut inside a row
        self.assert_rejected("results.csv line", "corrupted")

    def test_binary_garbage(self):
        with open(self.csv, "wb") as fh:
            fh.write(bytes(range(256)) * 8)
        self.assert_rejected("results.csv", "corrupted")

    def test_unparsable_number(self):
        lines = _read(self.csv).splitlines()
        fields = lines[3].split(",")
        fields[12] = "fast"                       # time_s
        lines[3] = ",".join(fields)
        with open(self.csv, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        self.assert_rejected("line 4", "time_s", "'fast'")

    def test_corrupted_manifest(self):
        _rewrite(os.path.join(self.sweep, "manifest.json"), lambda t: t[: len(t) // 2])
        self.assert_rejected("manifest.json", "corrupted")

    # -- empty ------------------------------------------------------------------
    def test_empty_file(self):
        open(self.csv, "w").close()
        self.assert_rejected("results.csv", "empty")

    def test_header_only(self):
        _rewrite(self.csv, lambda t: t.splitlines()[0] + "\n")
        self.assert_rejected("results.csv", "no result rows")

    def test_empty_folder(self):
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        self.assert_rejected("results.csv", "no such file", sweeps=[empty])

    def test_missing_folder(self):
        self.assert_rejected("no such folder", sweeps=[os.path.join(self.tmp, "nope")])

    # -- mixed schema -------------------------------------------------------------
    def test_mixed_schema_version(self):
        lines = _read(self.csv).splitlines()
        newer = SCHEMA_VERSION + 1   # a version this sumbench does not know yet
        lines[5] = lines[5][: lines[5].rindex(",")] + f",{newer}"
        with open(self.csv, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        self.assert_rejected("line 6", "mixed schema", f"schema_version {newer}")

    def test_missing_column(self):
        import csv
        with open(self.csv, newline="") as fh:
            rows = list(csv.reader(fh))
        drop = rows[0].index("io_latency_s")
        with open(self.csv, "w", newline="") as fh:
            csv.writer(fh).writerows([r[:drop] + r[drop + 1:] for r in rows])
        self.assert_rejected("missing columns io_latency_s")

    def test_second_sweep_of_another_schema(self):
        other = os.path.join(self.tmp, "other")
        shutil.copytree(self.good, other)
        _rewrite(os.path.join(other, "results.csv"),
                 lambda t: "\n".join(line[: line.rindex(",")] + f",{SCHEMA_VERSION + 1}" if i else line
                                     for i, line in enumerate(t.splitlines())) + "\n")
        self.assert_rejected("other", f"schema_version {SCHEMA_VERSION + 1}", sweeps=[self.good, other])

    # -- usage --------------------------------------------------------------------
    def test_refuses_to_replace_a_folder_that_is_not_a_report(self):
        os.makedirs(self.out)
        keep = os.path.join(self.out, "precious.txt")
        open(keep, "w").close()
        proc = fixtures.run_script([fixtures.REPORT_PY, self.sweep, "--out", self.out])
        self.assertEqual(proc.returncode, 2)
        self.assertIn("does not hold a report", proc.stderr)
        self.assertTrue(os.path.exists(keep))

    def test_missing_out_is_a_usage_error(self):
        proc = fixtures.run_script([fixtures.REPORT_PY, self.sweep])
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--out", proc.stderr)


class FailureWhileDrawingTest(unittest.TestCase):
    """A failure after the output was started leaves neither a partial report nor
    temporary folders, and an earlier report stays as it was."""

    def test_no_partial_report(self):
        from sumbench.cli import report  # the function reports/report.py runs (sumbench/commands.py)
        from sumbench.report import page
        with tempfile.TemporaryDirectory(prefix="sumbench-fail-") as tmp:
            sweep = fixtures.make_sweep(os.path.join(tmp, "s"), gil_variants=False,
                                        convoy=False, cpython=False)
            out = os.path.join(tmp, "report")
            with mock.patch.object(page, "build_page", side_effect=RuntimeError("boom")):
                with mock.patch("sys.stderr"):
                    rc = report.main([sweep, "--out", out])
            self.assertEqual(rc, 1)
            self.assertFalse(os.path.exists(out))
            self.assertEqual(fixtures.leftovers(tmp), [])
            # Now with an earlier report in place.
            with mock.patch("sys.stdout"):
                self.assertEqual(report.main([sweep, "--out", out]), 0)
            with open(os.path.join(out, "index.html"), "rb") as fh:
                before = fh.read()
            with mock.patch.object(page, "build_page", side_effect=RuntimeError("boom")):
                with mock.patch("sys.stderr"):
                    self.assertEqual(report.main([sweep, "--out", out]), 1)
            with open(os.path.join(out, "index.html"), "rb") as fh:
                self.assertEqual(fh.read(), before)
            self.assertEqual(fixtures.leftovers(tmp), [])


if __name__ == "__main__":
    unittest.main()
