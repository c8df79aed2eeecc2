"""A sweep's benchmark jobs (slurm/sumbench.sbatch) as one job array per node count, one
task per layout, and a last job (slurm/combine.sbatch, --dependency=afterany) that
combines them; see slurm/README.md.

Each array asks for whole nodes (--exclusive unless --shared) and whole cores
(wholecores.py), for the memory and the time its points need (sizing.py), and gets a
--deadline of its own (arrays.deadline_span). Its sbatch line names every variable of
this shell that changes the run (provenance.py), so that it can be repeated exactly."""

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
from . import arrays, limits, provenance, sizing, wholecores
from .limits import parse_time

SBATCH_SCRIPT = paths.SLURM_DIR / "sumbench.sbatch"
COMBINE_SCRIPT = paths.SLURM_DIR / "combine.sbatch"
SHARED_NOTE = ("the benchmark jobs did NOT ask for whole nodes (submit_sweep.py --shared): "
               "other jobs may have run on their nodes and slowed them")


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


def job_points(jobs: list[dict], binary: Optional[str] = None) -> None:
    """Each job's runners/sweep.py arguments, checked here as the runner will check them
    in the allocation (its parser, its rules and the catalogue of `binary`), so that a
    bad value is refused before anything is queued; each job gets its settings ("cfg"),
    catalogue ("cat") and points, which size it."""
    from ..runner import config  # the runner's rules, only when submitting
    from ..runner.plan import enumerate_points
    seen = {}
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
        if tuple(argv) not in seen:
            try:
                cfg, _, _ = config.resolve(argv)
                cfg, cat = config.with_catalogue(cfg, cfg["workers"] or [1])
            except UsageError as e:
                raise UsageError(f"--sweep-args: {e}") from None
            seen[tuple(argv)] = (cfg, cat, enumerate_points(cfg, cat, cfg["workers"] or [1])[0])
        job["cfg"], job["cat"], job["points"] = seen[tuple(argv)]


def plan_jobs(args) -> list[dict]:
    nodes = parse_nodes(args.nodes)
    layouts = parse_layouts(args.layouts)
    extra_sweep = _split("--sweep-args", args.sweep_args)
    if args.time != "auto":
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


def _given(options: list[str], *names: str) -> bool:
    return any(o == n or o.startswith(n + "=") for o in options for n in names)


def size_array(args, array: dict, rates: dict, previous: dict, node_mib: Optional[int]) -> dict:
    """The array's --time (args.time, else the largest task's estimate), --mem and their
    reasons, into the array."""
    margin = float(args.time_margin)
    estimates = [sizing.job_seconds(t["points"], array["nodes"], t["cfg"], t["cat"], rates,
                                    previous, margin) for t in array["tasks"]]
    if args.time == "auto":
        secs, how = max(estimates)
        array["time"], array["time_how"] = sizing.slurm_time(secs), f"estimated: {how}"
    else:
        array["time"], array["time_how"] = args.time, "--time"
    for t, (secs, how) in zip(array["tasks"], estimates):
        t["estimate_s"], t["estimate"] = secs, how
    array["mem_mib"] = max(sizing.memory_mib(t["points"], array["nodes"], t["cat"])
                           for t in array["tasks"])
    if node_mib and array["mem_mib"] > node_mib:  # no node has it: the whole node's (--mem=0)
        warn(f"{array['name']}: its largest point needs {array['mem_mib']} MiB a node, more than "
             f"any node of the partition has ({node_mib} MiB): asking for all of a node's "
             f"memory (--mem=0); that point will fail")
        array["mem_mib"] = 0
    return array


def array_argv(args, array: dict, logs: Path, deadline: Optional[str], extra: list[str],
               flags: list[str]) -> list[str]:
    # --requeue and --open-mode=append are sumbench.sbatch's own (#SBATCH): a task whose
    # node fails runs again, and its output file keeps every attempt.
    own = [f"--job-name={array['name']}", f"--nodes={array['nodes']}",
           f"--ntasks-per-node={array['ntasks_per_node']}",
           f"--cpus-per-task={array['cpus_per_task']}", arrays.array_flag(array)]
    if not _given(extra, "--time", "-t"):
        own.append(f"--time={array['time']}")
    if not _given(extra, "--mem", "--mem-per-cpu", "--mem-per-gpu") and args.mem != "none":
        mem = f"{array['mem_mib']}M" if array["mem_mib"] else "0"   # 0: all of a node's
        own.append(f"--mem={mem if args.mem == 'auto' else args.mem}")
    if not args.shared and not _given(extra, "--exclusive", "--oversubscribe", "-s"):
        own.append("--exclusive")
    own += flags
    own += [f"--output={logs}/sumbench-%A_%a.out", "--export=ALL"]
    return sbatch_base(args) + own + ([f"--deadline={deadline}"] if deadline else []) \
        + extra + [str(SBATCH_SCRIPT)]


