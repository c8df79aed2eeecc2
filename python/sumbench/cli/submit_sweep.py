"""slurm/submit_sweep.py: submit a sumbench sweep over node counts to Slurm, plus a
dependent combine job.

    python3 slurm/submit_sweep.py --nodes 1,2,4,8 --layouts 2x1,1x2 --scaling both \\
        --sweep-args="--kernels=sum,triad --repetitions=5" -p PART -A ACCT

One job array (slurm/sumbench.sbatch) per node count, one task per layout; layout RxT
means R ranks per node x T threads per rank. Each task runs runners/sweep.py inside its
allocation with --modes=mpi,hybrid --workers=N*R --hybrid=(N*R)xT --scaling=S (then
--sweep-args, which may override any of them) and writes OUT/slurm-<array>_<task>/.
The arrays ask for whole nodes (--exclusive; --shared opts out), whole cores
(--hint=nomultithread or --threads-per-core=1, whichever the site takes; hardware
threads under --cpus=hwthreads), the memory their points need (--mem) and the time
they are estimated to take (--time auto: the previous sweep's times or a calibration
run here, times --time-margin).

Every array gets --deadline = now + its waves (tasks / --throttle) x (its time limit +
--deadline-margin) (default one day; none: no deadline), so that a job that cannot run
(its nodes down after a node failure) ends DEADLINE instead of holding back the report
job forever.

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

import re
import sys

from ..catalogue import Catalogue
from ..errors import ArgParser, UsageError, run_main
from ..paths import find_sumbench
from ..runner.plan import BOTH
from ..slurm.combine import combine
from ..slurm.arrays import DEFAULT_THROTTLE
from ..slurm.limits import DEFAULT_MARGIN
from ..slurm.submit import submit
from ..slurm.wholecores import CHOICES as SMT_CHOICES

PROG = "submit_sweep.py"


def build_parser() -> ArgParser:
    p = ArgParser(
        prog=PROG,
        description="Submit one sumbench job array per node count (a task per layout) and a "
                    "dependent job that combines results.csv and builds the report "
                    "(see slurm/README.md).",
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
    a("--time", default="auto",
      help="time limit of each benchmark job (default auto: estimated from its points, from "
           "--previous or a calibration run here, times --time-margin)")
    a("--time-margin", default="2", help="factor on the estimated time (default 2)")
    a("--previous", metavar="SWEEP_DIR",
      help="an earlier submit_sweep.py folder whose point times size --time auto")
    a("--mem", default="auto",
      help="memory per node: auto (the largest point's arrays, default), none, or sbatch's "
           "--mem value (e.g. 64G)")
    a("--shared", action="store_true",
      help="do not ask for whole nodes (no --exclusive): other jobs may share them; the "
           "report says so")
    a("--smt", default="auto", choices=SMT_CHOICES,
      help="how the jobs ask for whole cores: auto (--hint=nomultithread, else "
           "--threads-per-core=1, asked of sbatch --test-only), hint, threads-per-core, or "
           "threads (hardware threads, as --cpus=hwthreads in --sweep-args does)")
    a("--throttle", default=str(DEFAULT_THROTTLE),
      help=f"most tasks of one array that run at once (--array=...%%N; default {DEFAULT_THROTTLE})")
    a("--combine-time", default="00:30:00", help="time limit of the combine job (default 00:30:00)")
    a("--deadline-margin", default=DEFAULT_MARGIN,
      help="how long a benchmark job may wait in the queue, a requeue after a node failure "
           "included: each array gets --deadline=now + its waves x (its time limit + this "
           "margin), so that a job "
           "that cannot run ends DEADLINE and the report job does not wait forever "
           f"(Slurm time, 0 allowed; default {DEFAULT_MARGIN}; none: no deadline)")
    a("-p", "--partition", help="partition (default: $SBATCH_PARTITION / the site default)")
    a("-A", "--account", help="account (default: $SBATCH_ACCOUNT / the site default)")
    a("--sumbench", metavar="PATH",
      help="the sumbench binary the jobs run: sumbench, or a binary with your own kernels "
           "(sumbench_add_benchmark); default $SUMBENCH, else this installation's or build/sumbench")
    a("--sweep-args", default="",
      help="more runners/sweep.py arguments, shell-quoted in one string, e.g. "
           "--sweep-args='--kernels=sum --quick'; they come last and so override the defaults")
    a("--sbatch-args", default="",
      help="more sbatch options for the benchmark jobs, shell-quoted (e.g. '--constraint=amd')")
    a("--combine-sbatch-args", default="",
      help="more sbatch options for the combine job, shell-quoted")
    a("--no-combine", action="store_true", help="do not submit the combine job")
    a("--dry-run", action="store_true", help="print the sbatch commands, submit nothing")
    a("--combine", metavar="SWEEP_DIR",
      help="(run by the combine job) record job states, combine results.csv, build the report")
    return p


# Options whose value is itself a command line: "--sweep-args --quick" means the value.
_ARGS_OPTIONS = ("--sweep-args", "--sbatch-args", "--combine-sbatch-args")


def joined(argv: list[str]) -> list[str]:
    """--sweep-args VALUE as --sweep-args=VALUE, so that a VALUE that starts with '-'
    (--sweep-args "--kernels=sum") is taken as the value, as it is meant."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] in _ARGS_OPTIONS and i + 1 < len(argv):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def check_numbers(args) -> None:
    try:
        margin = float(args.time_margin)
    except ValueError:
        margin = 0.0
    if not 0 < margin < 1000:
        raise UsageError(f"--time-margin={args.time_margin} is not allowed; use a factor "
                         f"above 0, e.g. 2")
    if not args.throttle.isdigit() or not 1 <= int(args.throttle) <= 10000:
        raise UsageError(f"--throttle={args.throttle} is not allowed; use a whole number "
                         f"from 1 to 10000")
    args.throttle = int(args.throttle)
    if args.mem not in ("auto", "none") and not re.fullmatch(r"[1-9][0-9]*[KMGT]?", args.mem):
        raise UsageError(f"--mem={args.mem} is not allowed; use auto, none, or a size such "
                         f"as 4000M or 64G")


def body(argv) -> int:
    args = build_parser().parse_args(joined(list(sys.argv[1:] if argv is None else argv)))
    if args.combine:
        return combine(args.combine)
    check_numbers(args)
    scalings = Catalogue.from_sumbench(find_sumbench(args.sumbench)).flag("--scaling")["choices"] + [BOTH]
    if args.scaling not in scalings:
        raise UsageError(f"--scaling {args.scaling!r} is not allowed; use {', '.join(scalings)}")
    return submit(args)


def main(argv=None) -> int:
    return run_main(PROG, body, argv)
