"""The kernels and modes of the CPython baseline, as catalogue rows (source "cpython").

sumbench's own kernels and modes come from its catalogue (sumbench --list=json); these
are the baseline's, defined here once and merged into every Catalogue.
"""

SOURCE = "cpython"
REFERENCE_MODE = "cpython-serial"
KERNELS = ("sum", "sleep", "convoy")
MODES = (
    {"name": "cpython-serial", "summary": "one worker in CPython's main thread",
     "kind": "threads", "multi_process": False, "reference": True},
    {"name": "cpython-threads", "summary": "threading.Thread workers under CPython's real GIL",
     "kind": "threads", "multi_process": False, "reference": False},
    {"name": "cpython-processes", "summary": "multiprocessing.Process workers",
     "kind": "processes", "multi_process": True, "reference": False},
)
MODE_NAMES = tuple(m["name"] for m in MODES)
# --modes also takes the short names: serial, threads, processes.
MODE_ALIASES = {m["name"][len(SOURCE) + 1:]: m["name"] for m in MODES}
