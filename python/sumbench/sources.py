"""The kernels and modes of sumbench's other measurement sources, as catalogue rows:
the CPython baseline (source "cpython", baseline/) and sumbench-py (source "pyfunc",
pyfunc/; its kernels are the users' functions, MODULE:FUNCTION). Defined here once, at
the catalogue's layer, so that Catalogue merges them without importing the experiments
that run them (tests/python/test_layers.py).
"""

from __future__ import annotations

CPYTHON = "cpython"
CPYTHON_REFERENCE_MODE = "cpython-serial"
PYFUNC = "pyfunc"
PYFUNC_REFERENCE_MODE = "py-serial"


def _mode(name: str, kind: str, summary: str, reference: str, **extra) -> dict:
    """A catalogue mode row: processes are the multi-process kind, and the source's
    reference mode is the one its speedups are taken against."""
    return {"name": name, "summary": summary, "kind": kind, "multi_process": kind == "processes",
            "reference": name == reference, **extra}


# Kernel -> the catalogue kind of sumbench's kernel of the same name: the scaling kernels
# run in every mode at every worker count and scaling; the latency one (the convoy) in
# the thread mode only, strong, once per switch interval.
CPYTHON_KERNEL_KINDS = {"sum": "cpu-bound", "sleep": "io-bound", "convoy": "latency"}
CPYTHON_MODES = tuple(_mode(name, kind, summary, CPYTHON_REFERENCE_MODE) for name, kind, summary in (
    ("cpython-serial", "threads", "one worker in CPython's main thread"),
    ("cpython-threads", "threads", "threading.Thread workers under CPython's real GIL"),
    ("cpython-processes", "processes", "multiprocessing.Process workers"),
))

# A pyfunc mode is one of its child's models (pyfunc/pyfunc_child.py) in one interpreter.
PYFUNC_MODES = tuple(
    _mode(name, kind, summary, PYFUNC_REFERENCE_MODE, model=model)
    for name, model, kind, summary in (
        ("py-serial", "serial", "threads", "FUNCTION(0, n) once, in the main thread"),
        ("py-threads", "threads", "threads",
         "threading.Thread workers, one slice each (under the GIL, or free-threaded)"),
        ("py-thread-pool", "thread-pool", "threads",
         "concurrent.futures.ThreadPoolExecutor, one task per slice"),
        ("py-fork", "fork", "processes", "multiprocessing.Process workers, fork start method"),
        ("py-spawn", "spawn", "processes", "multiprocessing.Process workers, spawn start method"),
        ("py-process-pool", "process-pool", "processes",
         "concurrent.futures.ProcessPoolExecutor (fork), one task per slice"),
        ("py-subinterpreters", "subinterpreters", "threads",
         "one subinterpreter with its own GIL per worker, on OS threads (3.12+)"),
    ))


def catalogue_rows(source: str) -> list[dict]:
    """The mode rows Catalogue merges for `source` (without pyfunc's model name)."""
    rows = {CPYTHON: CPYTHON_MODES, PYFUNC: PYFUNC_MODES}[source]
    return [{k: v for k, v in m.items() if k != "model"} for m in rows]
