"""The usage-error types and the one argparse subclass of every entry point.

A usage error is one line on stderr that names the bad value and what is allowed, and
exit status 2 (docs/DESIGN.md). Entry points raise UsageError (or InputError for an
unusable input file or folder) and turn it into that line with ``run_main``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Optional, Sequence


class UsageError(Exception):
    """A bad argument, config value or environment; the message is the line shown."""


class InputError(UsageError):
    """An input file or folder that cannot be used (a corrupted results.csv, say)."""


class ArgParser(argparse.ArgumentParser):
    """argparse with one-line errors: a bad flag raises UsageError instead of printing
    argparse's usage block, so every entry point reports it the same way."""

    def error(self, message):  # noqa: D401 - argparse's hook
        raise UsageError(message)


def run_main(prog: str, body: Callable[[Optional[Sequence[str]]], int],
             argv: Optional[Sequence[str]] = None) -> int:
    """Run an entry point's body; a UsageError becomes ``prog: error: ...`` and exit 2."""
    try:
        return body(argv)
    except UsageError as e:
        print(f"{prog}: error: {e}", file=sys.stderr, flush=True)
        return 2
