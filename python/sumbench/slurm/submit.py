"""One sumbench job (slurm/sumbench.sbatch) per node count x layout, and a last job
(slurm/combine.sbatch, --dependency=afterany) that combines them; see slurm/README.md."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

from .. import folders, parse, paths
from ..errors import UsageError, one_line
from ..io import atomic_write_json
from ..points import shell_line
from . import limits
from .limits import parse_time

SBATCH_SCRIPT = paths.SLURM_DIR / "sumbench.sbatch"
COMBINE_SCRIPT = paths.SLURM_DIR / "combine.sbatch"


def say(msg: str) -> None:
    print(msg, flush=True)


def warn(msg: str) -> None:
    print(f"submit_sweep.py: {one_line(msg)}", file=sys.stderr, flush=True)


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def parse_nodes(text: str) -> list[int]:
    return list(dict.fromkeys(parse.parse_int_list("--nodes", text.replace(" ", ""))))


def parse_layouts(text: str) -> list[tuple[int, int]]:
    """RxT: ranks per node x threads per rank (sumbench's layout syntax)."""
    return list(dict.fromkeys(parse.layout_of(l) for l in
                              parse.parse_layouts("--layouts", text.replace(" ", ""))))


def _split(flag: str, text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as e:
        raise UsageError(f"cannot parse {flag}: {e}") from None


# sweep.py options the job sets itself, or that would make it run nothing.
_SWEEP_OWNED = ("--out", "--dry-run", "--save-config")


def check_sweep_args(jobs: list[dict], binary: Optional[str] = None) -> None:
    """Each job's runners/sweep.py arguments, checked here as the runner will check them
    in the allocation (its parser, its rules and the catalogue of `binary`, the --sumbench
    the jobs run, else the runner's default), so that a bad value is refused before
    anything is queued."""
    from ..runner import config  # the runner's rules, only when submitting
    seen = set()
    for job in jobs:
        argv = shlex.split(job["sweep_args"])
        for arg in argv:
            if arg.split("=", 1)[0] in _SWEEP_OWNED:
                raise UsageError(f"--sweep-args may not contain {arg.split('=', 1)[0]}: "
                                 f"each job sets its own --out")
            if binary and arg.split("=", 1)[0] == "--sumbench":
                raise UsageError("--sweep-args may not contain --sumbench beside submit_sweep.py's "
                                 "--sumbench; give the binary once")
        if binary:
            argv = [f"--sumbench={binary}"] + argv
        if tuple(argv) in seen:
            continue
        seen.add(tuple(argv))
        try:
            cfg, _, _ = config.resolve(argv)
            config.with_catalogue(cfg, cfg["workers"] or [1])
        except UsageError as e:
            raise UsageError(f"--sweep-args: {e}") from None


def plan_jobs(args) -> list[dict]:
    nodes = parse_nodes(args.nodes)
    layouts = parse_layouts(args.layouts)
    extra_sweep = _split("--sweep-args", args.sweep_args)
    parse_time("--time", args.time)
    parse_time("--combine-time", args.combine_time)
    limits.parse_margin(args.deadline_margin)
    limits.sbatch_time("--sbatch-args", _split("--sbatch-args", args.sbatch_args))
    limits.sbatch_time("--combine-sbatch-args", _split("--combine-sbatch-args", args.combine_sbatch_args))
    jobs = []
    for n in nodes:
        for r, t in layouts:
            ranks = n * r
            sweep_args = ["--modes=mpi,hybrid", f"--workers={ranks}", f"--hybrid={ranks}x{t}",
                          f"--scaling={args.scaling}"] + extra_sweep
            jobs.append({"name": f"sumbench-N{n}-{r}x{t}", "nodes": n, "layout": f"{r}x{t}",
                         "ranks_per_node": r, "threads": t, "scaling": args.scaling,
                         "sweep_args": shlex.join(sweep_args)})
    return jobs


def sbatch_base(args) -> list[str]:
    cmd = ["sbatch", "--parsable"]
    if args.partition:
        cmd.append(f"--partition={args.partition}")
    if args.account:
        cmd.append(f"--account={args.account}")
    return cmd


def run_sbatch(argv: list[str], env_add: dict) -> tuple[str | None, str]:
    env = dict(os.environ)
    env.update(env_add)
    try:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    if proc.returncode != 0:
        return None, (proc.stderr or proc.stdout).strip() or f"sbatch exit status {proc.returncode}"
    out = proc.stdout.strip().splitlines()
    job_id = out[-1].split(";")[0].strip() if out else ""
    if not job_id.isdigit():
        return None, f"unexpected sbatch output {proc.stdout!r}"
    return job_id, ""


def job_deadline(args) -> tuple[Optional[str], str]:
    """(--deadline of the benchmark jobs or None, the line that says what it means):
    limits.deadline of their time limit (--time, or the one in --sbatch-args) and
    --deadline-margin; none when --sbatch-args has its own --deadline."""
    extra = _split("--sbatch-args", args.sbatch_args)
    if limits.has_deadline(extra):
        return None, "deadline: the one in --sbatch-args"
    limit = limits.sbatch_time("--sbatch-args", extra) or args.time
    return limits.deadline(limit, limits.parse_margin(args.deadline_margin))


def _job_argv(args, job: dict, logs: Path, deadline: Optional[str]) -> list[str]:
    # --requeue and --open-mode=append are sumbench.sbatch's own (#SBATCH): a job whose
    # node fails runs again, and its output file keeps every attempt.
    return sbatch_base(args) + [
        f"--job-name={job['name']}", f"--nodes={job['nodes']}",
        f"--ntasks-per-node={job['ranks_per_node']}", f"--cpus-per-task={job['threads']}",
        f"--time={args.time}", f"--output={logs}/sumbench-%j.out", "--export=ALL",
    ] + ([f"--deadline={deadline}"] if deadline else []) \
        + shlex.split(args.sbatch_args) + [str(SBATCH_SCRIPT)]


def _submit_combine(args, ids: list[str], out: Path, logs: Path, common_env: dict, record: dict) -> tuple[str | None, int]:
    extra = _split("--combine-sbatch-args", args.combine_sbatch_args)
    argv = sbatch_base(args) + [
        "--job-name=sumbench-combine", f"--dependency=afterany:{':'.join(ids)}",
        "--kill-on-invalid-dep=no", "--nodes=1", "--ntasks=1", "--cpus-per-task=1",
        f"--time={args.combine_time}", f"--output={logs}/combine-%j.out", "--export=ALL",
    ] + extra + [str(COMBINE_SCRIPT)]
    env = dict(common_env, SUMBENCH_SWEEP_DIR=str(out))
    line = shell_line(argv, env)
    if args.dry_run:
        say(line)
        return None, 0
    combine_id, problem = run_sbatch(argv, env)
    if combine_id is None:
        warn(f"submitting the combine job failed: {problem}")
        warn(f"combine by hand later: python3 {paths.entry('submit_sweep.py')} --combine {out}")
    else:
        say(f"submitted combine: job {combine_id} (after {','.join(ids)})")
    record["combine_job"] = {"job_id": combine_id, "command": line, "submit_error": problem or None}
    atomic_write_json(out / "submit.json", record)
    return combine_id, 0 if combine_id else 1


def submit(args) -> int:
    jobs = plan_jobs(args)
    # The binary the jobs run, as a full path (a relative one would be taken from the job's folder).
    binary = paths.find_sumbench(args.sumbench) if args.sumbench else None
    check_sweep_args(jobs, binary)
    if not shutil.which("sbatch") and not args.dry_run:
        raise UsageError("sbatch not found: run this on a Slurm login node")
    default = Path.cwd() / "results" if paths.INSTALLED else paths.SHARE_DIR / "results"
    base = Path(os.environ.get("SUMBENCH_RESULTS") or default)
    out = Path(args.out) if args.out else base / f"slurm-sweep-{time.strftime('%Y%m%d-%H%M%S')}"
    out = out.resolve()
    logs = out / "logs"
    if folders.kind_of(out) == "slurm":
        raise UsageError(f"{out} already holds a submitted sweep; use another --out")
    if args.dry_run:
        folders.check(out, accept=())
    else:
        folders.claim(out, "slurm", "submit_sweep.py", accept=())
        logs.mkdir(exist_ok=True)

    common_env = {"SUMBENCH_ROOT": str(paths.SHARE_DIR), "SUMBENCH_RESULTS": str(out)}
    if binary:
        common_env["SUMBENCH"] = binary
    deadline, meaning = job_deadline(args)
    say(meaning)
    record = {"schema_version": 1, "submitted": now(), "repo": str(paths.SHARE_DIR), "out": str(out),
              "argv": sys.argv[1:], "nodes": parse_nodes(args.nodes), "layouts": args.layouts,
              "scaling": args.scaling, "sweep_args": args.sweep_args,
              "sbatch_args": args.sbatch_args, "sumbench": binary, "deadline": deadline,
              "deadline_margin": args.deadline_margin, "deadline_meaning": meaning,
              "jobs": [], "combine_job": None}
    ids, failures = [], 0
    for i, job in enumerate(jobs):
        argv = _job_argv(args, job, logs, deadline)
        env = dict(common_env, SUMBENCH_SWEEP_ARGS=job["sweep_args"])
        job["command"] = shell_line(argv, env)
        if args.dry_run:
            say(job["command"])
            job_id = f"<job{i + 1}>"
        else:
            job_id, problem = run_sbatch(argv, env)
            if job_id is None:
                failures += 1
                warn(f"submitting {job['name']} failed: {problem}")
                record["jobs"].append(dict(job, submit_error=problem, job_id=None))
                continue
            say(f"submitted {job['name']}: job {job_id}")
        job["job_id"] = job_id
        job["results_dir"] = str(out / f"slurm-{job_id}")
        ids.append(job_id)
        record["jobs"].append(job)
    if not args.dry_run:
        atomic_write_json(out / "submit.json", record)

    combine_id = None
    if not args.no_combine and ids:
        combine_id, failed = _submit_combine(args, ids, out, logs, common_env, record)
        failures += failed
    elif not ids and not args.dry_run:
        warn("no job was submitted")
    if not args.dry_run:
        say(f"jobs: {' '.join(ids)}" + (f" combine: {combine_id}" if combine_id else ""))
        say(f"results: {out}")
    return 1 if failures else 0
