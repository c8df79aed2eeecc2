"""Sweep configuration: command line + JSON config file -> one validated dict.

Precedence: built-in defaults < ``--config FILE`` < command-line flags.
Every problem raises ``UsageError`` with one line naming the bad value and what is
allowed; ``sweep.py`` turns it into exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
from pathlib import Path

KERNELS = ("sum", "sleep", "triad", "combine", "convoy")
DEFAULT_KERNELS = ("sum", "sleep", "triad", "combine")  # sumbench's default: all but convoy
MODES = ("serial", "omp", "mpi", "hybrid", "gil")
THREAD_MODES = ("serial", "omp", "gil")
MPI_MODES = ("mpi", "hybrid")
THREAD_ONLY_KERNELS = ("convoy",)
SCALINGS = ("strong", "weak", "both")
GIL_POLICIES = ("cpython", "legacy", "fifo", "none")
LAUNCHERS = ("auto", "mpirun", "srun")

# sumbench flags the runner sets itself; --extra-args must not fight over them.
OWNED_FLAGS = ("--kernels", "--modes", "--workers", "--hybrid", "--scaling", "--n",
               "--quick", "--gil-policy", "--switch-interval", "--launch-only",
               "--benchmark_out", "--benchmark_out_format", "--benchmark_repetitions",
               "--benchmark_format")

REPO_ROOT = Path(__file__).resolve().parents[2]

# Keys a config file may hold, with their JSON type, and defaults.
# None as a default means "derived at run time" (from the machine or the environment).
CONFIG_SCHEMA = {
    "kernels": ("list[str]", list(DEFAULT_KERNELS)),
    "modes": ("list[str]", list(MODES)),
    "workers": ("list[int]", None),          # 1,2,4,... up to 2x cores, plus cores
    "scaling": ("str", "strong"),
    "hybrid": ("list[str]", None),           # from workers: 2x(W/2) for even W, else 1xW
    "repetitions": ("int", 3),
    "n": ("list[int]", None),                # None: sumbench's per-kernel default
    "quick": ("bool", False),
    "out": ("str", None),
    "timeout": ("number", 600.0),
    "sumbench": ("str", None),               # env SUMBENCH, else <repo>/build/sumbench
    "seed": ("int", None),                   # from the clock (or the resumed sweep)
    "cv_threshold": ("number", 0.05),
    "max_reruns": ("int", 2),
    "gil_policy": ("list[str]", ["cpython"]),
    "switch_interval": ("list[str]", ["5ms"]),
    "mpirun": ("str", "mpirun"),
    "launcher": ("str", "auto"),
    "extra_args": ("list[str]", []),
    "cores": ("int", None),                  # override of the detected core count
}
# Informational keys that sweep.json carries and a config file may therefore hold.
INFO_KEYS = ("order", "schema_version", "points")


class UsageError(Exception):
    """A bad argument or config value; the message is the one line shown to the user."""


# ----------------------------------------------------------------- value parsing

def _split_list(text: str) -> list[str]:
    items = [s.strip() for s in str(text).split(",")]
    return [s for s in items if s]


def parse_int_list(text: str, what: str) -> list[int]:
    out = []
    for item in _split_list(text):
        if not re.fullmatch(r"\d+", item) or int(item) < 1:
            raise UsageError(f"bad {what} {item!r}: expected positive integers, e.g. 1,2,4")
        out.append(int(item))
    if not out:
        raise UsageError(f"empty {what} list: expected positive integers, e.g. 1,2,4")
    return out


def parse_layout(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", str(text))
    if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
        raise UsageError(f"bad hybrid layout {text!r}: expected RxT with positive integers, e.g. 2x1,2x2")
    return int(m.group(1)), int(m.group(2))


def parse_interval_text(text: str) -> str:
    if not re.fullmatch(r"[0-9]*\.?[0-9]+(us|ms|s)", str(text)) or float(re.sub(r"[a-z]+$", "", text)) <= 0:
        raise UsageError(f"bad switch interval {text!r}: expected a positive time like 500us, 1ms, 0.005s")
    return str(text)


def _check_choices(values: list[str], allowed: tuple, what: str) -> list[str]:
    if not values:
        raise UsageError(f"empty {what} list: allowed: {','.join(allowed)}")
    for v in values:
        if v not in allowed:
            raise UsageError(f"unknown {what} {v!r}: allowed: {','.join(allowed)}")
    return list(dict.fromkeys(values))  # keep order, drop duplicates


# ------------------------------------------------------------------ config file

def _type_ok(value, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "list[int]":
        return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    raise AssertionError(kind)


def load_config_file(path: str) -> dict:
    """Read and type-check a config file; values are validated later with the CLI ones."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise UsageError(f"config file {path!r} not found")
    except json.JSONDecodeError as e:
        raise UsageError(f"config file {path!r} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}")
    except OSError as e:
        raise UsageError(f"config file {path!r} cannot be read: {e.strerror}")
    if not isinstance(data, dict):
        raise UsageError(f"config file {path!r}: expected a JSON object of settings")
    out = {}
    for key, value in data.items():
        if key in INFO_KEYS:
            continue
        if key not in CONFIG_SCHEMA:
            raise UsageError(f"config file {path!r}: unknown key {key!r}; allowed: {', '.join(CONFIG_SCHEMA)}")
        kind = CONFIG_SCHEMA[key][0]
        if value is None and CONFIG_SCHEMA[key][1] is None:
            continue  # null = "use the derived default"
        if not _type_ok(value, kind):
            raise UsageError(f"config file {path!r}: key {key!r} must be {kind}, got {json.dumps(value)}")
        out[key] = value
    return out


