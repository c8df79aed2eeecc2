"""results.csv: one definition of the columns (DESIGN.md checked against it), a reader
that keeps reading the folders already written."""

import re
import unittest

from helpers import BENCH_FOLDER, SOURCE_DIR, TempDir
from sumbench import schema
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


class ReadWrite(TempDir):
    def test_round_trip(self):
        row = dict(schema.empty_row(), point_id="p", kernel="sum", mode="omp", status="ok",
                   schema_version=1, time_s=0.25, valid=True, ranks=1, cv=float("nan"))
        schema.write_results_csv(self.tmp / "results.csv", [row])
        [back] = schema.read_results_csv(self.tmp / "results.csv")
        self.assertEqual((back["time_s"], back["valid"], back["ranks"], back["cv"]), (0.25, 1, 1, None))

    def test_reads_the_committed_baseline_folder(self):
        rows = schema.read_results_csv(BENCH_FOLDER / "results.csv")
        self.assertTrue(rows)
        self.assertTrue(all(r["source"] == "cpython" and r["schema_version"] == 1 for r in rows))

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
