"""Issue 22 items 7 and 8 (hardening, second round): odd paths. Black-box: every command
runs as a subprocess; item 8's as the user nobody (root only, skipped without it).

Expected behaviour (the spec for the fix):
Item 7, a path whose name is not valid UTF-8 (bytes such as b"bad\\xffdir"): one line
naming it (its bad bytes as \\xff), exit 2, no traceback, nothing created, for
  sweep.py --out, the default --out in such a working folder, --sumbench at such a path,
  --save-config; cpython_baseline.py --out and --python; fidelity.py --out;
  report.py --out and a SWEEP_DIR of such a name; compare.py --csv; summary.py --out.
  (b132564: UnicodeEncodeError, exit 1, a half-made folder.)
Item 8, a PYENV_ROOT the user may not read (a non-root user given root's pyenv):
  cpython_baseline.py --list-interpreters and --python all skip it with a note naming
  it (exit 0); fidelity.py --python=3.11 finds the 3.11 on PATH; a version found
  nowhere is one line that says where it looked (never exit 3 with "Permission
  denied", as on b132564).
"""

import os
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

from blackbox import (ENTRY, FAKE_SUMBENCH, PYTHON, HardeningCase, clean_env, real_sumbench, run,
                      snapshot, template_sweep, remove_template_sweep)

SMALL = ["--kernels=sum", "--modes=serial", "--workers=1", "--repetitions=1", "--seed=1"]
BASELINE = ["--kernels=sum", "--modes=serial", "--workers=1", "--scaling=strong", "--n=1000",
            "--repetitions=1"]


def tearDownModule():
    remove_template_sweep()


def bad(parent: Path, name: bytes) -> Path:
    """parent/name for a name that is not UTF-8 (as Python sees it: surrogate escapes)."""
    return parent / os.fsdecode(name)


class Item07NonUtf8Paths(HardeningCase):
    """Issue 22 item 7: a traceback and a half-made folder on non-UTF-8 paths."""

    def refused(self, *args, cwd=None, flag=""):
        before = snapshot(self.tmp)
        res = run(*args, cwd=cwd)
        self.assertUsageError(res, flag, "\\xff", "UTF-8")
        self.assertEqual([c for c in _diff(before, snapshot(self.tmp))], [],
                         "something was created:" + res.show())
        return res

    def test_outputs(self):
        base = template_sweep()
        out = {name: bad(self.tmp, name.encode() + b"-\xff") for name in
               ("sweep", "cfg.json", "baseline", "report", "c.csv", "s.csv", "fidelity")}
        cases = {
            "sweep --out": ("sweep", f"--sumbench={FAKE_SUMBENCH}", *SMALL,
                            f"--out={out['sweep']}"),
            "sweep --save-config": ("sweep", f"--sumbench={FAKE_SUMBENCH}", *SMALL,
                                    f"--save-config={out['cfg.json']}"),
            "cpython_baseline --out": ("baseline", *BASELINE,
                                       f"--out={out['baseline']}"),
            "report --out": ("report", base, "--out", out["report"]),
            "compare --csv": ("compare", base, base, "--csv", out["c.csv"]),
            "summary --out": ("summary", base, "--out", out["s.csv"]),
        }
        if real_sumbench():
            cases["fidelity --out"] = ("fidelity", f"--sumbench={real_sumbench()}", "--quick",
                                       "--figures=cpu:2", f"--python={PYTHON}",
                                       f"--out={out['fidelity']}")
        for what, args in cases.items():
            with self.subTest(command=what):
                self.refused(*args, flag=what.split()[-1])

    def test_default_out_in_such_a_working_folder(self):
        cwd = bad(self.tmp, b"work-\xff")
        cwd.mkdir()
        self.refused("sweep", f"--sumbench={FAKE_SUMBENCH}", *SMALL, cwd=cwd, flag="--out")
        self.assertEqual(os.listdir(cwd), [])

    def test_sumbench_and_python_at_such_a_path(self):
        folder = bad(self.tmp, b"bin-\xff")
        folder.mkdir()
        shutil.copy2(FAKE_SUMBENCH, folder / "sumbench")
        os.symlink(PYTHON, folder / "python3")
        before = snapshot(self.tmp)
        for what, args in (
                ("--sumbench", ("sweep", f"--sumbench={folder / 'sumbench'}", *SMALL,
                                f"--out={self.tmp / 'out'}")),
                ("--python", ("baseline", *BASELINE, f"--python={folder / 'python3'}",
                              f"--out={self.tmp / 'out'}"))):
            with self.subTest(flag=what):
                res = run(*args)
                self.assertUsageError(res, what, "\\xff", "UTF-8")
                self.assertEqual(_diff(before, snapshot(self.tmp)), [], res.show())

    def test_a_sweep_folder_of_such_a_name_as_input(self):
        folder = bad(self.tmp, b"in-\xff")
        shutil.copytree(template_sweep(), folder)
        self.refused("report", folder, "--out", self.tmp / "report", flag="SWEEP_DIR")


