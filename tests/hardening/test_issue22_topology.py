"""Issue 22, item 9: the runner refuses a topology input that sumbench refuses, before any
launcher (or sumbench itself) is started, and never plans on this machine while one is
set. Black-box (blackbox.py, launches.py).

At b132564 a garbage HWLOC_SYNTHETIC or a missing, directory or cut HWLOC_XMLFILE planned
on this machine with exit 0; "pack:100000 core:100000 pu:2" left an orted building it.

Expected, for sweep.py with and without --dry-run, for every bad input: exit 2, exactly
one line naming the variable and its value and ending "or unset it", --out not created,
no process left behind, done within 30 s; a good input is planned on (--dry-run exit 0).
"""

import unittest

from blackbox import clean_env, real_sumbench, run
from launches import MARK, MarkedCase, kill_marked, topology_inputs


class Item09SweepTopology(MarkedCase):
    def sweep(self, variable, value, *extra):
        out = self.tmp / "out"
        env = clean_env(**{MARK: self.token, variable: value})
        res = run("sweep", f"--sumbench={real_sumbench()}", "--kernels=sum", "--modes=serial,mpi",
                  "--workers=1,2", "--repetitions=1", "--quick", f"--out={out}", *extra, env=env, timeout=60)
        left = kill_marked(self.token)
        self.assertEqual(left, [], f"{variable}={value!r}: processes outlived the sweep{res.show()}")
        return res, out

    def test_bad_inputs_are_refused_before_anything_starts(self):
        for name, (variable, value, taken) in topology_inputs(self.tmp / "inputs").items():
            if taken:
                continue
            for extra in ((), ("--dry-run",)):
                with self.subTest(input=name, extra=extra):
                    res, out = self.sweep(variable, value, *extra)
                    self.assertUsageError(res, f"{variable}='{value}'".replace("\n", "\\n"), "or unset it")
                    self.assertLess(res.wall_s, 30, res.show())
                    self.assertFalse(out.exists(), "refused before --out is created")

    def test_good_inputs_are_planned_on(self):
        for name, (variable, value, taken) in topology_inputs(self.tmp / "inputs").items():
            if taken:
                with self.subTest(input=name):
                    res, _ = self.sweep(variable, value, "--dry-run")
                    self.assertEqual(res.rc, 0, res.show())


if __name__ == "__main__":
    unittest.main()
