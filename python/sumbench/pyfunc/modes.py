"""sumbench-py's modes (source "pyfunc"): the rows are defined in sources.py, at the
catalogue's layer; here are the names sumbench-py derives from them.

A mode is one of the child's models (pyfunc_child.py) in one interpreter; each row of
results.csv names its interpreter, version and GIL kind, so "py-threads" in a
free-threaded build is the free-threaded measurement.
"""

from ..sources import PYFUNC as SOURCE, PYFUNC_MODES as MODES, PYFUNC_REFERENCE_MODE as REFERENCE_MODE

MODE_NAMES = tuple(m["name"] for m in MODES)
MODELS = tuple(m["model"] for m in MODES)
MODE_OF = {m["model"]: m["name"] for m in MODES}
MODEL_OF = {m["name"]: m["model"] for m in MODES}
# The answer sentence's three figures (the post's question) and the others beside them.
ANSWER = (("processes", "py-fork"), ("threads", "py-threads"), ("subinterpreters", "py-subinterpreters"))
ALSO = (("spawn", "py-spawn"), ("process pool", "py-process-pool"), ("thread pool", "py-thread-pool"))
FREE_THREADED_HINT = "install 3.13t to measure it"

