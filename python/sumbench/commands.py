"""The one table of sumbench's commands, and the dispatcher that runs them.

Every command is a row: the path a user runs in the source tree (runners/, reports/,
slurm/), the name `cmake --install` gives it in bin (None: no command in bin), the
function that is the command, and what it does in one line. The paths are committed
links to python/entry.py, the one entry script; the installation makes the same links
under <prefix>/share/sumbench and links bin/sumbench-* to it (cmake/install_*.cmake,
which read this table through `python/entry.py --cmake`). entry.py runs the row that
the name it was started as names.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import NamedTuple, Optional


class Command(NamedTuple):
    path: str               # in the source tree and under share/sumbench
    installed: Optional[str]  # bin/<name> after cmake --install
    target: str             # module:function, the function takes argv and returns the exit code
    summary: str


COMMANDS = (
    Command("runners/sweep.py", "sumbench-sweep", "sumbench.cli.sweep:main",
            "run a sweep: one sumbench process and one folder per point, then results.csv"),
    Command("runners/cpython_baseline.py", "sumbench-baseline", "sumbench.cli.cpython_baseline:main",
            "the blog post's experiment in the machine's real CPythons, as sumbench rows"),
    Command("runners/fidelity.py", "sumbench-fidelity", "sumbench.cli.fidelity:main",
            "sumbench's gil policies against the real interpreters they model"),
    Command("runners/pyfunc.py", "sumbench-py", "sumbench.cli.pyfunc:main",
            "your own Python function under every concurrency model of every CPython"),
    Command("runners/tidy.py", "sumbench-tidy", "sumbench.cli.tidy:main",
            "rebuild results.csv of sweep folders from their point folders"),
    Command("reports/report.py", "sumbench-report", "sumbench.cli.report:main",
            "figures, fits and one self-contained HTML page from sweep folders"),
    Command("reports/compare.py", "sumbench-compare", "sumbench.cli.compare:main",
            "compare two runs point by point (ratio of medians, Mann-Whitney U)"),
    Command("reports/summary.py", "sumbench-summary", "sumbench.cli.summary:main",
            "median time, speedup and efficiency of every point, without figures"),
    Command("slurm/submit_sweep.py", "sumbench-submit", "sumbench.cli.submit_sweep:main",
            "submit a sweep over node counts to Slurm, plus a dependent combine job"),
    Command("slurm/slurm_job.py", None, "sumbench.cli.slurm_job:main",
            "a Slurm job's own records (slurm.json, a direct run's point); run by slurm/*.sbatch"),
)
ENTRY = "entry.py"   # python/entry.py: every path and installed name above links to it


def find(invoked: str) -> Optional[Command]:
    """The command a path names: its folder and file name (runners/sweep.py) or its
    installed name (sumbench-sweep), following links until one does."""
    seen = set()
    path = invoked
    while path and path not in seen:
        seen.add(path)
        name = os.path.basename(path)
        folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
        for c in COMMANDS:
            if name == c.installed or f"{folder}/{name}" == c.path:
                return c
        if not os.path.islink(path):
            return None
        target = os.readlink(path)
        path = os.path.join(os.path.dirname(path), target)
    return None


def run(command: Command, argv: Optional[list] = None) -> int:
    module, function = command.target.split(":")
    return getattr(importlib.import_module(module), function)(argv)


def listing() -> str:
    width = max(len(c.path) for c in COMMANDS)
    return "\n".join(f"  {c.path:<{width}}  {c.installed or '-':<18} {c.summary}" for c in COMMANDS)


def cmake_list() -> str:
    """PATH=INSTALLED;... (INSTALLED empty: nothing in bin), for CMakeLists.txt."""
    return ";".join(f"{c.path}={c.installed or ''}" for c in COMMANDS)


def entry(argv: list) -> int:
    """python/entry.py: run the command that argv[0] names; started as entry.py itself,
    --list prints the table, --cmake the list cmake --install links."""
    command = find(argv[0]) if argv and argv[0] else None
    if command is not None:
        return run(command, argv[1:])
    me = os.path.basename(argv[0]) if argv and argv[0] else ENTRY
    if me == ENTRY and argv[1:] in (["--list"], ["--help"], ["-h"]):
        print(f"usage: runners/NAME.py, reports/NAME.py, slurm/NAME.py or the installed sumbench-NAME "
              f"(links to python/{ENTRY}); the commands:\n{listing()}")
        return 0
    if me == ENTRY and argv[1:] == ["--cmake"]:
        print(cmake_list())
        return 0
    names = ", ".join([c.path for c in COMMANDS] + [c.installed for c in COMMANDS if c.installed])
    if me == ENTRY:
        given = f"'{' '.join(argv[1:])}' is not --list or --cmake" if argv[1:] else "no command named"
        print(f"{ENTRY}: error: {given}: run a command through "
              f"its link, one of {names}", file=sys.stderr)
    else:
        print(f"{me}: error: '{argv[0]}' names no sumbench command (a link to python/{ENTRY} "
              f"must be named as one of {names})", file=sys.stderr)
    return 2
