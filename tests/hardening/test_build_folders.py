"""Issue 22 item 14 (hardening, second round): the tests pass in any build folder.
Black-box: the runner tests (tests/runners) run as a subprocess, in a copy of the tree
that has no build/ folder, or with data waiting on their stdin, as after
`cmake -S . -B ../elsewhere && cmake --build ../elsewhere && ctest` run from a script.

Expected behaviour (the spec for the fix):
  - runners.cli passes in a tree without build/sumbench, given the build's sumbench in
    $SUMBENCH as CTest gives it (it relied on --save-config finding
    <tree>/build/sumbench).
  - runners.mapping passes when its stdin holds data (CTest passes its own stdin on to
    the tests): every launcher it starts reads /dev/null, as the runner's points do.
    A launcher forwards its stdin to rank 0, and mpiexec.mpich died of SIGPIPE (-13) or
    exited 255 ("process reading stdin too slowly") when rank 0 had already exited.
On b132564 the first fails (--save-config: no sumbench), the second with exit -13 or
255 of mpiexec.mpich.
"""

import os
import shutil
import subprocess
import unittest

from blackbox import PYTHON, SOURCE_DIR, HardeningCase, real_sumbench

RUNNER_TESTS = SOURCE_DIR / "tests" / "runners"


@unittest.skipUnless(real_sumbench(), "sumbench is not built")
class Item14AnyBuildFolder(HardeningCase):
    """Issue 22 item 14: the runner tests pass only in the preset's build folder."""

    def run_tests(self, tree, target, stdin=None, **env_extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKE_", "SUMBENCH"))}
        env.update(SUMBENCH=real_sumbench(), SUMBENCH_SOURCE_DIR=str(tree),
                   PYTHONPATH=str(tree / "python"), PYTHONDONTWRITEBYTECODE="1", **env_extra)
        proc = subprocess.Popen([PYTHON, "-m", "unittest", "-v", target], env=env,
                                cwd=tree / "tests" / "runners", stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            out, _ = proc.communicate(stdin, timeout=280)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        except BrokenPipeError:  # the tests never read their stdin: the launchers may
            out, _ = proc.communicate()
        return proc.returncode, out

    def test_cli_in_a_tree_without_build(self):
        tree = self.tmp / "tree"
        for part in ("python", "runners", "tests/runners"):
            shutil.copytree(SOURCE_DIR / part, tree / part, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        self.assertFalse((tree / "build").exists())
        rc, out = self.run_tests(tree, "test_cli.ConfigRoundTripTests")
        self.assertEqual(rc, 0, f"runners.cli needs <tree>/build/sumbench:\n{out[-3000:]}")

    @unittest.skipUnless(shutil.which("mpiexec.mpich") and shutil.which("lstopo-no-graphics"),
                         "MPICH's mpiexec.mpich or hwloc's lstopo-no-graphics not installed")
    def test_mapping_with_data_on_stdin(self):
        # The plain machine alone (every mpiexec.mpich command of 1 to 64 workers on it):
        # enough to catch a launcher that reads stdin, in a fifth of the whole test's time.
        rc, out = self.run_tests(SOURCE_DIR, "test_mapping.Mapping.test_mpich_hydra",
                                 stdin="x" * (1 << 22), SUMBENCH_MAPPING_MACHINES="plain")
        self.assertEqual(rc, 0, f"runners.mapping with data on its stdin:\n{out[-3000:]}")
        self.assertIn("commands run", out)


if __name__ == "__main__":
    unittest.main()
