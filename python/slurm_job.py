#!/usr/bin/env python3
"""The Slurm job's own records: slurm.json and the direct run's point (slurm/sumbench.sbatch); the code is sumbench.cli.slurm_job."""
import sys

sys.dont_write_bytecode = True  # an installed prefix is never written at run time
try:
    from sumbench.cli.slurm_job import main
except ModuleNotFoundError as e:  # copied away from the package that sits beside it
    if (e.name or "").split(".")[0] != "sumbench":
        raise
    print(f"slurm_job.py: error: the sumbench package is not beside this script ({e})", file=sys.stderr)
    sys.exit(2)
if __name__ == "__main__":
    sys.exit(main())