def _submit_combine(args, ids: list[str], out: Path, logs: Path, common_env: dict, record: dict) -> tuple[str | None, int]:
    extra = _split("--combine-sbatch-args", args.combine_sbatch_args)
    argv = sbatch_base(args) + [
        "--job-name=sumbench-combine", f"--dependency=afterany:{':'.join(ids)}",
        "--kill-on-invalid-dep=no", "--nodes=1", "--ntasks=1", "--cpus-per-task=1",
        f"--time={args.combine_time}", f"--output={logs}/combine-%j.out", "--export=ALL",
    ] + extra + [str(COMBINE_SCRIPT)]
    env = dict(common_env, SUMBENCH_SWEEP_DIR=str(out))
    line = shell_line(argv, provenance.exported(os.environ, env))
    if args.dry_run:
        say(line)
        return None, 0
    combine_id, problem = run_sbatch(argv, env)
    if combine_id is None:
        warn(f"submitting the combine job failed: {problem}")
        warn(f"combine by hand later: python3 {paths.command('slurm/submit_sweep.py')} --combine {out}")
    else:
        say(f"submitted combine: job {combine_id} (after {','.join(ids)})")
    record["combine_job"] = {"job_id": combine_id, "command": line, "submit_error": problem or None}
    atomic_write_json(out / "submit.json", record)
    return combine_id, 0 if combine_id else 1


def _out_folder(args) -> Path:
    default = Path.cwd() / "results" if paths.INSTALLED else paths.SHARE_DIR / "results"
    base = Path(os.environ.get("SUMBENCH_RESULTS") or default)
    out = Path(args.out) if args.out else base / f"slurm-sweep-{time.strftime('%Y%m%d-%H%M%S')}"
    out = out.resolve()
    if folders.kind_of(out) == "slurm":
        raise UsageError(f"{out} already holds a submitted sweep; use another --out")
    if args.dry_run:
        folders.check(out, accept=())
    else:
        folders.claim(out, "slurm", "submit_sweep.py", accept=())
        (out / "logs").mkdir(exist_ok=True)
    return out


def _job_record(job: dict) -> dict:
    return {k: v for k, v in job.items() if k not in ("cfg", "cat", "points")}


