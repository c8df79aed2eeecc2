"""Where the parts of sumbench are, in a source tree and in an installation.

The package lives at <tree>/python/sumbench in a source tree and at
<prefix>/share/sumbench/python/sumbench when installed; the share folder (the tree, or
<prefix>/share/sumbench) holds slurm/ beside python/ in both, and the binary is at
<tree>/build/sumbench or <prefix>/bin/sumbench.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional

PACKAGE_DIR = Path(__file__).resolve().parent
SHARE_DIR = PACKAGE_DIR.parents[1]          # the source tree, or <prefix>/share/sumbench
ENTRY_DIR = PACKAGE_DIR.parent              # python/: the entry scripts
SLURM_DIR = SHARE_DIR / "slurm"
INSTALLED = SHARE_DIR.parent.name == "share"    # <prefix>/share/sumbench, not a source tree
BINARY = SHARE_DIR.parents[1] / "bin" / "sumbench" if INSTALLED else SHARE_DIR / "build" / "sumbench"


def find_sumbench(given: Optional[str] = None, env: Optional[Mapping[str, str]] = None) -> str:
    """The sumbench binary, as an absolute path: --sumbench, else $SUMBENCH, else the one
    next to the installed package, else <tree>/build/sumbench. A relative path is taken
    from the current folder (each point later runs in its own folder)."""
    env = os.environ if env is None else env
    for choice in (given, env.get("SUMBENCH")):
        if choice:
            return os.path.abspath(os.path.expanduser(choice))
    return str(BINARY)


def entry(name: str) -> str:
    """The path of an entry script (sweep.py, report.py, ...) of this installation."""
    return str(ENTRY_DIR / name)
