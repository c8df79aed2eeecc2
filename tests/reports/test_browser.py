"""index.html in a real browser (headless Chromium): it loads, the answer comes first, every
figure displays with its alt text, no section is empty, no figure has a single x value,
and a 700 px wide window renders it.

The page's inline script writes data-figures / data-blank-figures (figures whose inline SVG
has no size) on <body> at load; --dump-dom returns the DOM after that. Screenshots are
kept as test artifacts ($SUMBENCH_ARTIFACTS_DIR/report.png, report-700.png).

Run as a script (CTest does): exits 77 (skip) when Chromium is not installed.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import fixtures

SKIP = 77


def find_chromium():
    for name in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "chromium",
                 "chromium-browser", "google-chrome"):
        if not name:
            continue
        path = name if os.sep in name else shutil.which(name)
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def artifacts_dir():
    path = os.environ.get("SUMBENCH_ARTIFACTS_DIR") or os.path.join(
        tempfile.gettempdir(), "sumbench-artifacts")
    os.makedirs(path, exist_ok=True)
    return path


def chromium(binary, profile, *args, timeout=120):
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def body_attrs(dom):
    match = re.search(r"<body([^>]*)>", dom)
    if not match:
        return {}
    return dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))


class BrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.binary = find_chromium()
        if not cls.binary:
            raise unittest.SkipTest("chromium is not installed (apt-get install chromium)")
        cls.tmp = tempfile.mkdtemp(prefix="sumbench-browser-")
        # The main gil curve at one switch interval only: its throughput figure would have a
        # single x value, so the page leaves it out and says what to run.
        sweep = fixtures.make_sweep(os.path.join(cls.tmp, "sweep"), run_id="browser-run",
                                    gil_variants=False)
        cls.out = os.path.join(cls.tmp, "report")
        proc = fixtures.run_script([fixtures.REPORT_PY, sweep, "--out", cls.out])
        if proc.returncode != 0:
            raise AssertionError(f"report.py failed: {proc.stderr}")
        cls.stdout = proc.stdout
        with open(os.path.join(cls.out, "figures", "figures.json")) as fh:
            cls.figures = json.load(fh)
        cls.dom = cls.dump_dom(os.path.join(cls.out, "index.html"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(getattr(cls, "tmp", ""), ignore_errors=True)

    @classmethod
    def dump_dom(cls, html_path):
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            proc = chromium(cls.binary, profile, "--virtual-time-budget=5000",
                            "--dump-dom", "file://" + html_path)
        if proc.returncode != 0:
            raise AssertionError(proc.stderr[-2000:])
        return proc.stdout

    def test_every_figure_displays_with_alt_text(self):
        attrs = body_attrs(self.dom)
        self.assertEqual(attrs.get("data-report-ready"), "1", self.dom[:500])
        self.assertEqual(int(attrs["data-figures"]), len(self.figures))
        self.assertGreaterEqual(len(self.figures), 8)
        self.assertEqual(attrs["data-blank-figures"], "0")
        self.assertIn("sumbench report", self.dom)
        for img in re.findall(r"<img\b[^>]*>", self.dom):
            self.assertRegex(img, r'\balt="[^"]+"', img[:200])
        svgs = re.findall(r'<figure[^>]*data-figure="([^"]+)"[^>]*>\s*<svg\b([^>]*)>', self.dom)
        self.assertEqual(sorted(n for n, _ in svgs), sorted(m["name"] for m in self.figures))
        for name, tag in svgs:
            self.assertRegex(tag, r'role="img"', name)
            self.assertRegex(tag, r'aria-label="[^"]{20,}"', name)

    def test_the_answer_first(self):
        first = self.dom.index('<section id="answer"')
        self.assertLess(first, self.dom.index("<figure"))
        answers = re.findall(r'<li class="answer[^"]*" data-kernel="(\w+)"[^>]*>([^<]+)</li>', self.dom)
        self.assertEqual([k for k, _ in answers], ["sum", "sleep"])
        for _kernel, text in answers:
            self.assertRegex(text, r"\d\.\d\d×.*: (use |all of them|nothing|no firm advice).*\(median of 3 repetitions; ")
        # The command says the same sentences last.
        self.assertEqual([line for line in self.stdout.splitlines()[-2:]], [t for _k, t in answers])

    def test_no_empty_section_and_no_figure_with_one_x_value(self):
        sections = re.findall(r'<section id="([\w-]+)"[^>]*>(.*?)</section>', self.dom, re.S)
        self.assertGreater(len(sections), 5)
        for sid, body in sections:
            content = re.sub(r"<h[23][^>]*>.*?</h[23]>", "", body, flags=re.S)
            self.assertRegex(content, r"<(figure|table|li)\b", f"section {sid} shows no data")
        nav = re.findall(r'<nav>(.*?)</nav>', self.dom, re.S)[0]
        for target in re.findall(r'href="#([\w-]+)"', nav):
            self.assertIn(f'<section id="{target}"', self.dom, f"the navigation links {target}, which has no data")
        for m in self.figures:
            xs = m["x_values"]
            if m["name"] != "summary_speedup" and not m["name"].startswith("fidelity"):
                self.assertGreaterEqual(len(xs), 2, m["name"])
        for n in re.findall(r'data-x-values="(\d+)"', self.dom):
            self.assertNotEqual(n, "1")
        names = {m["name"] for m in self.figures}
        self.assertNotIn("gil_sum_throughput", names)      # one switch interval: left out, and said so
        self.assertIn("gil_convoy_latency", names)
        self.assertRegex(self.dom, r'class="missing-figure">sum at 2 threads under the lock at one switch '
                                   r"interval only: run runners/sweep.py [^<]*--switch-interval")

    def test_a_blank_figure_is_detected(self):
        """The check can fail: a page with one figure that does not display reports it."""
        with open(os.path.join(self.out, "index.html"), encoding="utf-8") as fh:
            page = fh.read()
        damaged = page.replace('<svg role="img"', '<svg style="display:none" role="img"', 1)
        self.assertNotEqual(damaged, page)
        path = os.path.join(self.tmp, "damaged.html")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(damaged)
        self.assertEqual(body_attrs(self.dump_dom(path)).get("data-blank-figures"), "1")

    def screenshot(self, name, width, height):
        shot = os.path.join(artifacts_dir(), name)
        if os.path.exists(shot):
            os.remove(shot)
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            proc = chromium(self.binary, profile, "--hide-scrollbars", f"--window-size={width},{height}",
                            f"--screenshot={shot}", "file://" + os.path.join(self.out, "index.html"))
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        self.assertEqual(fixtures.png_size(shot), (width, height))
        import matplotlib.image as mpimg
        pixels = mpimg.imread(shot)[..., :3]
        self.assertGreater(float(pixels.std()), 0.05, "a blank page")
        # Not only text: the figures' colours are there (the Okabe-Ito blue of omp, say).
        self.assertGreater(float((pixels.max(axis=2) - pixels.min(axis=2) > 0.3).mean()), 0.002)
        print(f"\nscreenshot of the report: {shot}")
        return pixels

    def test_screenshots(self):
        self.screenshot("report.png", 1280, 2000)
        narrow = self.screenshot("report-700.png", 700, 2400)
        # Nothing wider than the window: the right edge is the page's margin, not content cut off.
        self.assertGreater(float(narrow[:, -8:].mean()), 0.97)


if __name__ == "__main__":
    if not find_chromium():
        print("SKIP: chromium is not installed (apt-get install chromium); "
              "the browser test needs /usr/bin/chromium")
        sys.exit(SKIP)
    unittest.main(verbosity=2)
