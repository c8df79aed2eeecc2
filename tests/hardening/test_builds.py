"""Issue 22 item 6 (hardening, second round): one results folder, one sumbench build.
Black-box: sweep.py and fidelity.py run as subprocesses with the real sumbench and a copy
of it with one byte appended (another build: another sha256, same behaviour).

Expected behaviour (the spec for the fix):
  - fidelity.py --sumbench B --out X, where X holds a sweep measured with sumbench A, is
    refused before anything runs: exit 2, one line naming both binaries, X unchanged.
  - The other way round too: sweep.py --sumbench A --out Y, where Y holds a fidelity run
    (complete or stopped) of sumbench B, is refused the same way.
  - Guard: fidelity.py with the sweep's own build joins the folder (exit 0).
On b132564 fidelity.py joined a folder of another build (exit 0), and so did sweep.py.
"""

import shutil
import unittest

from blackbox import PYTHON, HardeningCase, real_sumbench, run, snapshot

SWEEP = ["--kernels=sum", "--modes=serial", "--workers=1", "--repetitions=1", "--quick",
         "--seed=1"]
FIDELITY = ["--quick", "--figures=cpu:2", f"--python={PYTHON}"]


@unittest.skipUnless(real_sumbench(), "sumbench is not built")
class Item06OneBuildPerFolder(HardeningCase):
    """Issue 22 item 6: fidelity mixes builds in one folder."""

    def setUp(self):
        super().setUp()
        self.a = real_sumbench()
        self.b = str(self.tmp / "other-build" / "sumbench")
        (self.tmp / "other-build").mkdir()
        shutil.copy2(self.a, self.b)
        with open(self.b, "ab") as f:
            f.write(b"\0")   # another sha256: another build, as a rebuild would be

    def sweep(self, out, binary):
        return run("sweep", f"--sumbench={binary}", *SWEEP, f"--out={out}", timeout=300)

    def fidelity(self, out, binary):
        return run("fidelity", f"--sumbench={binary}", *FIDELITY, f"--out={out}", timeout=300)

    def assert_second_refused(self, out, first, second):
        """`first(out)` runs; `second(out)`, with the other build, is refused and changes nothing."""
        res = first(out)
        self.assertEqual(res.rc, 0, res.show())
        before = snapshot(out)
        res = second(out)
        self.assertUsageError(res, self.a, self.b)
        self.assertTreeUnchanged(before, out, res)

    def test_fidelity_refuses_a_sweep_of_another_build(self):
        self.assert_second_refused(self.tmp / "x", lambda out: self.sweep(out, self.a),
                                   lambda out: self.fidelity(out, self.b))

    def test_sweep_refuses_a_fidelity_run_of_another_build(self):
        self.assert_second_refused(self.tmp / "y", lambda out: self.fidelity(out, self.b),
                                   lambda out: self.sweep(out, self.a))

    def test_guard_the_same_build_joins(self):
        out = self.tmp / "z"
        self.assertEqual(self.sweep(out, self.a).rc, 0)
        res = self.fidelity(out, self.a)
        self.assertEqual(res.rc, 0, res.show())


if __name__ == "__main__":
    unittest.main()
