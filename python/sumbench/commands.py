"""The one table of sumbench's commands, and the dispatcher that runs them.

Every command is a row: the path a user runs in the source tree (runners/, reports/,
slurm/), the name `cmake --install` gives it in bin (None: no command in bin) and what
it does in one line; the function that is the command is main() of the sumbench.cli
module of the path's file name (Command.target). The paths are committed
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
    summary: str

    @property
    def target(self) -> str:
        """module:function, the command's main(argv) returning the exit code: the cli
        module of the path's file name (runners/sweep.py: sumbench.cli.sweep)."""
        return f"sumbench.cli.{os.path.splitext(os.path.basename(self.path))[0]}:main"


COMMANDS = (
    Command("runners/sweep.py", "sumbench-sweep",
            "run a sweep: one sumbench process and one folder per point, then results.csv"),
    Command("runners/cpython_baseline.py", "sumbench-baseline",
            "the blog post's experiment in the machine's real CPythons, as sumbench rows"),
    Command("runners/fidelity.py", "sumbench-fidelity",
            "sumbench's gil policies against the real interpreters they model"),
    Command("runners/pyfunc.py", "sumbench-py",
            "your own Python function under every concurrency model of every CPython"),
    Command("runners/tidy.py", "sumbench-tidy",
            "rebuild results.csv of sweep folders from their point folders"),
    Command("reports/report.py", "sumbench-report",
            "figures, fits and one self-contained HTML page from sweep folders"),
    Command("reports/compare.py", "sumbench-compare",
            "compare two runs point by point (ratio of medians, Mann-Whitney U)"),
    Command("reports/summary.py", "sumbench-summary",
            "median time, speedup and efficiency of every point, without figures"),
    Command("slurm/submit_sweep.py", "sumbench-submit",
            "submit a sweep over node counts to Slurm, plus a dependent combine job"),
    Command("slurm/slurm_job.py", None,
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
