#!/usr/bin/env python3
"""Run some hardening tests, or skip them (exit 77) unless SUMBENCH_HARDENING=1.

Issue 10's regression tests fail until its fixes land. CTest registers them always, with
SKIP_RETURN_CODE 77, and this gate keeps them skipped in `ctest --preset release` (and so
in CI) while `ctest --preset hardening` (which sets SUMBENCH_HARDENING=1) runs them.
A label filter in the release preset cannot do this: with CMake 3.25 a command-line -LE
then replaces the preset's filter, and `ctest --preset release -LE slurm` would run the
Slurm tests. Once every hardening test passes, drop the gate: register the tests with
`-m unittest` as the other areas do.

usage: gate.py test_module.TestClass [...]
"""

import os
import sys
import unittest

if os.environ.get("SUMBENCH_HARDENING") != "1":
    print("skipped: issue 10 regression tests (fail until fixed); run them with "
          "`ctest --preset hardening` or SUMBENCH_HARDENING=1")
    sys.exit(77)
program = unittest.main(module=None, argv=["gate.py", "-v", *sys.argv[1:]], exit=False)
sys.exit(0 if program.result.wasSuccessful() else 1)
