"""Where the parts of sumbench are, in a source tree and in an installation.

Both layouts have one share folder holding python/ (this package and entry.py), the
commands' links to entry.py (runners/, reports/, slurm/: sumbench.commands), the Slurm
scripts and jube/: the source tree itself, or <prefix>/share/sumbench after
`cmake --install`. The install writes sumbench/_installed.py into the installed package,
with the path of bin/sumbench relative to the package (so a moved prefix still works);
a source tree has no such file, and its binary is <tree>/build/sumbench.

Nothing here writes: an installation is read-only at run time, and every command's
results go under the current folder or its --out (docs/DESIGN.md, "Installation").
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Mapping, Optional

from . import folders

try:  # written by cmake --install (cmake/install_finish.cmake); absent in a source tree
    from . import _installed
except ImportError:
    _installed = None

PACKAGE_DIR = Path(__file__).resolve().parent
ENTRY_DIR = PACKAGE_DIR.parent              # python/: entry.py, the one entry script
SHARE_DIR = ENTRY_DIR.parent                # the source tree, or <prefix>/share/sumbench
SLURM_DIR = SHARE_DIR / "slurm"
JUBE_DIR = SHARE_DIR / "jube"
INSTALLED = _installed is not None
BINARY = Path(os.path.normpath(PACKAGE_DIR / _installed.BINARY)) if INSTALLED \
    else SHARE_DIR / "build" / "sumbench"


def find_sumbench(given: Optional[str] = None, env: Optional[Mapping[str, str]] = None) -> str:
    """The sumbench binary, as an absolute path: --sumbench, else $SUMBENCH, else the one
    of this installation, else <tree>/build/sumbench. A relative path is taken from the
    current folder (each point later runs in its own folder); a bare name that is not
    there is looked up on PATH, as a shell would (`--sumbench sumbench` after a module load)."""
    env = os.environ if env is None else env
    for choice, flag in ((given, "--sumbench"), (env.get("SUMBENCH"), "$SUMBENCH")):
        if choice:
            choice = os.path.expanduser(choice)
            if os.sep not in choice and not os.path.exists(choice):
                found = shutil.which(choice, path=env.get("PATH"))
                if found:
                    choice = found
            folders.require_utf8(choice, flag)   # its path goes into command.txt
            return os.path.abspath(choice)
    return str(BINARY)


def command(path: str) -> str:
    """The full path of a command of this source tree or installation, given as its row
    of sumbench.commands names it (reports/report.py, slurm/submit_sweep.py)."""
    from .commands import COMMANDS
    if path not in [c.path for c in COMMANDS]:
        raise ValueError(f"{path} is not a command of sumbench.commands")
    return str(SHARE_DIR / path)
