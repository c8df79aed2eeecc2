"""Issue 10, item 16: results honour the umask. Black-box: each entry point runs as a
subprocess under a given umask, and the permission bits of everything it wrote are read.

Expected behaviour (the spec for the fix):

  Every file a Python entry point writes has mode 0666 & ~umask, and every folder it
  creates 0777 & ~umask, as open() and mkdir() give by default. So with umask 022 the
  results are 0644 (folders 0755), with umask 002 (a shared group folder) 0664 (0775), and
  with umask 077 (a private user) 0600 (0700). No file is widened or narrowed by an
  explicit chmod. This covers, at least:
    - runners/sweep.py: results.csv, sweep.json, manifest.json, .lock, points/<id>/ and
      their status.json, command.json, command.txt, stdout.txt, stderr.txt, raw.json;
    - runners/cpython_baseline.py: the same, plus rows.json and raw.json;
    - reports/report.py: the report folder, index.html, figures/, tables/;
    - slurm/submit_sweep.py: submit.json and logs/;
    - reports/compare.py: --csv and --html.
  On 18ebea3 files written through mkstemp are 0600 whatever the umask, report.py
  chmods its folder to 0755 and submit_sweep.py its files to 0644.
"""

import os
import stat
import unittest
from pathlib import Path

from blackbox import FAKE_SUMBENCH, HardeningCase, clean_env, run

UMASKS = (0o022, 0o002, 0o077)
FAKE_SBATCH = """#!/bin/sh
echo 4242
"""


class Item16Permissions(HardeningCase):
    """Issue 10 item 16: mkstemp makes results 0600, so the group cannot read them."""

    def wrong_modes(self, root: Path, umask: int, skip=()) -> list:
        want_file, want_dir = 0o666 & ~umask, 0o777 & ~umask
        wrong = []
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                p = Path(dirpath) / name
                rel = str(p.relative_to(root))
                if any(rel == s or rel.startswith(s + "/") for s in skip):
                    continue
                st = p.lstat()
                if stat.S_ISLNK(st.st_mode):
                    continue
                want = want_dir if stat.S_ISDIR(st.st_mode) else want_file
                if stat.S_IMODE(st.st_mode) != want:
                    wrong.append(f"{rel}: {stat.S_IMODE(st.st_mode):04o}, want {want:04o}")
        here = stat.S_IMODE(root.stat().st_mode)
        if here != want_dir:
            wrong.insert(0, f".: {here:04o}, want {want_dir:04o}")
        return sorted(wrong)

    def test_sweep(self):
        for umask in UMASKS:
            with self.subTest(umask=f"{umask:03o}"):
                out = self.tmp / f"sweep{umask:03o}"
                res = run("sweep", f"--sumbench={FAKE_SUMBENCH}", "--kernels=sum",
                          "--modes=serial", "--repetitions=2", f"--out={out}", umask=umask)
                self.assertEqual(res.rc, 0, res.show())
                self.assertEqual(self.wrong_modes(out, umask), [], res.show())

    def test_cpython_baseline(self):
        for umask in UMASKS:
            with self.subTest(umask=f"{umask:03o}"):
                out = self.tmp / f"base{umask:03o}"
                res = run("baseline", f"--out={out}", "--kernels=sum", "--modes=serial",
                          "--workers=1", "--repetitions=1", "--scaling=strong", "--n=1000",
                          umask=umask)
                self.assertEqual(res.rc, 0, res.show())
                self.assertEqual(self.wrong_modes(out, umask), [], res.show())

    def test_report_and_compare(self):
        sweep = self.tmp / "sweep"
        res = run("sweep", f"--sumbench={FAKE_SUMBENCH}", "--kernels=sum",
                  "--modes=serial,omp", "--workers=1,2", "--repetitions=2", f"--out={sweep}")
        self.assertEqual(res.rc, 0, res.show())
        for umask in UMASKS:
            with self.subTest(umask=f"{umask:03o}"):
                out = self.tmp / f"rep{umask:03o}"
                res = run("report", sweep, "--out", out, umask=umask)
                self.assertEqual(res.rc, 0, res.show())
                self.assertEqual(self.wrong_modes(out, umask), [], res.show())
                cmp_dir = self.tmp / f"cmp{umask:03o}"
                cmp_dir.mkdir(mode=0o777 & ~umask)
                os.chmod(cmp_dir, 0o777 & ~umask)
                res = run("compare", sweep, sweep, "--csv", cmp_dir / "c.csv",
                          "--html", cmp_dir / "c.html", umask=umask)
                self.assertEqual(res.rc, 0, res.show())
                self.assertEqual(self.wrong_modes(cmp_dir, umask), [], res.show())

    def test_submit_sweep(self):
        bindir = self.tmp / "bin"
        bindir.mkdir()
        (bindir / "sbatch").write_text(FAKE_SBATCH)
        (bindir / "sbatch").chmod(0o755)
        env = clean_env(PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
        for umask in UMASKS:
            with self.subTest(umask=f"{umask:03o}"):
                out = self.tmp / f"sub{umask:03o}"
                res = run("submit", "--nodes=1", f"--out={out}", env=env, umask=umask)
                self.assertEqual(res.rc, 0, res.show())
                self.assertEqual(self.wrong_modes(out, umask), [], res.show())


if __name__ == "__main__":
    unittest.main()
