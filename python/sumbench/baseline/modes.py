"""The kernels and modes of the CPython baseline, as catalogue rows (source "cpython").

sumbench's own kernels and modes come from its catalogue (sumbench --list=json); these
are the baseline's, defined here once and merged into every Catalogue.
"""

SOURCE = "cpython"
REFERENCE_MODE = "cpython-serial"
# Kernel -> the catalogue kind of sumbench's kernel of the same name: the scaling kernels
# run in every mode at every worker count and scaling; the latency one (the convoy) in
# the thread mode only, strong, once per switch interval.
KERNEL_KINDS = {"sum": "cpu-bound", "sleep": "io-bound", "convoy": "latency"}
KERNELS = tuple(KERNEL_KINDS)
MODES = (
    {"name": "cpython-serial", "summary": "one worker in CPython's main thread",
     "kind": "threads", "multi_process": False, "reference": True},
    {"name": "cpython-threads", "summary": "threading.Thread workers under CPython's real GIL",
     "kind": "threads", "multi_process": False, "reference": False},
    {"name": "cpython-processes", "summary": "multiprocessing.Process workers",
     "kind": "processes", "multi_process": True, "reference": False},
)
MODE_NAMES = tuple(m["name"] for m in MODES)
THREAD_MODES = tuple(m["name"] for m in MODES if m["kind"] == "threads" and not m["reference"])
# --modes also takes the short names: serial, threads, processes.
MODE_ALIASES = {m["name"][len(SOURCE) + 1:]: m["name"] for m in MODES}
