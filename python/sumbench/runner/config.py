"""Sweep configuration: command line + JSON config file -> one validated dict.

Precedence: built-in defaults < ``--config FILE`` < command-line flags. Every problem
raises UsageError with one line naming the bad value and what is allowed (exit 2).
Kernel, mode and policy names and every sumbench value rule come from sumbench's
catalogue (``validate``); this module knows only the runner's own settings. A mode's
parameters (--gil-policy, --switch-interval, --check-interval, any a mode declares:
the catalogue's modes[].params) are taken as comma lists, under cfg["params"] by their
key (gil_policy), on the command line and in a config file alike.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
from typing import Optional

from .. import parse, paths
from ..catalogue import Catalogue, param_key
from ..errors import ArgParser, UsageError
from .launch import OWNED_FLAGS
from .launchers import CHOICES as LAUNCHERS, LEGACY_CHOICES
from .plan import BOTH

# Keys a config file may hold, with their JSON type, and defaults.
# None as a default means "derived at run time" (from the machine, the environment or
# sumbench's catalogue).
CONFIG_SCHEMA = {
    "kernels": ("list[str]", None),          # sumbench's default kernels (--list=json)
    "modes": ("list[str]", None),            # every mode of the catalogue
    "workers": ("list[int]", None),          # 1,2,4,... up to 2x cores, plus cores
    "scaling": ("str", "strong"),
    "hybrid": ("list[str]", None),           # the hybrid mode's own rule (--list=json)
    "repetitions": ("int", 3),
    "n": ("list[int]", None),                # None: sumbench's per-kernel default
    "quick": ("bool", False),
    "out": ("str", None),
    "timeout": ("number", 600.0),
    "sumbench": ("str", None),               # $SUMBENCH, else next to the package
    "seed": ("int", None),                   # from the clock (or the resumed sweep)
    "cv_threshold": ("number", 0.05),
    "max_reruns": ("int", 2),
    "mpirun": ("str", None),                 # the MPI's own launcher, found on PATH
    "launcher": ("str", "auto"),             # by sumbench's MPI, or srun inside Slurm
    "srun_mpi": ("str", None),               # srun --mpi: the site's MpiDefault
    "cpus": ("str", "cores"),                # plan on cores, or on hardware threads
    "extra_args": ("list[str]", []),
    "cores": ("int", None),                  # override of the detected core count
    "hostfile": ("str", None),               # nodes outside Slurm (runner/hosts.py)
}
MAX_REPETITIONS = 1000   # repetitions of one point (Google Benchmark aborts on absurd ones)
MAX_CORES = 1 << 20      # --cores: as many as sumbench's most workers (2^20)
# Informational keys that sweep.json carries and a config file may therefore hold.
INFO_KEYS = ("order", "schema_version", "points", "sumbench_version", "sumbench_build")


# ------------------------------------------------------------------ config file

def _type_ok(value, kind: str) -> bool:
    def integer(v):
        return isinstance(v, int) and not isinstance(v, bool)
    checks = {
        "str": lambda v: isinstance(v, str),
        "bool": lambda v: isinstance(v, bool),
        "int": integer,
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "list[str]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "list[int]": lambda v: isinstance(v, list) and all(integer(x) for x in v),
    }
    return checks[kind](value)


def load_config_file(path: str) -> dict:
    """Read and type-check a config file; values are validated later with the CLI ones.
    A key that is not the runner's is a mode parameter's (a list of texts): under
    "params", checked against sumbench's catalogue by validate()."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise UsageError(f"config file {path!r} not found")
    except json.JSONDecodeError as e:
        raise UsageError(f"config file {path!r} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"config file {path!r} cannot be read: {getattr(e, 'strerror', None) or e}")
    if not isinstance(data, dict):
        raise UsageError(f"config file {path!r}: expected a JSON object of settings")
    out = {}
    for key, value in data.items():
        if key in INFO_KEYS:
            continue
        if key not in CONFIG_SCHEMA:
            if value is not None and not _type_ok(value, "list[str]"):
                raise UsageError(f"config file {path!r}: key {key!r} must be list[str] (a mode "
                                 f"parameter's values) or one of {', '.join(CONFIG_SCHEMA)}; "
                                 f"got {json.dumps(value)}")
            out.setdefault("params", {})[key] = value
            continue
        kind = CONFIG_SCHEMA[key][0]
        if value is None and CONFIG_SCHEMA[key][1] is None:
            continue  # null = "use the derived default"
        if not _type_ok(value, kind):
            raise UsageError(f"config file {path!r}: key {key!r} must be {kind}, got {json.dumps(value)}")
        out[key] = value
    return out


# ------------------------------------------------------------------ command line

def build_parser() -> argparse.ArgumentParser:
    p = ArgParser(
        prog="sweep.py",
        description="Run a sumbench sweep: one sumbench process per point, one folder per "
                    "point, results.csv rebuilt from the folders (see docs/DESIGN.md).",
        epilog="Flags whose value starts with '-' need '=': --extra-args=--sleep-ms=10. "
               "A mode's parameter flags (sumbench --list: each mode's params, e.g. "
               "--gil-policy=cpython,legacy --switch-interval=1ms,5ms --check-interval=100) "
               "take comma lists: one point per value, as sumbench makes one case each. "
               "Kernels, modes, policies and value rules are sumbench's (sumbench --list).",
        exits=((0, "all points ok"), (1, "some point failed, was invalid or timed out")))
    # Every default is None so that resolve() can tell "given" from "not given".
    a = p.add_argument
    a("--kernels", help="comma list of sumbench's kernels (default: sumbench's default set)")
    a("--modes", help="comma list of sumbench's modes (default all)")
    a("--workers", help="comma list of worker counts (default 1,2,4,... up to 2x cores, plus cores)")
    a("--scaling", help="strong|weak|both (default strong)")
    a("--hybrid", help="comma list of RxT layouts, e.g. 2x1,2x2 (default: the hybrid mode's own rule)")
    a("--repetitions", help="Google Benchmark repetitions per point (default 3)")
    a("--n", help="comma list of problem sizes at one worker (default: sumbench's per kernel)")
    a("--quick", action="store_const", const=True, help="pass --quick (small sizes) to sumbench")
    a("--out", help="sweep output folder (default results/sweep-<timestamp>)")
    a("--timeout", help="seconds allowed for one point (default 600)")
    a("--sumbench", help="sumbench binary: a path, or a name found on PATH (default $SUMBENCH, else "
                         "the one of this installation: build/sumbench in a source tree)")
    a("--seed", help="seed of the randomized point order (default: from the clock)")
    a("--cv-threshold", dest="cv_threshold", help="rerun a point whose time CV exceeds this (default 0.05)")
    a("--max-reruns", dest="max_reruns", help="reruns of a noisy point (default 2)")
    a("--launcher", help=f"{'|'.join(LAUNCHERS)}: how mpi/hybrid points start: Open MPI's mpirun, "
                         "MPICH's mpiexec (Hydra) or srun (default auto: srun inside a Slurm "
                         "allocation, else the launcher of the MPI sumbench is built with)")
    a("--mpirun", help="the launcher program for --launcher openmpi|mpich (default: that MPI's "
                       "own on PATH: mpirun.openmpi, mpiexec.mpich, ...)")
    a("--srun-mpi", dest="srun_mpi", help="srun --mpi=TYPE for --launcher srun (default: the site's "
                                          "MpiDefault, or $SLURM_MPI_TYPE)")
    a("--cpus", help="cores|hwthreads: plan ranks and threads on physical cores (default), or "
                     "on hardware threads (SMT siblings share a core)")
    a("--extra-args", dest="extra_args", help="more sumbench arguments, shell-quoted in one string")
    a("--cores", help="core count to plan placement for (default: detected)")
    a("--hostfile", help="run MPI points on the nodes this file names ('node1 slots=32', "
                         "'node1:32' or 'node1', one a line), R/N ranks on each, outside Slurm")
    # Actions, not part of a saved config:
    a("--config", help="read settings from this JSON file (flags override it)")
    a("--save-config", dest="save_config", metavar="FILE",
      help="write the given settings as a JSON config to FILE and exit")
    a("--dry-run", dest="dry_run", action="store_true", help="print the commands, run nothing")
    a("--retry-failed", dest="retry_failed", action="store_true",
      help="rerun points whose status is failed/invalid/timeout (complete ok points are always skipped)")
    return p


def _split(flag: str):
    return lambda text: parse.split_list(flag, text)  # sumbench's list rule: no empty item


def _convert(kind, what: str, flag: str):
    def conv(text):
        try:
            return kind(text)
        except ValueError:
            raise UsageError(f"bad {flag} {text!r}: expected {what}") from None
    return conv


def _extra(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as e:
        raise UsageError(f"bad --extra-args {text!r}: {e}")


def _cli_values(ns: argparse.Namespace) -> dict:
    """Command-line settings given by the user, converted to config-file types."""
    conv = {
        **{key: _split(f"--{key.replace('_', '-')}")
           for key in ("kernels", "modes", "hybrid")},
        "workers": lambda s: parse.parse_int_list("--workers", s.replace(" ", "")),
        "n": lambda s: parse.parse_int_list("--n", s.replace(" ", "")),
        **{key: _convert(int, "an integer", f"--{key.replace('_', '-')}")
           for key in ("repetitions", "max_reruns", "seed", "cores")},
        **{key: _convert(float, "a number", f"--{key.replace('_', '-')}")
           for key in ("timeout", "cv_threshold")},
        "extra_args": _extra,
    }
    out = {}
    for key in CONFIG_SCHEMA:
        value = getattr(ns, key, None)
        if value is not None:
            out[key] = conv[key](value) if key in conv else value
    return out


def as_file(settings: dict) -> dict:
    """Settings as a config file holds them: a mode parameter under its own key."""
    flat = {k: v for k, v in settings.items() if k != "params"}
    flat.update(settings.get("params") or {})
    return flat


def _param_values(rest: list[str]) -> dict:
    """The arguments argparse does not know: mode parameters (--flag=LIST or --flag LIST),
    by key; validate() checks the flags against sumbench's catalogue."""
    out, items = {}, list(rest)
    while items:
        arg = items.pop(0)
        flag, eq, text = arg.partition("=")
        if not eq and items and not items[0].startswith("-"):
            text, eq = items.pop(0), "="
        if not flag.startswith("--") or len(flag) < 3 or not eq:
            raise UsageError(f"unrecognized argument {arg!r}: see --help (a mode parameter "
                             f"takes a value: --FLAG=LIST)")
        out[param_key(flag)] = parse.split_list(flag, text)
    return out


def resolve(argv: list[str] | None = None) -> tuple[dict, dict, argparse.Namespace]:
    """Parse argv -> (full config with the runner's own settings checked, the settings
    given explicitly, namespace). sumbench's names and rules are checked by validate()."""
    ns, rest = build_parser().parse_known_args(argv)
    given = {}
    if ns.config:
        given.update(load_config_file(ns.config))
    given.update(_cli_values(ns))
    given["params"] = {**given.get("params", {}), **_param_values(rest)}
    if not given["params"]:
        del given["params"]
    cfg = {key: default for key, (_, default) in CONFIG_SCHEMA.items()}
    cfg["params"] = {}
    cfg.update(given)
    cfg = {k: (list(v) if isinstance(v, list) else v) for k, v in cfg.items()}
    cfg["sumbench"] = paths.find_sumbench(cfg["sumbench"])
    return check_runner_settings(cfg), given, ns


def check_runner_settings(cfg: dict) -> dict:
    """The settings that are the runner's alone."""
    cfg = dict(cfg)
    if cfg["launcher"] not in LAUNCHERS and cfg["launcher"] not in LEGACY_CHOICES:
        raise UsageError(f"unknown launcher {cfg['launcher']!r}: allowed: {','.join(LAUNCHERS)}")
    if cfg["srun_mpi"] is not None and not cfg["srun_mpi"].replace("_", "").isalnum():
        raise UsageError(f"bad --srun-mpi {cfg['srun_mpi']!r}: an srun --mpi type such as pmix, "
                         f"pmi2 or none (srun --mpi=list)")
    for key, low, high in (("repetitions", 1, MAX_REPETITIONS), ("max_reruns", 0, 100),
                           ("cores", 1, MAX_CORES)):
        if cfg[key] is not None and not low <= cfg[key] <= high:
            raise UsageError(f"bad --{key.replace('_', '-')} {cfg[key]}: must be >= {low} "
                             f"and <= {high}")
    if not cfg["timeout"] > 0:
        raise UsageError(f"bad --timeout {cfg['timeout']}: must be > 0 seconds")
    if not 0 <= cfg["cv_threshold"] < math.inf:
        raise UsageError(f"bad --cv-threshold {cfg['cv_threshold']}: must be >= 0")
    for key in ("workers", "n", "hybrid", "kernels", "modes"):
        if cfg[key] is not None and not cfg[key]:
            raise UsageError(f"empty --{key.replace('_', '-')} list")
    for key, values in cfg.get("params", {}).items():
        if values is not None and not values:
            raise UsageError(f"empty --{key.replace('_', '-')} list")
    for arg in cfg["extra_args"]:
        flag = arg.split("=", 1)[0]
        if flag in OWNED_FLAGS:
            raise UsageError(f"--extra-args may not contain {flag}: the runner sets it; "
                             f"use the sweep option instead")
    return cfg


def catalogue_args(cfg: dict, workers: list[int]) -> list[str]:
    """sumbench flags that make --list=json evaluate this sweep's layouts and sizes, and
    check its values with sumbench's own rules."""
    hybrid = [parse.layout_of(h) for h in parse.parse_layouts("--hybrid", ",".join(cfg["hybrid"]))] \
        if cfg["hybrid"] else []
    every = sorted(set(workers) | {r * t for r, t in hybrid})
    args = [f"--workers={','.join(map(str, every))}"]
    if cfg["hybrid"]:
        args.append(f"--hybrid={','.join(cfg['hybrid'])}")
    if cfg["quick"]:
        args.append("--quick")
    if cfg.get("cpus_flag"):
        args.append(f"--cpus={cfg['cpus']}")
    for key, values in cfg.get("params", {}).items():
        if values:   # a mode's parameter: sumbench checks its values and makes the instances
            args.append(f"--{key.replace('_', '-')}={','.join(values)}")
    return args + list(cfg["extra_args"])


def with_catalogue(cfg: dict, workers: list[int], plain: Optional[Catalogue] = None
                   ) -> tuple[dict, Catalogue]:
    """(cfg validated, sumbench's catalogue for it). sumbench checks every value with its
    own rules (--list=json with the sweep's values); when it refuses, the runner's
    parsers (the same rules, from the plain catalogue) name the value as the user wrote
    it, if they see the problem too. UsageError either way."""
    try:
        cat = Catalogue.from_sumbench(cfg["sumbench"], catalogue_args(cfg, workers))
    except UsageError:
        if plain is None:
            try:
                plain = Catalogue.from_sumbench(cfg["sumbench"])
            except UsageError:
                plain = None
        if plain is not None:
            validate(cfg, plain)
        raise
    return validate(cfg, cat), cat


def check_cpus(cfg: dict, cat: Catalogue) -> dict:
    """--cpus by sumbench's rule (its --cpus flag); an older sumbench without one counts
    logical CPUs, and the runner plans on cores for it."""
    cfg = dict(cfg, cpus_flag=cat.has_flag("--cpus"))
    if cfg["cpus_flag"]:
        cfg["cpus"] = cat.parse("--cpus", cfg["cpus"])
    elif cfg["cpus"] != "cores":
        raise UsageError(f"--cpus {cfg['cpus']}: this sumbench ({cat.origin}) has no --cpus; "
                         f"rebuild it (scripts/build.sh) to plan on hardware threads")
    return cfg


def check_params(cfg: dict, cat: Catalogue) -> dict:
    """The mode parameters given, each a flag of a mode of the catalogue and its values
    by sumbench's rules (the catalogue evaluates the instances: plan.mode_params)."""
    flags = cat.param_flags()
    for arg in cfg["extra_args"]:   # passed as is: sumbench runs every value in each point
        key = param_key(arg.split("=", 1)[0])
        if flags.get(key) == arg.split("=", 1)[0] and (cfg.get("params") or {}).get(key) is not None:
            raise UsageError(f"{flags[key]} is given twice, as a sweep option and in --extra-args; "
                             f"give it once (the sweep option: one point per value)")
    out = {}
    for key, values in (cfg.get("params") or {}).items():
        if key not in flags:
            allowed = ", ".join("--" + k.replace("_", "-") for k in sorted(set(CONFIG_SCHEMA) | set(flags)))
            raise UsageError(f"unknown setting --{key.replace('_', '-')} ({key!r} in a config file): neither "
                             f"the runner's nor a mode parameter of this sumbench; allowed: {allowed} "
                             f"(in a config file: the same names with '_' for '-')")
        if values is not None:
            cat.parse(flags[key], ",".join(values))   # UsageError naming the bad value
            out[key] = list(dict.fromkeys(values))
    return out


def validate(cfg: dict, cat: Catalogue) -> dict:
    """Names and values against sumbench's catalogue; returns a normalised copy."""
    cfg = dict(cfg)

    def names(key, flag, default):
        values = cfg[key] if cfg[key] is not None else default
        return list(dict.fromkeys(cat.parse(flag, ",".join(values))))

    cfg = check_cpus(cfg, cat)
    cfg["kernels"] = names("kernels", "--kernels", cat.default("--kernels"))
    cfg["modes"] = names("modes", "--modes", cat.mode_names())
    cfg["params"] = check_params(cfg, cat)
    scalings = list(cat.flag("--scaling")["choices"]) + [BOTH]
    if cfg["scaling"] not in scalings:
        raise UsageError(f"unknown scaling {cfg['scaling']!r}: allowed: {','.join(scalings)}")
    if cfg["workers"] is not None:
        cfg["workers"] = list(dict.fromkeys(cat.parse("--workers", ",".join(map(str, cfg["workers"])))))
    if cfg["hybrid"] is not None:
        cfg["hybrid"] = list(dict.fromkeys(cat.parse("--hybrid", ",".join(cfg["hybrid"]))))
    if cfg["n"] is not None:
        cfg["n"] = list(dict.fromkeys(cat.parse("--n", str(n)) for n in cfg["n"]))
    return cfg
