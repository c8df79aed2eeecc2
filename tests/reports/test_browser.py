"""index.html in a real browser (headless Chromium): it loads, every figure displays.

The page's inline script writes data-images / data-broken-images (images whose
naturalWidth is 0) on <body> at load; --dump-dom returns the DOM after that.
A screenshot is kept as a test artifact ($SUMBENCH_ARTIFACTS_DIR/report.png).

Run as a script (CTest does): exits 77 (skip) when Chromium is not installed.
"""

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
        sweep = fixtures.make_sweep(os.path.join(cls.tmp, "sweep"), run_id="browser-run")
        cls.out = os.path.join(cls.tmp, "report")
        proc = fixtures.run_script([fixtures.REPORT_PY, sweep, "--out", cls.out])
        if proc.returncode != 0:
            raise AssertionError(f"report.py failed: {proc.stderr}")
        with open(os.path.join(cls.out, "figures", "figures.json")) as fh:
            import json
            cls.figures = json.load(fh)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(getattr(cls, "tmp", ""), ignore_errors=True)

    def dump_dom(self, html_path):
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            proc = chromium(self.binary, profile, "--virtual-time-budget=5000",
                            "--dump-dom", "file://" + html_path)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        return proc.stdout

    def test_every_figure_displays(self):
        dom = self.dump_dom(os.path.join(self.out, "index.html"))
        attrs = body_attrs(dom)
        self.assertEqual(attrs.get("data-report-ready"), "1", dom[:500])
        self.assertEqual(int(attrs["data-images"]), len(self.figures))
        self.assertGreaterEqual(len(self.figures), 9)
        self.assertEqual(attrs["data-broken-images"], "0")
        self.assertIn("sumbench report", dom)
        self.assertEqual(len(re.findall(r'<li class="verdict"', dom)), 2)

    def test_a_broken_image_is_detected(self):
        """The check can fail: a page with one damaged image reports it."""
        with open(os.path.join(self.out, "index.html"), encoding="utf-8") as fh:
            page = fh.read()
        damaged = page.replace('src="data:image/png;base64,iVBOR',
                               'src="data:image/png;base64,AAAA', 1)
        self.assertNotEqual(damaged, page)
        path = os.path.join(self.tmp, "damaged.html")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(damaged)
        attrs = body_attrs(self.dump_dom(path))
        self.assertEqual(attrs.get("data-broken-images"), "1")

    def test_screenshot(self):
        shot = os.path.join(artifacts_dir(), "report.png")
        if os.path.exists(shot):
            os.remove(shot)
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            proc = chromium(self.binary, profile, "--hide-scrollbars",
                            "--window-size=1280,2000", f"--screenshot={shot}",
                            "file://" + os.path.join(self.out, "index.html"))
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        self.assertTrue(os.path.isfile(shot))
        self.assertEqual(fixtures.png_size(shot), (1280, 2000))
        self.assertGreater(os.path.getsize(shot), 50000)   # a page, not a blank image
        print(f"\nscreenshot of the report: {shot}")


if __name__ == "__main__":
    if not find_chromium():
        print("SKIP: chromium is not installed (apt-get install chromium); "
              "the browser test needs /usr/bin/chromium")
        sys.exit(SKIP)
    unittest.main(verbosity=2)
