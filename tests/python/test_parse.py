"""sumbench.parse has sumbench's rules: flag_values.tsv is fed to both sides."""

import json
import math
import subprocess
import unittest
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from helpers import SUMBENCH
from sumbench import parse
from sumbench.catalogue import Catalogue
from sumbench.errors import UsageError

TABLE = Path(__file__).with_name("flag_values.tsv")


def table():
    rows = []
    for line in TABLE.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        flag, value, expect = line.split("\t")
        rows.append((flag, value, None if expect == "reject" else json.loads(expect)))
    return rows


def same(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and \
            math.isclose(a, b, rel_tol=1e-12)
    return a == b


def sumbench_says(flag, value):
    proc = subprocess.run([SUMBENCH, "--list=json", f"{flag}={value}"], capture_output=True,
                          text=True, timeout=60)
    if proc.returncode != 0:
        return proc.returncode, None, proc.stderr
    return 0, json.loads(proc.stdout)["options"][flag], proc.stderr


class SharedTable(unittest.TestCase):
    def test_sumbench_and_python_agree(self):
        cat = Catalogue.from_sumbench(SUMBENCH)
        rows = table()
        self.assertGreater(len(rows), 60)
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda r: sumbench_says(r[0], r[1]), rows))
        for (flag, value, expect), (rc, sb, err) in zip(rows, answers):
            with self.subTest(flag=flag, value=value):
                try:
                    py = cat.parse(flag, value)
                except UsageError as e:
                    py, why = None, str(e)
                if expect is None:
                    self.assertEqual(rc, 2, f"sumbench accepted it: {sb}")
                    self.assertEqual(len(err.strip().splitlines()), 1, err)
                    self.assertIsNone(py, "Python accepted it")
                    self.assertIn(flag, why)
                else:
                    self.assertEqual(rc, 0, err)
                    self.assertTrue(same(sb, expect), f"sumbench: {sb}")
                    self.assertEqual(py, sb, "Python and sumbench normalise differently")

    def test_every_flag_with_a_value_is_in_the_table(self):
        cat = Catalogue.from_sumbench(SUMBENCH)
        covered = {flag for flag, _, _ in table()}
        for spec in cat.doc["flags"]:
            if spec["type"] != "switch":
                self.assertIn(spec["name"], covered)


class Units(unittest.TestCase):
    def test_interval_token(self):
        for seconds, token in ((0.005, "5ms"), (0.0005, "500us"), (1.0, "1s"), (1.5e-6, "1.5us"),
                               (3600.0, "3600s")):
            self.assertEqual(parse.interval_token(seconds), token)
            self.assertEqual(parse.switch_interval_s(token, low=0, high=math.inf), seconds)

    def test_switch_interval_range_is_sumbenchs(self):
        """The defaults (where no catalogue is asked) are the catalogue's range."""
        spec = next(f for f in Catalogue.from_sumbench(SUMBENCH).doc["flags"]
                    if f["name"] == "--switch-interval")
        self.assertEqual((parse.MIN_SWITCH_INTERVAL_S, parse.MAX_SWITCH_INTERVAL_S),
                         (spec["min"], spec["max"]))
        self.assertIsNone(parse.switch_interval_s("3600s"))  # a convoy of 200 hours (issue 22)

    def test_layouts(self):
        self.assertEqual(parse.parse_layouts("--hybrid", "2x1,01x04"), ["2x1", "1x4"])
        self.assertEqual(parse.layout_of("2x3"), (2, 3))


if __name__ == "__main__":
    unittest.main()
