"""Shared helpers of the runner tests: paths, running sweep.py, reading a sweep folder."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_DIR = Path(os.environ.get("SUMBENCH_SOURCE_DIR") or HERE.parents[1]).resolve()
RUNNERS = SOURCE_DIR / "runners"
SWEEP = RUNNERS / "sweep.py"
FAKE = HERE / "fake_sumbench.py"



def real_sumbench():
    """Path of the built sumbench (CTest passes it in SUMBENCH), or None."""
    path = os.environ.get("SUMBENCH") or str(SOURCE_DIR / "build" / "sumbench")
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def clean_env(**extra):
    """The environment of a test run: no FAKE_* or Slurm leftovers from the caller."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FAKE_", "SLURM_")) and k != "SUMBENCH"}
    if real_sumbench():  # the fake answers --list=json with the real catalogue
        env["FAKE_REAL_SUMBENCH"] = real_sumbench()
    env.update({k: str(v) for k, v in extra.items()})
    return env


def sweep_cmd(*args):
    return [sys.executable, str(SWEEP), *map(str, args)]


def run_sweep(*args, env=None, timeout=300):
    return subprocess.run(sweep_cmd(*args), env=env or clean_env(), capture_output=True,
                          text=True, timeout=timeout)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def point_dirs(out):
    return sorted(p for p in (Path(out) / "points").iterdir() if p.is_dir())


class TempDirMixin:
    def setUp(self):
        super().setUp()
        self._tmp = tempfile.TemporaryDirectory(prefix="sumbench-runners-")
        self.tmp = Path(self._tmp.name)
        self.addCleanup(self._tmp.cleanup)
