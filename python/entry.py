#!/usr/bin/env python3
"""The one entry script of sumbench's commands. runners/*.py, reports/*.py, slurm/*.py
and an installation's bin/sumbench-* are links to it; it runs the command the name it was
started as names, from the table in sumbench/commands.py (`python3 python/entry.py --list`)."""
import os
import sys

sys.dont_write_bytecode = True  # an installed prefix is never written at run time
try:
    from sumbench.commands import entry
except ModuleNotFoundError as e:  # copied away from the package that sits beside it
    if (e.name or "").split(".")[0] != "sumbench":
        raise
    print(f"{os.path.basename(sys.argv[0])}: error: the sumbench package is not beside this script ({e})",
          file=sys.stderr)
    sys.exit(2)
if __name__ == "__main__":
    sys.exit(entry(sys.argv))
