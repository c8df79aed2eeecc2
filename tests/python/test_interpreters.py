"""Interpreter discovery on a made-up PATH and pyenv root."""

import json
import unittest

from helpers import TempDir, executable
from sumbench import interpreters


def fake_python(path, impl="CPython", version=(3, 12, 1), gil=True):
    info = {"implementation": impl, "version": ".".join(map(str, version)),
            "version_info": list(version), "executable": str(path), "gil_enabled": gil,
            "switch_interval_s": 0.005, "check_interval": None}
    path.parent.mkdir(parents=True, exist_ok=True)
    return executable(path, f"#!/bin/sh\necho '{json.dumps(info)}'\n")


class Discover(TempDir):
    def test_finds_every_kind_and_says_what_is_missing(self):
        bin_dir, root = self.tmp / "bin", self.tmp / "pyenv"
        fake_python(bin_dir / "python3")
        fake_python(bin_dir / "python3.14t", version=(3, 14, 0), gil=False)
        fake_python(bin_dir / "pypy3", impl="PyPy")          # not a python* name: not looked at
        fake_python(bin_dir / "python", impl="PyPy")         # looked at, not CPython
        executable(bin_dir / "python2", "#!/bin/sh\nexit 1\n")  # broken
        fake_python(root / "versions" / "3.12.1" / "bin" / "python")
        env = {"PATH": str(bin_dir), "PYENV_ROOT": str(root)}
        found = interpreters.discover(env)
        kinds = {(i["version"], i["gil"], i["where"]) for i in found["interpreters"]}
        self.assertEqual(kinds, {("3.12.1", "new", "PATH"), ("3.14.0", "free-threaded", "PATH"),
                                 ("3.12.1", "new", "pyenv")})
        self.assertEqual(found["not_found"], ["no CPython with the old GIL"])
        self.assertTrue(any("python2" in p for p in found["problems"]))
        self.assertTrue(any(str(root) in where for where in found["looked_in"]))

    def test_gil_kind(self):
        self.assertEqual(interpreters.gil_kind("CPython", (2, 7, 18), True), "old")
        self.assertEqual(interpreters.gil_kind("CPython", (3, 13, 0), False), "free-threaded")
        self.assertEqual(interpreters.gil_kind("PyPy", (3, 10, 0), True), "")


if __name__ == "__main__":
    unittest.main()
