"""The installed JUBE definition (<prefix>/share/sumbench/jube/sumbench.yaml), run from a
folder outside the source tree with the tree hidden and the prefix read-only, as a user
of a site installation has it: the benchmark lands in that folder, JUBE says FINISHED,
the table is full, and the prefix is unchanged. Both paths hold a space. (The prefix must be read-only: JUBE 2.5
writes its jube-parse.log beside the input file whenever it can, and moves it into the
run.) Exits 77 (a CTest skip) without jube; tests/jube checks the table's values."""

from __future__ import annotations

import csv
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

from installed import CAN_HIDE_SOURCE, SHARE, clean_env, install, run, snapshot

JUBE = shutil.which("jube")


class InstalledJube(unittest.TestCase):
    @staticmethod
    def set_writable(root: Path, writable: bool) -> None:
        for p in [root] + list(root.rglob("*")):
            if not p.is_symlink():
                mode = p.stat().st_mode
                p.chmod(mode | 0o200 if writable else mode & ~0o222)

    def test_quick_run_from_elsewhere(self):
        with tempfile.TemporaryDirectory(prefix="sumbench-install-jube-") as tmp:
            root = Path(tmp)
            prefix = root / "site prefix"   # a space in both: every path is quoted
            install(prefix)
            work = root / "my runs"
            work.mkdir()
            env = clean_env(prefix)
            env["PWD"] = str(work)
            if not CAN_HIDE_SOURCE:  # no mount namespace: read-only the plain way
                self.set_writable(prefix, False)
            try:
                before = snapshot(prefix)
                self.quick_run(prefix / SHARE / "jube" / "sumbench.yaml", work, env)
                self.assertEqual(snapshot(prefix), before, "the JUBE run wrote into the prefix")
            finally:
                if not CAN_HIDE_SOURCE:
                    self.set_writable(prefix, True)
            self.assertEqual(sorted(p.name for p in work.iterdir()), ["sumbench_run"])

    def quick_run(self, yaml: Path, work: Path, env: dict) -> None:
        prefix = yaml.parents[3]
        proc = run([JUBE, "run", str(yaml), "-t", "quick", "-e"], work, env, timeout=600, read_only=prefix)
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr)
        status = run([JUBE, "status", "sumbench_run"], work, env)
        self.assertEqual(status.stdout.strip(), "FINISHED", status.stderr)
        result = run([JUBE, "result", "sumbench_run", "-o", "results_csv"], work, env)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(work / "sumbench_run" / "000000" / "result" / "results_csv.dat", encoding="utf-8") as fh:
            table = list(csv.DictReader(fh))
        self.assertEqual(len(table), 8)
        for row in table:
            self.assertGreater(float(row["median_s"]), 0, row)
            self.assertGreater(float(row["speedup"]), 0, row)

if __name__ == "__main__":
    if JUBE is None:
        print("SKIP: jube is not installed (apt-get install jube; scripts/setup.sh test installs it)")
        sys.exit(77)
    unittest.main(verbosity=2)
