#!/usr/bin/env python3
"""Your own Python function under every concurrency model (runners/pyfunc.py, installed as sumbench-py); the code is sumbench.cli.pyfunc."""
import sys

sys.dont_write_bytecode = True  # an installed prefix is never written at run time
try:
    from sumbench.cli.pyfunc import main
except ModuleNotFoundError as e:  # copied away from the package that sits beside it
    if (e.name or "").split(".")[0] != "sumbench":
        raise
    print(f"sumbench-py: error: the sumbench package is not beside this script ({e})", file=sys.stderr)
    sys.exit(2)
if __name__ == "__main__":
    sys.exit(main())
