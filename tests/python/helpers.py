"""Shared by the package tests: paths of the tree and of the built binaries, temp folders."""

import os
import tempfile
import unittest
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("SUMBENCH_SOURCE_DIR") or Path(__file__).resolve().parents[2])
SUMBENCH = os.environ.get("SUMBENCH") or str(SOURCE_DIR / "build" / "sumbench")
EXTRA = os.environ.get("SUMBENCH_EXTRA") or str(SOURCE_DIR / "build" / "tests" / "core" / "sumbench_extra")
BENCH_FOLDER = SOURCE_DIR / "bench" / "results" / "vm-20261125T001524Z" / "cpython"
# A folder of main's CPython baseline before the interpreter columns (data/README.md).
MAIN_V1_FOLDER = Path(__file__).resolve().parent / "data" / "baseline-v1"


class TempDir(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self._tmp = tempfile.TemporaryDirectory(prefix="sumbench-python-")
        self.tmp = Path(self._tmp.name)
        self.addCleanup(self._tmp.cleanup)


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path