# ------------------------------------------------------------------ command line

class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One line instead of argparse's usage block: the contract for exit status 2.
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="sweep.py",
        description="Run a sumbench sweep: one sumbench process per point, one folder per "
                    "point, results.csv rebuilt from the folders (see docs/DESIGN.md).",
        epilog="Flags whose value starts with '-' need '=': --extra-args=--sleep-ms=10. "
               "Exit status: 0 all points ok, 1 some point failed, 2 usage error, 130 interrupted.")
    # Every default is None so that merge() can tell "given" from "not given".
    a = p.add_argument
    a("--kernels", help=f"comma list of {','.join(KERNELS)} (default {','.join(DEFAULT_KERNELS)})")
    a("--modes", help=f"comma list of {','.join(MODES)} (default all)")
    a("--workers", help="comma list of worker counts (default 1,2,4,... up to 2x cores, plus cores)")
    a("--scaling", help="strong|weak|both (default strong)")
    a("--hybrid", help="comma list of RxT layouts, e.g. 2x1,2x2 (default 2x(W/2) for even W, else 1xW)")
    a("--repetitions", help="Google Benchmark repetitions per point (default 3)")
    a("--n", help="comma list of problem sizes at one worker (default: sumbench's per kernel)")
    a("--quick", action="store_const", const=True, help="pass --quick (small sizes) to sumbench")
    a("--out", help="sweep output folder (default results/sweep-<timestamp>)")
    a("--timeout", help="seconds allowed for one point (default 600)")
    a("--sumbench", help="sumbench binary (default $SUMBENCH, else <repo>/build/sumbench)")
    a("--seed", help="seed of the randomized point order (default: from the clock)")
    a("--cv-threshold", dest="cv_threshold", help="rerun a point whose time CV exceeds this (default 0.05)")
    a("--max-reruns", dest="max_reruns", help="reruns of a noisy point (default 2)")
    a("--gil-policy", dest="gil_policy", help=f"comma list of {','.join(GIL_POLICIES)} for gil mode (default cpython)")
    a("--switch-interval", dest="switch_interval", help="comma list like 500us,1ms,0.005s for gil mode (default 5ms)")
    a("--mpirun", help="mpirun binary (default mpirun on PATH)")
    a("--launcher", help="auto|mpirun|srun for mpi/hybrid points (auto: srun inside Slurm)")
    a("--extra-args", dest="extra_args", help="more sumbench arguments, shell-quoted in one string")
    a("--cores", help="core count to plan placement for (default: detected)")
    # Actions, not part of a saved config:
    a("--config", help="read settings from this JSON file (flags override it)")
    a("--save-config", dest="save_config", metavar="FILE",
      help="write the given settings as a JSON config to FILE and exit")
    a("--dry-run", dest="dry_run", action="store_true", help="print the commands, run nothing")
    a("--retry-failed", dest="retry_failed", action="store_true",
      help="rerun points whose status is failed/invalid/timeout (complete ok points are always skipped)")
    return p


def _cli_values(ns: argparse.Namespace) -> dict:
    """Command-line settings given by the user, converted to config-file types."""
    out = {}
    conv = {
        "kernels": _split_list, "modes": _split_list, "hybrid": _split_list,
        "gil_policy": _split_list, "switch_interval": _split_list,
        "workers": lambda s: parse_int_list(s, "worker count"),
        "n": lambda s: parse_int_list(s, "--n value"),
        "repetitions": lambda s: _parse_int(s, "--repetitions"),
        "max_reruns": lambda s: _parse_int(s, "--max-reruns"),
        "seed": lambda s: _parse_int(s, "--seed"),
        "cores": lambda s: _parse_int(s, "--cores"),
        "timeout": lambda s: _parse_float(s, "--timeout"),
        "cv_threshold": lambda s: _parse_float(s, "--cv-threshold"),
        "extra_args": _parse_extra,
    }
    for key in CONFIG_SCHEMA:
        value = getattr(ns, key, None)
        if value is None:
            continue
        out[key] = conv[key](value) if key in conv else value
    return out


