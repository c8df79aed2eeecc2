"""sumbench-py's command line -> one validated dict (UsageError: one line, exit 2)."""

from __future__ import annotations

import math
import os
import re

from .. import parse, topology
from ..errors import ArgParser, UsageError
from ..machine import default_workers
from . import modes

MAX_WORKERS = 1024
MAX_N = 2**62                   # results.csv's n
DEFAULT_TIMEOUT_S = 600.0       # per point (all its repetitions), and per interpreter's check
MAX_TIMEOUT_S = 7 * 86400.0
DEFAULT_CV_THRESHOLD = 0.05     # as the sweep runner's and the baseline's
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_NAME}(?:\.{_NAME})*"
TARGET = re.compile(rf"({_DOTTED}):({_DOTTED})")
SHORT_MODELS = {m["model"]: m["name"] for m in modes.MODES}


def build_parser() -> ArgParser:
    p = ArgParser(prog="pyfunc.py",
                  exits=((0, "every point ok"), (1, "a point failed, was invalid or timed out, or the report "
                                                     "could not be written")),
                  description="Your own Python function under every concurrency model of every "
                              "CPython found: serial, threads, fork and spawn processes, "
                              "concurrent.futures pools and subinterpreters with their own GIL. "
                              "FUNCTION(start, stop) returns the partial result of the slice "
                              "[start, stop) of range(0, N); REDUCE(partials) combines them.")
    a = p.add_argument
    a("target", metavar="MODULE:FUNCTION",
      help="a module found in the current folder or on PYTHONPATH, and a function in it")
    a("--n", metavar="N", help="the size of the work: the slices split range(0, N) (1 to 2^62)")
    a("--workers", metavar="LIST", help="worker counts, e.g. 1,2,4 (default 1, 2, 4, ... up to 2x cores, "
                                        "plus cores)")
    a("--python", metavar="LIST", help="the CPythons to measure: paths, names on PATH, versions found on "
                                       "PATH or under pyenv (2.7, 3.12), or 'all'; default: the python3 "
                                       "running this command")
    a("--out", metavar="DIR", help="sweep-style results folder: new, empty, or a sumbench sweep folder "
                                   "(the results then appear beside its own)")
    a("--reduce", default="sum", metavar="MODULE:FUNCTION",
      help="combines the list of partials, in slice order (default: the builtin sum; a bare name is a "
           "builtin: max, min, ...)")
    a("--models", default=",".join(modes.MODELS), metavar="LIST",
      help=f"comma list of {','.join(modes.MODELS)} (or their py-* mode names); default all. serial "
           f"always runs: it is every speedup's reference and every result's check")
    a("--repetitions", default="3", help="repetitions per point (default 3)")
    a("--rel-tol", default="0", metavar="R",
      help="numbers may differ from the serial result by R x its size (floating-point partials "
           "added in another order); default 0: exactly equal (==)")
    a("--timeout", default=str(DEFAULT_TIMEOUT_S), metavar="S",
      help=f"seconds one point (all its repetitions) or one interpreter's check may take; its "
           f"process tree is then killed (default {DEFAULT_TIMEOUT_S:g})")
    a("--cores", default=None, help="core count for the oversubscribed flag (default: this process's cores)")
    a("--cv-threshold", default=str(DEFAULT_CV_THRESHOLD),
      help="a point whose time CV exceeds it is flagged unstable (default 0.05)")
    a("--report", default=None, metavar="DIR",
      help="where the report goes (default DIR/report): new, empty, or a report of report.py")
    a("--no-report", action="store_true", help="write results.csv only (reports/report.py DIR makes the report later)")
    a("--run-id", default=None, help="run_id of the rows (default: DIR/manifest.json's, else a new one)")
    return p


def parse_target(flag: str, text: str, builtin_ok: bool = False) -> tuple:
    """[module, attribute path]; module None for a builtin (--reduce only)."""
    text = text.strip()
    if builtin_ok and re.fullmatch(_NAME, text):
        return (None, text)
    found = TARGET.fullmatch(text)
    module = text.split(":", 1)[0]
    if found and not module.endswith(".py"):   # mod.py:f means the file, not a submodule named py
        return (found.group(1), found.group(2))
    hint = f" (give the module's name, not its file: {os.path.basename(module)[:-3]}:..., run from its " \
        f"folder or with it on PYTHONPATH)" if module.endswith(".py") else ""
    raise UsageError(f"{flag + ' ' if flag else ''}{text!r} is not MODULE:FUNCTION{hint}; give a module found in the current "
                     f"folder or on PYTHONPATH and a function in it, e.g. mymod:work"
                     + (", or a builtin such as sum" if builtin_ok else ""))


def _number(flag: str, text: str, kind, low: float, high: float):
    try:
        value = kind(text)
    except (TypeError, ValueError):
        value = None
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or not low <= value <= high:
        raise UsageError(f"{flag}={text} is not allowed: {'a whole' if kind is int else 'a'} number from "
                         f"{low:g} to {high:g}")
    return value


def parse_models(text: str) -> list[str]:
    chosen = []
    for name in parse.split_list("--models", text):
        mode = SHORT_MODELS.get(name, name)
        if mode not in modes.MODE_NAMES:
            raise UsageError(f"--models: unknown model '{name}'; allowed: {','.join(modes.MODELS)} "
                             f"(or their mode names py-serial, py-threads, ...)")
        chosen.append(mode)
    return [m for m in modes.MODE_NAMES if m in chosen or m == modes.REFERENCE_MODE]


def parse_args(argv) -> dict:
    ns = build_parser().parse_args(argv)
    if not ns.out or not ns.out.strip():
        raise UsageError("--out DIR is required (a sweep-style results folder)")
    if ns.n is None:
        raise UsageError("--n N is required: the size of the work, whose slices of range(0, N) your "
                         "function gets")
    cfg = {"out": ns.out, "python": ns.python, "run_id": ns.run_id, "target_text": ns.target.strip(),
           "reduce_text": ns.reduce.strip()}
    cfg["function"] = parse_target("", ns.target)
    cfg["reduce"] = parse_target("--reduce", ns.reduce, builtin_ok=True)
    cfg["n"] = parse.parse_size("--n", ns.n, 1, MAX_N)
    cfg["cores"] = _number("--cores", ns.cores, int, 1, 65536) if ns.cores is not None else \
        topology.detect().allowed_cores
    cfg["workers"] = sorted(set(parse.parse_int_list("--workers", ns.workers, 1, MAX_WORKERS))) \
        if ns.workers is not None else default_workers(cfg["cores"])
    cfg["modes"] = parse_models(ns.models)
    cfg["repetitions"] = _number("--repetitions", ns.repetitions, int, 1, 1000)
    cfg["rel_tol"] = _number("--rel-tol", ns.rel_tol, float, 0.0, 0.5)
    cfg["timeout_s"] = _number("--timeout", ns.timeout, float, 1.0, MAX_TIMEOUT_S)
    cfg["report"] = None if ns.no_report else (ns.report or os.path.join(ns.out, "report"))
    cfg["cv_threshold"] = _number("--cv-threshold", ns.cv_threshold, float, 0.0, 1e6)
    return cfg
