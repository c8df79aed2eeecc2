"""results.csv: one definition of the columns (DESIGN.md checked against it), a reader
that keeps reading the folders already written."""

import re
import unittest

import shutil

from helpers import BENCH_FOLDER, MAIN_V1_FOLDER, SOURCE_DIR, TempDir
from sumbench import schema, tidy_table
from sumbench.errors import InputError


class Definition(unittest.TestCase):
    def test_design_md_lists_the_same_columns(self):
        text = (SOURCE_DIR / "docs" / "DESIGN.md").read_text()
        m = re.search(r"### `results\.csv` \(schema_version (\d+)\)[^\n]*\n\n(.*?)\n\n", text, re.S)
        self.assertIsNotNone(m, "DESIGN.md has no results.csv section")
        self.assertEqual(int(m.group(1)), schema.SCHEMA_VERSION)
        listed = [c.strip(" `\n") for c in m.group(2).replace("\n", " ").split(",")]
        self.assertEqual(listed, schema.COLUMNS)

    def test_every_older_version_has_a_migration(self):
        for version in range(1, schema.SCHEMA_VERSION):
            self.assertIn(version, schema.MIGRATIONS)
        self.assertEqual(len(schema.COLUMNS), len(set(schema.COLUMNS)))

    def test_each_migration_adds_the_columns_of_its_version(self):
        for version in range(1, schema.SCHEMA_VERSION):
            row = {c: "" for c in schema.columns_of(version)}
            row["schema_version"] = version
            out = schema.MIGRATIONS[version](row)
            self.assertEqual(out["schema_version"], version + 1)
            self.assertLessEqual(set(schema.columns_of(version + 1)), set(out))
        self.assertEqual(schema.columns_of(schema.SCHEMA_VERSION), schema.COLUMNS)


class ReadWrite(TempDir):
    def test_round_trip(self):
        row = dict(schema.empty_row(), point_id="p", kernel="sum", mode="omp", status="ok",
                   schema_version=1, time_s=0.25, valid=True, ranks=1, cv=float("nan"))
        schema.write_results_csv(self.tmp / "results.csv", [row])
        [back] = schema.read_results_csv(self.tmp / "results.csv")
        self.assertEqual((back["time_s"], back["valid"], back["ranks"], back["cv"]), (0.25, 1, 1, None))

    def check_v1_baseline_rows(self, rows):
        """A version 1 baseline folder (one CPython, named only in gil_policy) reads as
        rows of this version that name its interpreter on every row (and no topology:
        not recorded then)."""
        self.assertTrue(rows)
        self.assertTrue(all(r["source"] == "cpython" and r["schema_version"] == schema.SCHEMA_VERSION
                            for r in rows))
        self.assertTrue(all(r["cpus"] == "" and r["node_cores"] is None for r in rows))
        self.assertEqual({(r["interpreter"], r["interpreter_version"], r["gil_kind"]) for r in rows},
                         {("CPython", "3.11.7", "new")})
        self.assertEqual({r["mode"] for r in rows}, {"cpython-serial", "cpython-threads", "cpython-processes"})
        self.assertTrue(all(r["check_interval"] is None and not r["fidelity_figure"] for r in rows))

    def test_reads_the_committed_baseline_folder(self):
        self.check_v1_baseline_rows(schema.read_results_csv(BENCH_FOLDER / "results.csv"))

    def test_reads_and_rebuilds_a_folder_of_mains_baseline(self):
        self.check_v1_baseline_rows(schema.read_results_csv(MAIN_V1_FOLDER / "results.csv"))
        copy = self.tmp / "copy"
        shutil.copytree(MAIN_V1_FOLDER, copy)
        tidy_table.rebuild_results(copy)   # its point folders' rows.json are version 1
        self.assertEqual((copy / "results.csv").read_text().splitlines()[0].split(","), schema.COLUMNS)
        rows = schema.read_results_csv(copy / "results.csv")
        self.check_v1_baseline_rows(rows)
        self.assertEqual(len(rows), len(schema.read_results_csv(MAIN_V1_FOLDER / "results.csv")))

    def old_file(self, version, **values):
        """A results.csv of `version`'s columns with one row, read back."""
        row = dict(schema.empty_row(), point_id="p", kernel="sum", status="ok", schema_version=version,
                   time_s=0.25, **values)
        (self.tmp / "results.csv").write_text(",".join(schema.columns_of(version)) + "\n" + ",".join(
            schema.format_value(row[c]) for c in schema.columns_of(version)) + "\n")
        [back] = schema.read_results_csv(self.tmp / "results.csv")
        return back

    def assert_mislabelled_refused(self, version, missing):
        """The same row labelled `version` (one newer than its columns) lacks `missing`."""
        lines = (self.tmp / "results.csv").read_text().splitlines()
        lines[1] = lines[1][: lines[1].rindex(",")] + f",{version}"   # a row of `version` lacks its columns
        (self.tmp / "results.csv").write_text("\n".join(lines) + "\n")
        with self.assertRaises(InputError) as cm:
            schema.read_results_csv(self.tmp / "results.csv")
        self.assertIn(f"missing columns {missing}", str(cm.exception))

    def test_a_version_1_file_needs_only_version_1_columns(self):
        back = self.old_file(1, mode="gil", gil_policy="legacy")
        self.assertEqual((back["schema_version"], back["interpreter"], back["check_interval"], back["cpus"],
                          back["node_pus"]), (schema.SCHEMA_VERSION, "", None, "", None))
        self.assert_mislabelled_refused(2, "check_interval")

    def test_a_version_2_file_gets_empty_topology_columns(self):
        back = self.old_file(2, mode="omp", interpreter="CPython")
        self.assertEqual((back["schema_version"], back["interpreter"], back["cpus"], back["node_cores"]),
                         (3, "CPython", "", None))
        self.assert_mislabelled_refused(3, "cpus, node_packages")

    def test_a_newer_schema_is_refused_in_one_line(self):
        text = (",".join(schema.COLUMNS) + "\n" +
                ",".join("9" if c == "schema_version" else ("x" if c in schema.REQUIRED_VALUES else "")
                         for c in schema.COLUMNS) + "\n")
        (self.tmp / "results.csv").write_text(text)
        with self.assertRaises(InputError) as cm:
            schema.read_results_csv(self.tmp / "results.csv")
        self.assertIn("mixed schema", str(cm.exception))
        self.assertNotIn("\n", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
