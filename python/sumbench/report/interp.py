"""Find a Python interpreter that has matplotlib and numpy. Standard library only.

report.py may be started with a python3 that lacks matplotlib (a pyenv or venv
python). Then it re-executes itself, once, with the first interpreter that has it:
$SUMBENCH_PYTHON, /usr/bin/python3, then python3.X on PATH. The guard variable
stops loops; when nothing fits, the caller prints how to get one and exits 2.
"""

import os
import shutil
import subprocess
import sys

GUARD = "SUMBENCH_REPORT_REEXEC"
HOW_TO = ("install it with 'apt-get install python3-matplotlib' (Debian/Ubuntu) and run "
          "with /usr/bin/python3, or 'pip install matplotlib numpy' into this python")


def have_plotting():
    try:
        import matplotlib  # noqa: F401
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def candidates():
    seen = set()
    names = []
    env = os.environ.get("SUMBENCH_PYTHON")
    if env:
        names.append(env)
    names.append("/usr/bin/python3")
    names += [f"python3.{minor}" for minor in range(20, 7, -1)]
    names.append("python3")
    for name in names:
        path = name if os.sep in name else shutil.which(name)
        if not path or not os.access(path, os.X_OK) or path in seen:
            continue
        seen.add(path)
        yield path


def works(python):
    try:
        proc = subprocess.run(
            [python, "-c", "import matplotlib, numpy"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=60,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def ensure_plotting(script, argv, prog):
    """Return if this interpreter can plot; else re-exec or exit 2 with advice."""
    if have_plotting():
        return
    missing = f"{prog}: error: this python ({sys.executable}) has no matplotlib/numpy"
    if os.environ.get(GUARD):
        print(f"{missing} (re-executed once already, not trying again); {HOW_TO}",
              file=sys.stderr)
        sys.exit(2)
    for python in candidates():
        if works(python):
            os.environ[GUARD] = "1"
            sys.stderr.flush()
            sys.stdout.flush()
            os.execv(python, [python, os.path.abspath(script)] + list(argv))
    print(f"{missing} and no other python3 that has it was found; {HOW_TO}",
          file=sys.stderr)
    sys.exit(2)
