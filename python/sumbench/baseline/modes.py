"""The kernels and modes of the CPython baseline, as catalogue rows (source "cpython").

The rows themselves are defined in sources.py, at the catalogue's layer; here are the
names the baseline derives from them.
"""

from ..sources import (CPYTHON as SOURCE, CPYTHON_KERNEL_KINDS as KERNEL_KINDS,
                       CPYTHON_MODES as MODES, CPYTHON_REFERENCE_MODE as REFERENCE_MODE)

KERNELS = tuple(KERNEL_KINDS)
MODE_NAMES = tuple(m["name"] for m in MODES)
THREAD_MODES = tuple(m["name"] for m in MODES if m["kind"] == "threads" and not m["reference"])
# --modes also takes the short names: serial, threads, processes.
MODE_ALIASES = {m["name"][len(SOURCE) + 1:]: m["name"] for m in MODES}
