"""The kernels and modes of sumbench's other measurement sources, as catalogue rows:
the CPython baseline (source "cpython", baseline/) and sumbench-py (source "pyfunc",
pyfunc/; its kernels are the users' functions, MODULE:FUNCTION). Defined here once, at
the catalogue's layer, so that Catalogue merges them without importing the experiments
that run them (tests/python/test_layers.py).
"""

from __future__ import annotations

CPYTHON = "cpython"
CPYTHON_REFERENCE_MODE = "cpython-serial"
# Kernel -> the catalogue kind of sumbench's kernel of the same name: the scaling kernels
# run in every mode at every worker count and scaling; the latency one (the convoy) in
# the thread mode only, strong, once per switch interval.
CPYTHON_KERNEL_KINDS = {"sum": "cpu-bound", "sleep": "io-bound", "convoy": "latency"}
CPYTHON_MODES = (
    {"name": "cpython-serial", "summary": "one worker in CPython's main thread",
     "kind": "threads", "multi_process": False, "reference": True},
    {"name": "cpython-threads", "summary": "threading.Thread workers under CPython's real GIL",
     "kind": "threads", "multi_process": False, "reference": False},
    {"name": "cpython-processes", "summary": "multiprocessing.Process workers",
     "kind": "processes", "multi_process": True, "reference": False},
)

# A pyfunc mode is one of its child's models (pyfunc/pyfunc_child.py) in one interpreter.
PYFUNC = "pyfunc"
PYFUNC_REFERENCE_MODE = "py-serial"
PYFUNC_MODES = (
    {"name": "py-serial", "model": "serial", "kind": "threads", "multi_process": False, "reference": True,
     "summary": "FUNCTION(0, n) once, in the main thread"},
    {"name": "py-threads", "model": "threads", "kind": "threads", "multi_process": False, "reference": False,
     "summary": "threading.Thread workers, one slice each (under the GIL, or free-threaded)"},
    {"name": "py-thread-pool", "model": "thread-pool", "kind": "threads", "multi_process": False,
     "reference": False, "summary": "concurrent.futures.ThreadPoolExecutor, one task per slice"},
    {"name": "py-fork", "model": "fork", "kind": "processes", "multi_process": True, "reference": False,
     "summary": "multiprocessing.Process workers, fork start method"},
    {"name": "py-spawn", "model": "spawn", "kind": "processes", "multi_process": True, "reference": False,
     "summary": "multiprocessing.Process workers, spawn start method"},
    {"name": "py-process-pool", "model": "process-pool", "kind": "processes", "multi_process": True,
     "reference": False, "summary": "concurrent.futures.ProcessPoolExecutor (fork), one task per slice"},
    {"name": "py-subinterpreters", "model": "subinterpreters", "kind": "threads", "multi_process": False,
     "reference": False, "summary": "one subinterpreter with its own GIL per worker, on OS threads (3.12+)"},
)


def catalogue_rows(source: str) -> list[dict]:
    """The mode rows Catalogue merges for `source` (without pyfunc's model name)."""
    rows = {CPYTHON: CPYTHON_MODES, PYFUNC: PYFUNC_MODES}[source]
    return [{k: v for k, v in m.items() if k != "model"} for m in rows]
