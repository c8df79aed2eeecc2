"""runners/cpython_baseline.py: the blog post's experiment in the machine's real CPython,
as sumbench tidy rows.

Runs the post's heavy_calculation (``for i in range(n): count += i``), its sleeping
hello_func and a GIL convoy experiment in CPython itself, with threads
(threading.Thread), processes (multiprocessing.Process) and one worker in the main
thread, and writes a sweep-style folder (docs/DESIGN.md). OUT may be an existing
sumbench sweep folder, so that reports show CPython beside gil/omp/mpi; its manifest.json
is then left as it is. The measured code (sumbench/baseline/child.py, which runs
unchanged on CPython 2.7 and 3.6+) runs in each interpreter given by --python (paths,
names, versions or all; default: this one), one after the other; each row names its
interpreter, version and GIL kind (old, new, free-threaded). Python 2 sets its check
interval (--check-interval), Python 3 its switch interval (--switch-interval).
--list-interpreters shows every CPython on PATH and under pyenv with its GIL kind.

OUT must be new, empty, or a folder of sumbench's sweep runner or of this baseline; any
other folder is refused. --n is at most 1e9 (about a minute of CPython's loop); a
--python that is missing, no CPython 2.7 or 3.6+, or does not answer within 10 s is
refused before anything is written (one line naming it and where it was looked for);
a hanging one is given up, its process tree killed.

Exit status: 0 all points ok, 1 a result failed validation or the measured interpreter
failed, 2 usage error or no usable CPython (one line on stderr), 3 runtime error (disk
full, I/O), 129/130/143 interrupted (the interpreter's process tree is killed).
"""

from __future__ import annotations

import sys

from .. import interpreters
from ..baseline import config, orchestrate
from ..errors import run_main, say_error

PROG = "cpython_baseline.py"
# A healthy interpreter answers the probe in well under a second (CPython 2.7 to 3.13
# on the project's VMs: 0.013-0.040 s); 10 s leaves room for a loaded machine, and is the
# most a user waits for a --python that hangs.
PROBE_TIMEOUT_S = 10.0


def list_interpreters() -> int:
    found = interpreters.discover()
    for i in found["interpreters"]:
        print(f"{i['path']:<44} CPython {i['version']:<9} GIL {i['gil']:<14} ({i['where']})")
    for where in found["looked_in"]:
        print(f"# looked in {where}")
    for line in found["skipped"]:
        print(f"# skipped {line}")
    for line in found["not_found"] + found["problems"]:
        print(f"# {line}")
    return 0


def body(argv) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    cfg, ns = config.parse_args(argv)
    if ns.list_interpreters:
        return list_interpreters()
    chosen, notes = interpreters.select(cfg["python"] or sys.executable, timeout=PROBE_TIMEOUT_S)
    for line in notes:
        print(f"cpython_baseline: {line}", flush=True)
    print("cpython_baseline: interpreters: " +
          ", ".join(f"CPython {i.version} ({i.gil} GIL) {i.path}" for i in chosen), flush=True)
    try:
        return orchestrate.run(cfg, chosen, argv, sys.argv[0])
    except orchestrate.ChildFailed as e:
        say_error(PROG, f"the measured interpreter failed: {e}")
        return 1


def main(argv=None) -> int:
    return run_main(PROG, body, argv)
