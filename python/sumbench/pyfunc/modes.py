"""sumbench-py's modes as catalogue rows (source "pyfunc"), defined here once and merged
into every Catalogue, as the CPython baseline's are (baseline/modes.py).

A mode is one of the child's models (pyfunc_child.py) in one interpreter; each row of
results.csv names its interpreter, version and GIL kind, so "py-threads" in a
free-threaded build is the free-threaded measurement.
"""

SOURCE = "pyfunc"
REFERENCE_MODE = "py-serial"
MODES = (
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
MODE_NAMES = tuple(m["name"] for m in MODES)
MODELS = tuple(m["model"] for m in MODES)
MODE_OF = {m["model"]: m["name"] for m in MODES}
MODEL_OF = {m["name"]: m["model"] for m in MODES}
# The answer sentence's three figures (the post's question) and the others beside them.
ANSWER = (("processes", "py-fork"), ("threads", "py-threads"), ("subinterpreters", "py-subinterpreters"))
ALSO = (("spawn", "py-spawn"), ("process pool", "py-process-pool"), ("thread pool", "py-thread-pool"))
FREE_THREADED_HINT = "install 3.13t to measure it"


def catalogue_rows():
    """The rows Catalogue merges (without the child's model name)."""
    return [{k: v for k, v in m.items() if k != "model"} for m in MODES]
