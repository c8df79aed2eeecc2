"""Find a Python interpreter that has the libraries a command needs. Standard library only.

report.py needs matplotlib, numpy, scipy and jinja2 (REPORT); compare.py scipy and jinja2
(COMPARE). Debian installs them as python3-* packages into /usr/bin/python3, while a
pyenv or venv python3 may come first on PATH. A command started with a python that lacks
them re-executes itself, once, with the first interpreter that has them:
$SUMBENCH_PYTHON, /usr/bin/python3, then python3.X on PATH. The guard variable stops
loops; when nothing fits, it prints how to get them and exits 2.
"""

import os
import shutil
import subprocess
import sys

GUARD = "SUMBENCH_REPORT_REEXEC"
# module -> Debian package
PACKAGES = {"matplotlib": "python3-matplotlib", "numpy": "python3-numpy",
            "scipy": "python3-scipy", "jinja2": "python3-jinja2"}
REPORT = ("matplotlib", "numpy", "scipy", "jinja2")
COMPARE = ("scipy", "jinja2")


def how_to(modules):
    debs = " ".join(PACKAGES[m] for m in modules)
    return (f"install them with 'apt-get install {debs}' (Debian/Ubuntu) and run with "
            f"/usr/bin/python3, or 'pip install {' '.join(modules)}' into this python")


def have(modules=REPORT):
    try:
        for m in modules:
            __import__(m)
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


def works(python, modules=REPORT):
    try:
        proc = subprocess.run(
            [python, "-c", "import " + ", ".join(modules)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=60,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def ensure(script, argv, prog, modules=REPORT):
    """Return if this interpreter has `modules`; else re-exec or exit 2 with advice."""
    if have(modules):
        return
    missing = f"{prog}: error: this python ({sys.executable}) lacks {'/'.join(modules)}"
    if os.environ.get(GUARD):
        print(f"{missing} (re-executed once already, not trying again); {how_to(modules)}",
              file=sys.stderr)
        sys.exit(2)
    for python in candidates():
        if works(python, modules):
            os.environ[GUARD] = "1"
            sys.stderr.flush()
            sys.stdout.flush()
            os.execv(python, [python, os.path.abspath(script)] + list(argv))
    print(f"{missing} and no other python3 that has them was found; {how_to(modules)}",
          file=sys.stderr)
    sys.exit(2)
