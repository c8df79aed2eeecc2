"""The report of a 64-node sweep (node_fixture: 64 node counts x 3 layouts per node x mpi
and hybrid, 128 hardware threads a node, up to 8192 workers) stays legible:

- report.py warns of nothing (matplotlib said "constrained_layout not applied" when the
  legend of 64 series did not fit);
- every figure's legend has at most MAX_LEGEND entries (the worker curves are one series
  per layout per node, not one per node count) and each entry lies inside the figure;
- every x axis has at most MAX_TICKS labels (log2 ticks, thinned);
- headless Chromium shows every figure of the page, and keeps a screenshot
  ($SUMBENCH_ARTIFACTS_DIR/report-64-nodes.png); skipped without Chromium.
"""

import json
import os
import shutil
import tempfile
import unittest
import xml.etree.ElementTree as ET

import fixtures
import node_fixture
from test_browser import artifacts_dir, body_attrs, chromium, find_chromium

MAX_LEGEND = 12
MAX_TICKS = 8
SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path):
    """({group id: [texts]} of the legends and x axes, figure height in points)."""
    root = ET.parse(path).getroot()
    found = {}
    for g in root.iter(SVG + "g"):
        gid = g.get("id", "")
        if gid.startswith(("legend", "xtick")):
            found[gid] = [(("".join(t.itertext())).strip(), float(t.get("y", "0")))
                          for t in g.iter(SVG + "text")]
    return found, float(root.get("height", "0").rstrip("pt"))


class NodeScaleReport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sumbench-scale-")
        sweep, cls.points = node_fixture.make_node_sweep(os.path.join(cls.tmp, "sweep"))
        cls.out = os.path.join(cls.tmp, "report")
        cls.proc = fixtures.run_script([fixtures.REPORT_PY, sweep, "--out", cls.out], timeout=600)
        with open(os.path.join(cls.out, "figures", "figures.json")) as fh:
            cls.figures = json.load(fh)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_report_without_warnings(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr[-3000:])
        self.assertGreater(self.points, 64 * 6)
        self.assertNotIn("Warning", self.proc.stderr, self.proc.stderr[-3000:])

    def test_legends_and_ticks(self):
        names = {f["name"] for f in self.figures}
        self.assertTrue({"sum_strong_time", "sum_strong_nodes_time"} <= names, names)
        for fig in self.figures:
            groups, height = svg_texts(os.path.join(self.out, fig["svg"]))
            with self.subTest(figure=fig["name"]):
                legend = [t for gid, texts in groups.items() if gid.startswith("legend") for t in texts]
                self.assertLessEqual(len(legend), MAX_LEGEND + 1, legend)   # + its title
                self.assertTrue(all(0 < y < height for _, y in legend), (height, legend))
                ticks = [t for gid, texts in groups.items() if gid.startswith("xtick")
                         for t, _ in texts if t]
                if fig["name"] != "summary_speedup":
                    self.assertLessEqual(len(ticks), MAX_TICKS, ticks)
                    self.assertGreaterEqual(len(ticks), 3, ticks)
        groups, _ = svg_texts(os.path.join(self.out, "figures", "sum_strong_time.svg"))
        legend = [t for gid, texts in groups.items() if gid.startswith("legend") for t, _ in texts]
        self.assertIn("mpi, 128x1/node", legend)        # series grouped by layout per node
        self.assertIn("hybrid, 1x128/node", legend)

    def test_in_chromium(self):
        binary = find_chromium()
        if not binary:
            self.skipTest("chromium is not installed (apt-get install chromium)")
        page = "file://" + os.path.join(self.out, "index.html")
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            proc = chromium(binary, profile, "--virtual-time-budget=5000", "--dump-dom", page)
        attrs = body_attrs(proc.stdout)
        # The page's own script counts its inline SVG figures and the blank ones (page.py).
        self.assertEqual((attrs.get("data-figures"), attrs.get("data-blank-figures")),
                         (str(len(self.figures)), "0"), proc.stderr[-2000:])
        shot = os.path.join(artifacts_dir(), "report-64-nodes.png")
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            proc = chromium(binary, profile, "--hide-scrollbars", "--window-size=1280,4000",
                            f"--screenshot={shot}", page)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        self.assertEqual(fixtures.png_size(shot), (1280, 4000))
        print(f"\nscreenshot of the 64-node report: {shot}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
