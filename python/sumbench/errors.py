"""The error types, the exit codes and the one wrapper of every entry point.

Exit codes (docs/DESIGN.md, "Exit codes"), the same for every command:

  0  done;  1  the command's own result (a point failed, a significant change, ...)
  2  a usage error: a bad argument, config value, input file or folder, found before
     anything is written (UsageError, InputError)
  3  a runtime error: the disk filled up, a folder became unwritable, an I/O error
     (RuntimeFailure, and any OSError that reaches ``run_main``)
  129 / 130 / 143  interrupted by SIGHUP / SIGINT / SIGTERM (128 + the signal)

Every one of them but 0 and 1 is exactly one line on stderr, ``prog: error: ...``,
never a traceback. ``run_main`` also turns SIGTERM and SIGHUP into an exception, as
Ctrl-C is, so that the clean-up of every ``finally`` runs (temporary files removed, child
process groups killed, a sweep's manifest marked interrupted) when a user or a batch
system stops a command, or its terminal closes (SIGHUP: a closed window, a dropped ssh).
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence

EXIT_OK, EXIT_RESULT, EXIT_USAGE, EXIT_RUNTIME = 0, 1, 2, 3


class UsageError(Exception):
    """A bad argument, config value or environment; the message is the line shown."""


class InputError(UsageError):
    """An input file or folder that cannot be used (a corrupted results.csv, say)."""


class RuntimeFailure(Exception):
    """Something failed while the command worked (disk full, I/O error): exit 3."""


# A full disk or a used-up quota: a runtime error (exit 3) wherever it arises, never a
# usage error, and the point of a sweep that failed on it is not done (it is redone).
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)

# The signals that stop a command cleanly (Interrupted); nohup's SIG_IGN stays ignored.
INTERRUPTS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP arrived. A BaseException, like KeyboardInterrupt, so that only
    clean-up code (``finally``, ``except BaseException``) sees it on its way out."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


# What every command's exit codes 2, 3, 130 and 143 mean; each command says its own 0 and 1.
COMMON_EXITS = ((2, "usage error or unusable input (one line on stderr, nothing written)"),
                (3, "runtime error: disk full, I/O (nothing half-written is left)"),
                ("130/143", "interrupted by SIGINT/SIGTERM"))


def prog_name(default: str) -> str:
    """The name the command was started as, for its messages and --help: the installed
    link (sumbench-report) or the script (report.py); `default` when run otherwise (a test
    calling main() in-process)."""
    invoked = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return invoked if invoked.startswith("sumbench") or invoked == default else default


def exit_text(exits) -> str:
    """'exit status: 0 ..., 1 ..., 2 ..., 3 ..., 130/143 ...' from a command's own codes."""
    codes = list(exits) + [c for c in COMMON_EXITS if c[0] not in dict(exits)]
    return "exit status: " + "; ".join(f"{code} {meaning}" for code, meaning in codes) + \
        " (docs/DESIGN.md, \"Exit codes\")."


def version() -> str:
    """sumbench's version: the installation's (written by cmake --install), else the
    source tree's VERSION file, the one source of it (paths.py: SHARE_DIR). Here, at the
    bottom layer, so that every command's --version needs nothing above errors."""
    try:
        from . import _installed  # absent in a source tree
    except ImportError:
        _installed = None
    if getattr(_installed, "VERSION", None):
        return _installed.VERSION
    try:
        return (Path(__file__).resolve().parents[2] / "VERSION").read_text(encoding="utf-8").strip()
    except OSError:
        return "unknown"


class ArgParser(argparse.ArgumentParser):
    """argparse with one-line errors: a bad flag raises UsageError instead of printing
    argparse's usage block, so every entry point reports it the same way. Every command
    also gets --version, the name it was started as (prog_name) and, given `exits` (its
    own meanings of 0 and 1, as (code, meaning) pairs), its exit codes at the end of --help."""

    def __init__(self, *args, exits=None, **kwargs):
        if kwargs.get("prog"):
            kwargs["prog"] = prog_name(kwargs["prog"])
        if exits is not None:
            epilog = kwargs.get("epilog")
            kwargs["epilog"] = (epilog + " " if epilog else "") + exit_text(exits)
        super().__init__(*args, **kwargs)
        self.add_argument("--version", action="version", version=f"%(prog)s (sumbench) {version()}")

    def error(self, message):  # noqa: D401 - argparse's hook
        raise UsageError(message)


def os_error_text(e: OSError) -> str:
    """'PATH: reason' of an OSError, without Python's [Errno N] noise."""
    what = e.strerror or str(e)
    names = [n for n in (e.filename, getattr(e, "filename2", None)) if n]
    return f"{' -> '.join(map(str, names))}: {what}" if names else what


def _raise_interrupted(signum, _frame):
    # Once is enough: further signals must not cut the clean-up short.
    for sig in INTERRUPTS:
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    """SIGINT, SIGTERM and SIGHUP raise Interrupted (unless the caller ignores them: nohup)."""
    for sig in INTERRUPTS:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _raise_interrupted)


def one_line(text: str) -> str:
    """`text` with every control character (newlines, tabs, ...) escaped: a value the
    user typed, however odd, never splits the one error line."""
    return "".join(ch if ch == " " or ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def say_error(prog: str, message: str) -> None:
    """The one error line: ``prog: error: message``."""
    try:
        print(f"{prog}: error: {one_line(message)}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def run_main(prog: str, body: Callable[[Optional[Sequence[str]]], int],
             argv: Optional[Sequence[str]] = None) -> int:
    """Run an entry point's body with the exit codes above; `prog` is the script's name,
    the messages use the name the command was started as (prog_name)."""
    prog = prog_name(prog)
    install_signal_handlers()
    try:
        return body(argv)
    except UsageError as e:
        say_error(prog, str(e))
        return EXIT_USAGE
    except BrokenPipeError:  # the reader stopped reading (| head): not an error
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return EXIT_OK
    except RuntimeFailure as e:
        say_error(prog, str(e))
        return EXIT_RUNTIME
    except OSError as e:
        say_error(prog, os_error_text(e))
        return EXIT_RUNTIME
    except MemoryError:
        say_error(prog, "out of memory")
        return EXIT_RUNTIME
    except (Interrupted, KeyboardInterrupt) as e:
        signum = e.signum if isinstance(e, Interrupted) else signal.SIGINT
        say_error(prog, f"interrupted ({signal.Signals(signum).name}); nothing half-written is left")
        return 128 + signum
