#!/usr/bin/env python3
"""The gil policies against the real interpreters (runners/fidelity.py); the code is sumbench.cli.fidelity."""
import sys

try:
    from sumbench.cli.fidelity import main
except ModuleNotFoundError as e:  # copied away from the package that sits beside it
    if (e.name or "").split(".")[0] != "sumbench":
        raise
    print(f"fidelity.py: error: the sumbench package is not beside this script ({e})", file=sys.stderr)
    sys.exit(2)
if __name__ == "__main__":
    sys.exit(main())
