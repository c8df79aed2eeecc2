"""The CPython baseline's command line -> one validated dict (UsageError: exit 2)."""

from __future__ import annotations

import math

from .. import parse, topology
from ..machine import default_workers
from ..errors import ArgParser, UsageError
from . import modes

SCALINGS = ("strong", "weak", "both")
MAX_WORKERS = 4096
# --n: elements of the sum loop per worker. CPython runs that loop at about 2e7
# elements/s (CPython 3.11 on the project's 2-core VMs: 2.04e7/s), so 1e9 is about a
# minute per serial repetition, and W times that for W threads under the GIL (weak
# scaling); more is a typo, not an experiment (1e11 would run for hours).
MAX_N = 10**9
MAX_TARGET_S = 60.0         # --target-s: the calibration's aim stays within MAX_N
DEFAULT_TARGET_S = 0.3      # a serial sum run takes about this long (sumbench's default sum run)
QUICK_N = 100_000           # --quick: a few milliseconds of sum per worker
DEFAULT_SLEEP_MS, QUICK_SLEEP_MS = 100.0, 50.0
DEFAULT_IO_WAITS, QUICK_IO_WAITS = 200, 20
DEFAULT_CV_THRESHOLD = 0.05  # as the sweep runner's --cv-threshold
DEFAULT_INTERVALS = "1ms,5ms"
MAX_CHECK_INTERVAL = 10**6   # as sumbench's --check-interval


def build_parser() -> ArgParser:
    p = ArgParser(prog="cpython_baseline.py",
                  description="The post's threads-vs-processes experiment in the real CPython, "
                              "written as sumbench tidy rows.",
                  exits=((0, "all points ok"), (1, "a result failed validation, or the measured "
                                                   "interpreter failed")))
    a = p.add_argument
    a("--out", metavar="DIR", help="sweep-style output folder (may be an existing sweep)")
    a("--kernels", default=",".join(modes.KERNELS), help=f"comma list of {','.join(modes.KERNELS)} (default all)")
    a("--modes", default=",".join(modes.MODE_NAMES),
      help=f"comma list of {','.join(modes.MODE_NAMES)} (or {','.join(modes.MODE_ALIASES)})")
    a("--workers", default=None, help="comma list of worker counts (default 1,2,4,... up to 2x cores, plus cores)")
    a("--scaling", default="both", help="strong, weak or both (default both)")
    a("--n", default=None, help="sum elements per worker at one worker, at most 1e9 (about a "
                                "minute of CPython's loop; default: calibrated to ~0.3 s serial)")
    a("--target-s", default=None, help="calibration target for one serial sum run (default 0.3)")
    a("--sleep-ms", default=None, help="duration of one sleep task in ms (default 100; --quick 50)")
    a("--io-waits", default=None, help="convoy: number K of 1 ms waits of the I/O thread (default 200)")
    a("--switch-interval", default=DEFAULT_INTERVALS,
      help=f"convoy in Python 3: comma list like 500us,1ms,0.005s (default {DEFAULT_INTERVALS})")
    a("--check-interval", default=None,
      help="convoy in Python 2: comma list of check intervals in bytecodes, like "
           "sys.setcheckinterval (default: the interpreter's own, 100)")
    a("--repetitions", default="3", help="repetitions per point (default 3)")
    a("--cores", default=None, help="core count for the oversubscribed flag (default: affinity mask)")
    a("--cv-threshold", default=str(DEFAULT_CV_THRESHOLD),
      help="a point whose time CV exceeds it is unstable (default 0.05)")
    a("--quick", action="store_true", help="tiny sizes for tests and smoke runs")
    a("--run-id", default=None, help="run_id of the rows (default: OUT/manifest.json's, else a new one)")
    a("--python", default=None, metavar="LIST",
      help="the CPythons to measure, one after the other: comma list of paths, names on PATH, "
           "versions found on PATH or under pyenv (2.7, 3.11) or 'all' (every CPython found); "
           "default: the python3 running this script")
    a("--list-interpreters", action="store_true",
      help="list every CPython found on PATH and under pyenv, with its GIL kind, and exit")
    return p


def _positive(kind, name, low=1, high=None):
    allowed = f"a number >= {low}" if high is None else \
        f"{'a whole' if kind is int else 'a'} number from {low} to {high}"

    def conv(text):
        try:
            v = kind(text)
        except (TypeError, ValueError):
            raise UsageError(f"bad {name} value {text!r}: expected {allowed}") from None
        if not (v >= low) or (isinstance(v, float) and not math.isfinite(v)) or \
                (high is not None and v > high):
            raise UsageError(f"bad {name} value {text!r}: expected {allowed}")
        return v
    return conv


def detect_cores() -> int:
    """The physical cores this process may use (hwloc's lstopo, else /sys), as the runner
    plans sumbench's points: SMT siblings share a core."""
    return topology.detect().allowed_cores


def parse_args(argv) -> tuple[dict, object]:
    ns = build_parser().parse_args(argv)
    if ns.list_interpreters:
        return {}, ns
    if ns.out is None or ns.out.strip() == "":
        raise UsageError("--out DIR is required (a sweep-style output folder)")
    cfg = {"out": ns.out, "quick": ns.quick, "run_id": ns.run_id, "python": ns.python}
    names = [modes.MODE_ALIASES.get(m, m) for m in ns.modes.split(",")]
    cfg["kernels"] = list(dict.fromkeys(parse.parse_names("--kernels", ns.kernels, modes.KERNELS, "kernel")))
    cfg["modes"] = list(dict.fromkeys(parse.parse_names("--modes", ",".join(names), modes.MODE_NAMES, "mode")))
    if ns.scaling not in SCALINGS:
        raise UsageError(f"bad --scaling value {ns.scaling!r}: allowed are {','.join(SCALINGS)}")
    cfg["scalings"] = ["strong", "weak"] if ns.scaling == "both" else [ns.scaling]
    cfg["cores"] = _positive(int, "--cores", 1, 65536)(ns.cores) if ns.cores is not None else detect_cores()
    cfg["workers"] = list(dict.fromkeys(parse.parse_int_list("--workers", ns.workers, 1, MAX_WORKERS))) \
        if ns.workers is not None else default_workers(cfg["cores"])
    cfg["n"] = _positive(int, "--n", 1, MAX_N)(ns.n) if ns.n is not None else None
    cfg["target_s"] = _positive(float, "--target-s", 0.001, MAX_TARGET_S)(ns.target_s) if ns.target_s is not None \
        else DEFAULT_TARGET_S
    cfg["sleep_ms"] = _positive(float, "--sleep-ms", 0.001, 60000)(ns.sleep_ms) if ns.sleep_ms is not None \
        else (QUICK_SLEEP_MS if ns.quick else DEFAULT_SLEEP_MS)
    cfg["io_waits"] = _positive(int, "--io-waits", 1, 10**6)(ns.io_waits) if ns.io_waits is not None \
        else (QUICK_IO_WAITS if ns.quick else DEFAULT_IO_WAITS)
    cfg["switch_intervals"] = list(dict.fromkeys(parse.parse_switch_intervals("--switch-interval",
                                                                              ns.switch_interval)))
    cfg["check_intervals"] = list(dict.fromkeys(parse.parse_int_list("--check-interval", ns.check_interval,
                                                                     1, MAX_CHECK_INTERVAL))) \
        if ns.check_interval is not None else []
    cfg["repetitions"] = _positive(int, "--repetitions", 1, 1000)(ns.repetitions)
    cfg["cv_threshold"] = _positive(float, "--cv-threshold", 0.0)(ns.cv_threshold)
    return cfg, ns
