"""sumbench.paths.find_sumbench: which binary the runners start, and from where."""

import os
import stat
import unittest

from helpers import TempDir
from sumbench import paths


class FindSumbench(TempDir):
    def executable(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        return path

    def test_order_and_relative_paths(self):
        cwd = os.getcwd()
        os.chdir(self.tmp)
        try:
            self.assertEqual(paths.find_sumbench("b/sumbench", {}), str(self.tmp / "b" / "sumbench"))
            self.assertEqual(paths.find_sumbench(None, {"SUMBENCH": "x"}), str(self.tmp / "x"))
            self.assertEqual(paths.find_sumbench("y", {"SUMBENCH": "x"}), str(self.tmp / "y"))
            self.assertEqual(paths.find_sumbench(None, {}), str(paths.BINARY))
        finally:
            os.chdir(cwd)

    def test_a_bare_name_is_looked_up_on_path(self):
        tool = self.executable(self.tmp / "bin" / "sumbench")
        here = self.tmp / "work"
        here.mkdir()
        cwd = os.getcwd()
        os.chdir(here)
        try:
            env = {"PATH": f"{self.tmp / 'nothing'}:{tool.parent}"}
            self.assertEqual(paths.find_sumbench("sumbench", env), str(tool))
            self.assertEqual(paths.find_sumbench(None, dict(env, SUMBENCH="sumbench")), str(tool))
            # one in the current folder wins, as it names a file there; ./ never searches PATH
            local = self.executable(here / "sumbench")
            self.assertEqual(paths.find_sumbench("sumbench", env), str(local))
            local.unlink()
            self.assertEqual(paths.find_sumbench("./sumbench", env), str(here / "sumbench"))
            # not found anywhere: the path it names, for the caller's one-line error
            self.assertEqual(paths.find_sumbench("nosuch", env), str(here / "nosuch"))
        finally:
            os.chdir(cwd)


if __name__ == "__main__":
    unittest.main()