def _parse_int(text: str, flag: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"bad {flag} {text!r}: expected an integer")


def _parse_float(text: str, flag: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"bad {flag} {text!r}: expected a number")


def _parse_extra(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as e:
        raise UsageError(f"bad --extra-args {text!r}: {e}")


# ------------------------------------------------------------------- validation

def validate(cfg: dict) -> dict:
    """Check every value; returns a new dict with normalized values."""
    cfg = dict(cfg)
    cfg["kernels"] = _check_choices(cfg["kernels"], KERNELS, "kernel")
    cfg["modes"] = _check_choices(cfg["modes"], MODES, "mode")
    if cfg["scaling"] not in SCALINGS:
        raise UsageError(f"unknown scaling {cfg['scaling']!r}: allowed: {','.join(SCALINGS)}")
    if cfg["launcher"] not in LAUNCHERS:
        raise UsageError(f"unknown launcher {cfg['launcher']!r}: allowed: {','.join(LAUNCHERS)}")
    if cfg["workers"] is not None:
        if not cfg["workers"]:
            raise UsageError("empty worker count list: expected positive integers, e.g. 1,2,4")
        for w in cfg["workers"]:
            if w < 1:
                raise UsageError(f"bad worker count {w}: expected positive integers, e.g. 1,2,4")
        cfg["workers"] = list(dict.fromkeys(cfg["workers"]))
    if cfg["hybrid"] is not None:
        if not cfg["hybrid"]:
            raise UsageError("empty hybrid layout list: expected RxT with positive integers, e.g. 2x1,2x2")
        cfg["hybrid"] = list(dict.fromkeys("%dx%d" % parse_layout(h) for h in cfg["hybrid"]))
    if cfg["n"] is not None:
        for n in cfg["n"]:
            if n < 1:
                raise UsageError(f"bad --n value {n}: expected positive integers")
    if cfg["repetitions"] < 1:
        raise UsageError(f"bad --repetitions {cfg['repetitions']}: must be >= 1")
    if not cfg["timeout"] > 0:
        raise UsageError(f"bad --timeout {cfg['timeout']}: must be > 0 seconds")
    if not cfg["cv_threshold"] >= 0:
        raise UsageError(f"bad --cv-threshold {cfg['cv_threshold']}: must be >= 0")
    if cfg["max_reruns"] < 0:
        raise UsageError(f"bad --max-reruns {cfg['max_reruns']}: must be >= 0")
    if cfg["cores"] is not None and cfg["cores"] < 1:
        raise UsageError(f"bad --cores {cfg['cores']}: must be >= 1")
    cfg["gil_policy"] = _check_choices(cfg["gil_policy"], GIL_POLICIES, "gil policy")
    if not cfg["switch_interval"]:
        raise UsageError("empty switch interval list: expected e.g. 500us,1ms,0.005s")
    cfg["switch_interval"] = [parse_interval_text(s) for s in cfg["switch_interval"]]
    for arg in cfg["extra_args"]:
        flag = arg.split("=", 1)[0]
        if flag in OWNED_FLAGS:
            raise UsageError(f"--extra-args may not contain {flag}: the runner sets it; "
                             f"use the sweep option instead")
    return cfg


def resolve(argv: list[str] | None = None) -> tuple[dict, dict, argparse.Namespace]:
    """Parse argv -> (validated full config, explicitly given settings, namespace)."""
    parser = build_parser()
    ns = parser.parse_args(argv)  # argparse exits 2 itself on unknown flags
    given = {}
    if ns.config:
        given.update(load_config_file(ns.config))
    given.update(_cli_values(ns))
    cfg = {key: default for key, (_, default) in CONFIG_SCHEMA.items()}
    cfg.update(given)
    # Deep-copy list defaults so callers may mutate them.
    cfg = {k: (list(v) if isinstance(v, list) else v) for k, v in cfg.items()}
    if cfg["sumbench"] is None:
        cfg["sumbench"] = os.environ.get("SUMBENCH") or str(REPO_ROOT / "build" / "sumbench")
    return validate(cfg), given, ns


def default_workers(cores: int) -> list[int]:
    """1, 2, 4, ... up to 2x cores, plus the core count itself, ascending."""
    out, w = {cores}, 1
    while w <= 2 * cores:
        out.add(w)
        w *= 2
    return sorted(out)


def default_hybrid(workers: list[int]) -> list[str]:
    """Mirrors sumbench's own default: 2x(W/2) when W is even, else 1xW."""
    layouts = []
    for w in workers:
        layouts.append(f"2x{w // 2}" if w >= 2 and w % 2 == 0 else f"1x{w}")
    return list(dict.fromkeys(layouts))
