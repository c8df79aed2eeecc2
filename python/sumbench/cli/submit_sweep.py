"""slurm/submit_sweep.py: submit a sumbench sweep over node counts to Slurm, plus a
dependent combine job.

    python3 slurm/submit_sweep.py --nodes 1,2,4,8 --layouts 2x1,1x2 --scaling both \\
        --sweep-args "--kernels=sum,triad --repetitions=5" -p PART -A ACCT

One job (slurm/sumbench.sbatch) per node count x layout; layout RxT means R ranks per
node x T threads per rank (sbatch --nodes=N --ntasks-per-node=R --cpus-per-task=T).
Each job runs runners/sweep.py inside its allocation with --modes=mpi,hybrid
--workers=N*R --hybrid=(N*R)xT --scaling=S (then --sweep-args, which may override any
of them) and writes OUT/slurm-<jobid>/.

Every benchmark job gets --deadline = now + its time limit + --deadline-margin (default
one day; none: no deadline), so that a job that cannot run (its nodes down after a node
failure) ends DEADLINE instead of holding back the report job forever.

A last job (slurm/combine.sbatch, --dependency=afterany:<all ids>) runs
``submit_sweep.py --combine OUT`` once the others have ended, whatever their state: it
records every job's final state (sacct, else scontrol, else the slurm.json the job's
exit trap wrote; a marker when the job never wrote one) in OUT/jobs.json and
OUT/jobs.csv, rebuilds each job's results.csv from its point folders, concatenates them
into OUT/results.csv, and builds the report (reports/report.py OUT --out OUT/report).

--dry-run prints the sbatch commands and submits nothing. Standard library only.
Every value is checked before the first sbatch (--time, --sweep-args with the runner's
own rules, ...). Exit status: 0 submitted (or combined) fine, 1 a submission or the
combine failed, 2 usage error, 3 I/O error, 129/130/143 interrupted (docs/DESIGN.md).
"""

from __future__ import annotations

from ..catalogue import Catalogue
from ..errors import ArgParser, UsageError, run_main
from ..paths import find_sumbench
from ..runner.config import BOTH
from ..slurm.combine import combine
from ..slurm.limits import DEFAULT_MARGIN
from ..slurm.submit import submit

PROG = "submit_sweep.py"


def build_parser() -> ArgParser:
    p = ArgParser(
        prog=PROG,
        description="Submit one sumbench job per node count x layout and a dependent job "
                    "that combines results.csv and builds the report (see slurm/README.md).",
        epilog="Arguments whose value starts with '-' need '=': --sweep-args='--quick'.",
        exits=((0, "submitted (or, with --combine, combined and reported)"),
               (1, "a submission, or the combine or its report, failed")))
    a = p.add_argument
    a("--nodes", default="1,2,4,8", help="comma list of node counts (default 1,2,4,8)")
    a("--layouts", default="2x1",
      help="comma list of RxT: ranks per node x threads per rank (default 2x1)")
    a("--scaling", default="strong", help=f"strong, weak or {BOTH} (default strong)")
    a("--out", help="sweep folder (default $SUMBENCH_RESULTS, else <repo>/results, or "
                    "./results when installed; then slurm-sweep-<timestamp>)")
    a("--time", default="01:00:00", help="time limit of each benchmark job (default 01:00:00)")
    a("--combine-time", default="00:30:00", help="time limit of the combine job (default 00:30:00)")
    a("--deadline-margin", default=DEFAULT_MARGIN,
      help="how long a benchmark job may wait in the queue, a requeue after a node failure "
           "included: each gets --deadline=now + its time limit + this margin, so that a job "
           "that cannot run ends DEADLINE and the report job does not wait forever "
           f"(Slurm time, 0 allowed; default {DEFAULT_MARGIN}; none: no deadline)")
    a("-p", "--partition", help="partition (default: $SBATCH_PARTITION / the site default)")
    a("-A", "--account", help="account (default: $SBATCH_ACCOUNT / the site default)")
    a("--sumbench", metavar="PATH",
      help="the sumbench binary the jobs run: sumbench, or a binary with your own kernels "
           "(sumbench_add_benchmark); default $SUMBENCH, else this installation's or build/sumbench")
    a("--sweep-args", default="",
      help="more runners/sweep.py arguments, shell-quoted in one string, e.g. "
           "'--kernels=sum --quick'; they come last and so override the defaults")
    a("--sbatch-args", default="",
      help="more sbatch options for the benchmark jobs, shell-quoted (e.g. '--exclusive')")
    a("--combine-sbatch-args", default="",
      help="more sbatch options for the combine job, shell-quoted")
    a("--no-combine", action="store_true", help="do not submit the combine job")
    a("--dry-run", action="store_true", help="print the sbatch commands, submit nothing")
    a("--combine", metavar="SWEEP_DIR",
      help="(run by the combine job) record job states, combine results.csv, build the report")
    return p


def body(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.combine:
        return combine(args.combine)
    scalings = Catalogue.from_sumbench(find_sumbench(args.sumbench)).flag("--scaling")["choices"] + [BOTH]
    if args.scaling not in scalings:
        raise UsageError(f"--scaling {args.scaling!r} is not allowed; use {', '.join(scalings)}")
    return submit(args)


def main(argv=None) -> int:
    return run_main(PROG, body, argv)
