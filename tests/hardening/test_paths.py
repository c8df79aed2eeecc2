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
import unittest
from pathlib import Path

from blackbox import (FAKE_SUMBENCH, PYTHON, HardeningCase, real_sumbench, run,
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


if __name__ == "__main__":
    unittest.main()