def _diff(before, after):
    return sorted(set(before.items()) ^ set(after.items()))


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("setpriv"),
                     "needs root (and setpriv) to run a command as another user")
class Item08UnreadablePyenvRoot(HardeningCase):
    """Issue 22 item 8: an unreadable PYENV_ROOT is exit 3, not a note."""

    def setUp(self):
        super().setUp()
        os.chmod(self.tmp, 0o755)
        self.root = self.tmp / "root-pyenv"       # root's, 0700: nobody may not read it
        (self.root / "versions" / "3.11.7" / "bin").mkdir(parents=True)
        os.symlink(sys.executable, self.root / "versions" / "3.11.7" / "bin" / "python")
        os.chmod(self.root, 0o700)
        self.out = self.tmp / "results"            # nobody's
        self.out.mkdir(mode=0o777)
        os.chmod(self.out, 0o777)

    def as_nobody(self, *args, tool="baseline"):
        env = clean_env(PYENV_ROOT=self.root, HOME=self.out, PATH="/usr/local/bin:/usr/bin:/bin")
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
                str(ENTRY[tool]), *args]
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL, cwd=self.out)
        self.assertNotIn("Traceback", proc.stderr)
        return proc

    def test_list_interpreters_skips_it_with_a_note(self):
        proc = self.as_nobody("--list-interpreters")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(f"skipped {self.root}", proc.stdout)
        self.assertIn("Permission denied", proc.stdout)

    def test_python_all_runs_what_it_can_read(self):
        proc = self.as_nobody("--python", "all", *BASELINE, f"--out={self.out / 'all'}")
        self.assertEqual(proc.returncode, 0, proc.stderr + proc.stdout)
        self.assertIn(f"skipped {self.root}", proc.stdout)
        self.assertTrue((self.out / "all" / "results.csv").is_file())

    @unittest.skipUnless(real_sumbench(), "sumbench is not built")
    def test_fidelity_finds_the_version_on_path(self):
        foreign = self.out / "foreign"      # refused after the interpreters are chosen
        foreign.mkdir()
        (foreign / "mine.txt").write_text("the user's\n")
        proc = self.as_nobody(f"--sumbench={real_sumbench()}", "--python=3.11", "--quick",
                              "--figures=cpu:2", f"--out={foreign}", tool="fidelity")
        self.assertNotIn("Permission denied", proc.stderr)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("refusing to write", proc.stderr)

    def test_a_version_it_cannot_find_says_where_it_looked(self):
        proc = self.as_nobody("--python=2.7", *BASELINE, f"--out={self.out / 'py27'}")
        if proc.returncode == 0:
            self.skipTest("a CPython 2.7 on PATH")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn(str(self.root), proc.stderr)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)


if __name__ == "__main__":
    unittest.main()
