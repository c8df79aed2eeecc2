"""slurm/slurm_job.py: the records a Slurm job of sumbench writes about itself, called
by slurm/sumbench.sbatch so that no JSON is written in bash.

    slurm_job.py claim OUT_DIR                    the job's folder becomes sumbench's
    slurm_job.py start OUT_DIR --repo DIR --site-file FILE --launch sweep|direct
    slurm_job.py command OUT_DIR COMMAND          the job's command, into slurm.json
    slurm_job.py finish OUT_DIR EXIT_CODE [SIGNAL]  prints the job's state
    slurm_job.py direct-command POINT_DIR -- ARGV...
    slurm_job.py direct-status POINT_DIR OUT_DIR EXIT_CODE WALL_S [SIGNAL]
    slurm_job.py srun-mpi [SUMBENCH]              prints srun's --mpi type: $SLURM_MPI_TYPE,
                                                  else the site's MpiDefault (empty if unknown),
                                                  but pmi2 for an MPICH SUMBENCH on a PMIx site
    slurm_job.py where        "installed" or "source", then the sumbench binary (paths.py)

Exit status: 0 written, 2 usage error (also a job folder that is not sumbench's),
3 an I/O error (docs/DESIGN.md, "Exit codes").
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import paths
from ..catalogue import Catalogue
from ..errors import ArgParser, UsageError, run_main
from ..runner import launchers
from ..slurm import jobfacts

PROG = "slurm_job.py"


def parser() -> argparse.ArgumentParser:
    p = ArgParser(prog=PROG, description="A Slurm job's records (slurm.json, a direct run's point).",
                  exits=((0, "written"), (2, "usage error, or a job folder that is not sumbench's")))
    sub = p.add_subparsers(dest="what", required=True, parser_class=ArgParser)
    s = sub.add_parser("claim")
    s.add_argument("out", type=Path)
    s = sub.add_parser("start")
    s.add_argument("out", type=Path)
    s.add_argument("--repo", required=True)
    s.add_argument("--site-file", default="")
    s.add_argument("--launch", required=True, choices=("sweep", "direct"))
    s = sub.add_parser("command")
    s.add_argument("out", type=Path)
    s.add_argument("command")
    s = sub.add_parser("finish")
    s.add_argument("out", type=Path)
    s.add_argument("exit_code", type=int)
    s.add_argument("signal", nargs="?", default="")
    s = sub.add_parser("direct-command")
    s.add_argument("point", type=Path)
    s.add_argument("argv", nargs=argparse.REMAINDER)
    s = sub.add_parser("direct-status")
    s.add_argument("point", type=Path)
    s.add_argument("out", type=Path)
    s.add_argument("exit_code", type=int)
    s.add_argument("wall_s", type=float)
    s.add_argument("signal", nargs="?", default="")
    s = sub.add_parser("srun-mpi")
    s.add_argument("sumbench", nargs="?", default="")
    sub.add_parser("where")
    return p


def srun_mpi(sumbench: str) -> str:
    """srun's --mpi type for `sumbench` (its MPI from its catalogue); how it was chosen
    goes to stderr, the job's log."""
    kind = ""
    if sumbench:
        try:
            kind = (Catalogue.from_sumbench(sumbench).doc.get("mpi") or {}).get("kind", "")
        except UsageError as e:  # sumbench itself says so again when it is started
            print(f"{PROG}: note: sumbench's MPI unknown ({e})", file=sys.stderr)
    mpi_type, notes = launchers.srun_mpi_type(kind, env=os.environ)
    for note in notes:
        print(f"{PROG}: {note}", file=sys.stderr)
    return mpi_type


def body(argv) -> int:
    a = parser().parse_args(argv)
    if a.what == "claim":
        jobfacts.claim(a.out)
    elif a.what == "start":
        jobfacts.start(a.out, repo=a.repo, site_file=a.site_file, launch=a.launch)
    elif a.what == "command":
        jobfacts.update(a.out, command=a.command)
    elif a.what == "finish":
        print(jobfacts.finish(a.out, a.exit_code, a.signal))
    elif a.what == "srun-mpi":
        print(srun_mpi(a.sumbench))
    elif a.what == "where":
        print("installed" if paths.INSTALLED else "source")
        print(paths.find_sumbench())
    elif a.what == "direct-command":
        jobfacts.direct_command(a.point, a.argv[1:] if a.argv[:1] == ["--"] else a.argv)
    else:
        jobfacts.direct_status(a.point, a.out, a.exit_code, a.wall_s, a.signal)
    return 0


def main(argv=None) -> int:
    return run_main(PROG, body, argv)
