"""Shared by the sumbench-py tests: where the command is, how to run it, which pyenv
CPythons exist (looked up apart from the code under test), and results.csv's rows."""

import csv
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.environ.get("SUMBENCH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(REPO, "runners", "pyfunc.py")


def env(**extra):
    """This environment, with tests/pyfunc on PYTHONPATH (where funcs.py is found)."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join([HERE] + [p for p in out.get("PYTHONPATH", "").split(os.pathsep) if p])
    out.update(extra)
    return out


def run(args, cwd, timeout=600, **extra):
    """runners/pyfunc.py ARGS in cwd; the output is printed, so that the CTest log names
    the interpreters used."""
    proc = subprocess.run([sys.executable, SCRIPT] + list(args), cwd=cwd, env=env(**extra),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=timeout)
    print(f"$ runners/pyfunc.py {' '.join(args)}  -> exit {proc.returncode}\n{proc.stdout}{proc.stderr}",
          flush=True)
    return proc


def pyenv_versions():
    """The CPython versions under pyenv's root (its folder names), found without sumbench."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(root, "versions", "*"))
                  if os.access(os.path.join(p, "bin", "python"), os.X_OK))


def read_rows(folder):
    with open(os.path.join(folder, "results.csv"), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def minor(version):
    return tuple(int(p) for p in version.rstrip("t").split(".")[:2])