def submit(args) -> int:
    jobs = plan_jobs(args)
    extra = _split("--sbatch-args", args.sbatch_args)
    # The binary the jobs run, as a full path (a relative one would be taken from the job's
    # folder): --sumbench, else $SUMBENCH or this installation's, unless --sweep-args names one.
    named = any(a.split("=", 1)[0] == "--sumbench" for j in jobs for a in shlex.split(j["sweep_args"]))
    binary = paths.find_sumbench(args.sumbench) if args.sumbench or not named else None
    job_points(jobs, binary if args.sumbench else None)
    if not shutil.which("sbatch") and not args.dry_run:
        raise UsageError("sbatch not found: run this on a Slurm login node")
    if args.previous and not (Path(args.previous) / "submit.json").is_file():
        raise UsageError(f"--previous {args.previous}: no submit.json there (not a folder made "
                         f"by submit_sweep.py)")
    out = _out_folder(args)
    logs = out / "logs"
    common_env = {"SUMBENCH_ROOT": str(paths.SHARE_DIR), "SUMBENCH_RESULTS": str(out)}
    if binary:
        common_env["SUMBENCH"] = binary
    groups = arrays.group(jobs, args.throttle)
    rates, calibration = {}, "not needed"
    if args.time == "auto" and not limits.sbatch_time("--sbatch-args", extra):
        kernels = sorted({p.kernel for j in jobs for p in j["points"]})
        rates, calibration = sizing.calibrate(binary or jobs[0]["cfg"]["sumbench"], kernels,
                                              jobs[0]["cfg"]["extra_args"])
        say(calibration)
    previous = sizing.previous_times(args.previous)
    hwthreads = any(j["cfg"]["cpus"] == "hwthreads" for j in jobs)
    flags, smt_how = wholecores.flags(args.smt, hwthreads, extra)
    margin = limits.parse_margin(args.deadline_margin)
    node_mib = None if args.dry_run else sizing.node_memory_mib(args.partition)
    for array in groups:
        size_array(args, array, rates, previous, node_mib)
        limit = limits.sbatch_time("--sbatch-args", extra) or array["time"]
        array["deadline"], array["deadline_meaning"] = \
            (None, "deadline: the one in --sbatch-args") if limits.has_deadline(extra) else \
            limits.deadline_after(arrays.deadline_span(array, limits.seconds(limit), margin),
                                  limit, margin)
    if not args.dry_run:  # the site's flag for whole cores, asked of sbatch --test-only
        first = array_argv(args, groups[0], logs, groups[0]["deadline"], extra, flags)
        flags, said = wholecores.probe(args.smt, first, dict(common_env, **arrays.task_env(groups[0])))
        smt_how += f"; {said}" if said else ""
    say(smt_how)
    record = {"schema_version": 2, "submitted": now(), "repo": str(paths.SHARE_DIR), "out": str(out),
              "argv": sys.argv[1:], "nodes": parse_nodes(args.nodes), "layouts": args.layouts,
              "scaling": args.scaling, "sweep_args": args.sweep_args,
              "sbatch_args": args.sbatch_args, "sumbench": binary, "exclusive": not args.shared,
              "sharing": SHARED_NOTE if args.shared else None, "whole_cores": smt_how,
              "calibration": calibration, "previous": args.previous,
              "deadline_margin": args.deadline_margin, "throttle": args.throttle,
              "arrays": [], "jobs": [], "combine_job": None}
    if args.shared:
        warn(SHARED_NOTE)
    ids, failures = [], 0
    for i, array in enumerate(groups):
        argv = array_argv(args, array, logs, array["deadline"], extra, flags)
        env = dict(common_env, **arrays.task_env(array))
        line = shell_line(argv, provenance.exported(os.environ, env))
        mem = next((a for a in argv if a.startswith("--mem")), "no --mem")
        say(f"{array['name']}: {len(array['tasks'])} task(s), --time={array['time']} "
            f"({array['time_how']}), {mem}; {array['deadline_meaning']}")
        entry = {k: array[k] for k in ("name", "nodes", "time", "time_how", "mem_mib", "deadline",
                                       "deadline_meaning", "throttle")}
        entry.update(command=line, array_job_id=None)
        record["arrays"].append(entry)
        if args.dry_run:
            say(line)
            array_id = f"<array{i + 1}>"
        else:
            array_id, problem = run_sbatch(argv, env)
            if array_id is None:
                failures += 1
                warn(f"submitting {array['name']} failed: {problem}")
                entry["submit_error"] = problem
                record["jobs"] += [dict(_job_record(t), command=line, submit_error=problem, job_id=None)
                                   for t in array["tasks"]]
                continue
            say(f"submitted {array['name']}: array job {array_id}")
        entry["array_job_id"] = array_id
        ids.append(array_id)
        for t in array["tasks"]:
            job_id = arrays.task_id(array_id, t["array_index"])
            record["jobs"].append(dict(_job_record(t), command=line, job_id=job_id,
                                       array_job_id=array_id, deadline=array["deadline"],
                                       results_dir=str(out / f"slurm-{job_id}")))
    if not args.dry_run:
        atomic_write_json(out / "submit.json", record)
    combine_id = None
    if not args.no_combine and ids:
        combine_id, failed = _submit_combine(args, ids, out, logs, common_env, record)
        failures += failed
    elif not ids and not args.dry_run:
        warn("no job was submitted")
    if not args.dry_run:
        tasks = [j["job_id"] for j in record["jobs"] if j.get("job_id")]
        say(f"jobs: {' '.join(tasks)}" + (f" combine: {combine_id}" if combine_id else ""))
        say(f"results: {out}")
    return 1 if failures else 0
