#!/usr/bin/env python3
"""Submit a sumbench sweep over node counts to Slurm, plus a dependent combine job.

    python3 slurm/submit_sweep.py --nodes 1,2,4,8 --layouts 2x1,1x2 --scaling both \
        --sweep-args "--kernels=sum,triad --repetitions=5" -p PART -A ACCT

One job (slurm/sumbench.sbatch) per node count x layout; layout RxT means R ranks
per node x T threads per rank (sbatch --nodes=N --ntasks-per-node=R
--cpus-per-task=T). Each job runs runners/sweep.py inside its allocation with
--modes=mpi,hybrid --workers=N*R --hybrid=(N*R)xT --scaling=S (then --sweep-args,
which may override any of them) and writes OUT/slurm-<jobid>/.

A last job (slurm/combine.sbatch, --dependency=afterany:<all ids>) runs
``submit_sweep.py --combine OUT`` once the others have ended, whatever their state:
it records every job's final state (sacct, else scontrol, else the slurm.json the
job's exit trap wrote; a marker when the job never wrote one) in OUT/jobs.json and
OUT/jobs.csv, rebuilds each job's results.csv from its point folders
(runners/tidy.py), concatenates them into OUT/results.csv, and builds the report
with reports/report.py OUT --out OUT/report. It fails loudly when tidy.py or
report.py is missing.

--dry-run prints the sbatch commands and submits nothing. Standard library only.
Exit status: 0 submitted (or combined) fine, 1 a submission or the combine failed,
2 usage error.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SBATCH_SCRIPT = REPO / "slurm" / "sumbench.sbatch"
COMBINE_SCRIPT = REPO / "slurm" / "combine.sbatch"
FINAL_STATES = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE")
JOB_COLUMNS = ["job_id", "name", "nodes", "layout", "ranks_per_node", "threads", "scaling",
               "state", "exit_code", "state_source", "record", "results_dir", "points",
               "points_ok", "points_not_ok", "rows", "note"]


class UsageError(Exception):
    pass


def say(msg: str) -> None:
    print(msg, flush=True)


def warn(msg: str) -> None:
    print(f"submit_sweep.py: {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------- files

def atomic_write_text(path: Path, text: str) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_json(path: Path, obj) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2) + "\n")


def read_json(path: Path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


# ----------------------------------------------------------------------- parsing

def parse_nodes(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise UsageError(f"bad node count {part!r}: expected positive integers, e.g. 1,2,4,8")
        out.append(int(part))
    if not out:
        raise UsageError("empty --nodes list: expected e.g. 1,2,4,8")
    return list(dict.fromkeys(out))


def parse_layouts(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"([0-9]+)x([0-9]+)", part)
        if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
            raise UsageError(f"bad layout {part!r}: expected RxT (ranks per node x threads "
                             f"per rank) with positive integers, e.g. 2x1,1x2")
        out.append((int(m.group(1)), int(m.group(2))))
    if not out:
        raise UsageError("empty --layouts list: expected e.g. 2x1,1x2")
    return list(dict.fromkeys(out))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="submit_sweep.py",
        description="Submit one sumbench job per node count x layout and a dependent job "
                    "that combines results.csv and builds the report (see slurm/README.md).",
        epilog="Arguments whose value starts with '-' need '=': --sweep-args='--quick'.")
    a = p.add_argument
    a("--nodes", default="1,2,4,8", help="comma list of node counts (default 1,2,4,8)")
    a("--layouts", default="2x1",
      help="comma list of RxT: ranks per node x threads per rank (default 2x1)")
    a("--scaling", default="strong", choices=("strong", "weak", "both"),
      help="strong, weak or both (default strong)")
    a("--out", help="sweep folder (default $SUMBENCH_RESULTS or <repo>/results, "
                    "then slurm-sweep-<timestamp>)")
    a("--time", default="01:00:00", help="time limit of each benchmark job (default 01:00:00)")
    a("--combine-time", default="00:30:00", help="time limit of the combine job (default 00:30:00)")
    a("-p", "--partition", help="partition (default: $SBATCH_PARTITION / the site default)")
    a("-A", "--account", help="account (default: $SBATCH_ACCOUNT / the site default)")
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


# ----------------------------------------------------------------------- submit

def sbatch_base(args) -> list[str]:
    cmd = ["sbatch", "--parsable"]
    if args.partition:
        cmd.append(f"--partition={args.partition}")
    if args.account:
        cmd.append(f"--account={args.account}")
    return cmd


def plan_jobs(args) -> list[dict]:
    nodes = parse_nodes(args.nodes)
    layouts = parse_layouts(args.layouts)
    try:
        extra_sweep = shlex.split(args.sweep_args)
        shlex.split(args.sbatch_args)
    except ValueError as e:
        raise UsageError(f"cannot parse --sweep-args/--sbatch-args: {e}")
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


def shell_line(env: dict, argv: list[str]) -> str:
    return " ".join([f"{k}={shlex.quote(v)}" for k, v in env.items()] + [shlex.join(argv)])


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


def submit(args) -> int:
    jobs = plan_jobs(args)
    if not shutil.which("sbatch") and not args.dry_run:
        raise UsageError("sbatch not found: run this on a Slurm login node")
    base = Path(os.environ.get("SUMBENCH_RESULTS") or REPO / "results")
    out = Path(args.out) if args.out else base / f"slurm-sweep-{time.strftime('%Y%m%d-%H%M%S')}"
    out = out.resolve()
    logs = out / "logs"
    if not args.dry_run:
        if (out / "submit.json").exists():
            raise UsageError(f"{out} already holds a submitted sweep; use another --out")
        logs.mkdir(parents=True, exist_ok=True)

    common_env = {"SUMBENCH_ROOT": str(REPO), "SUMBENCH_RESULTS": str(out)}
    record = {"schema_version": 1, "submitted": now(), "repo": str(REPO), "out": str(out),
              "argv": sys.argv[1:], "nodes": parse_nodes(args.nodes), "layouts": args.layouts,
              "scaling": args.scaling, "sweep_args": args.sweep_args,
              "sbatch_args": args.sbatch_args, "jobs": [], "combine_job": None}
    ids, failures = [], 0
    for i, job in enumerate(jobs):
        argv = sbatch_base(args) + [
            f"--job-name={job['name']}", f"--nodes={job['nodes']}",
            f"--ntasks-per-node={job['ranks_per_node']}", f"--cpus-per-task={job['threads']}",
            f"--time={args.time}", f"--output={logs}/sumbench-%j.out", "--export=ALL",
        ] + shlex.split(args.sbatch_args) + [str(SBATCH_SCRIPT)]
        env = dict(common_env, SUMBENCH_SWEEP_ARGS=job["sweep_args"])
        job["command"] = shell_line(env, argv)
        if args.dry_run:
            say(job["command"])
            job_id = f"<job{i + 1}>"
        else:
            job_id, problem = run_sbatch(argv, env)
            if job_id is None:
                failures += 1
                warn(f"submitting {job['name']} failed: {problem}")
                job["submit_error"] = problem
                job["job_id"] = None
                record["jobs"].append(job)
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
        try:
            extra = shlex.split(args.combine_sbatch_args)
        except ValueError as e:
            raise UsageError(f"cannot parse --combine-sbatch-args: {e}")
        argv = sbatch_base(args) + [
            "--job-name=sumbench-combine", f"--dependency=afterany:{':'.join(ids)}",
            "--kill-on-invalid-dep=no", "--nodes=1", "--ntasks=1", "--cpus-per-task=1",
            f"--time={args.combine_time}", f"--output={logs}/combine-%j.out", "--export=ALL",
        ] + extra + [str(COMBINE_SCRIPT)]
        env = dict(common_env, SUMBENCH_SWEEP_DIR=str(out))
        line = shell_line(env, argv)
        if args.dry_run:
            say(line)
        else:
            combine_id, problem = run_sbatch(argv, env)
            if combine_id is None:
                failures += 1
                warn(f"submitting the combine job failed: {problem}")
                warn(f"combine by hand later: python3 {REPO / 'slurm' / 'submit_sweep.py'} --combine {out}")
            else:
                say(f"submitted combine: job {combine_id} (after {','.join(ids)})")
            record["combine_job"] = {"job_id": combine_id, "command": line,
                                     "submit_error": problem or None}
            atomic_write_json(out / "submit.json", record)
    elif not ids and not args.dry_run:
        warn("no job was submitted")

    if not args.dry_run:
        say(f"jobs: {' '.join(ids)}" + (f" combine: {combine_id}" if combine_id else ""))
        say(f"results: {out}")
    return 1 if failures else 0


# ----------------------------------------------------------------------- combine

def _run(argv: list[str], timeout: float = 30) -> str | None:
    if not shutil.which(argv[0]):
        return None
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout


def state_from_sacct(job_id: str) -> dict | None:
    out = _run(["sacct", "-n", "-P", "-X", "-j", job_id, "-o", "JobID,State,ExitCode"])
    if not out:
        return None  # accounting_storage/none: sacct errors or has nothing
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) >= 3 and parts[0].split("_")[0].split(".")[0] == job_id:
            state = parts[1].split()[0] if parts[1] else ""
            if state:
                return {"state": state, "exit_code": parts[2], "state_source": "sacct"}
    return None


def state_from_scontrol(job_id: str) -> dict | None:
    out = _run(["scontrol", "show", "job", "-o", job_id])
    if not out:
        return None
    m = re.search(r"\bJobState=(\S+)", out)
    if not m:
        return None
    e = re.search(r"\bExitCode=(\S+)", out)
    return {"state": m.group(1), "exit_code": e.group(1) if e else "",
            "state_source": "scontrol"}


def state_from_squeue(job_id: str) -> dict | None:
    out = _run(["squeue", "-h", "-t", "all", "-j", job_id, "-o", "%T"])
    if not out or not out.strip():
        return None
    return {"state": out.split()[0], "exit_code": "", "state_source": "squeue"}


def job_state(job_id: str, slurm_json: dict | None) -> dict:
    """Final state: sacct, else scontrol / squeue (while slurmctld remembers the job),
    else the slurm.json written by the job's own exit trap."""
    for probe in (state_from_sacct, state_from_scontrol, state_from_squeue):
        found = probe(job_id)
        if found and found["state"] in FINAL_STATES:
            return found
    if slurm_json and slurm_json.get("finished"):
        return {"state": slurm_json.get("state", "UNKNOWN"),
                "exit_code": str(slurm_json.get("exit_code", "")),
                "state_source": "slurm.json"}
    return {"state": "UNKNOWN", "exit_code": "", "state_source": "none"}


def _load_tidy():
    path = REPO / "runners" / "tidy.py"
    if not path.is_file():
        return None
    sys.path.insert(0, str(REPO / "python"))
    from sumbench import schema, tidy  # noqa: E402
    tidy.read_csv, tidy.write_csv_atomic = schema.read_results_raw, schema.write_results_csv
    return tidy


def _point_counts(job_dir: Path) -> tuple[int, int, int]:
    total = ok = bad = 0
    points = job_dir / "points"
    if not points.is_dir():
        return 0, 0, 0
    for p in points.iterdir():
        if not p.is_dir() or p.name.startswith("."):
            continue
        total += 1
        try:
            st = read_json(p / "status.json").get("status")
        except (OSError, ValueError):
            continue  # incomplete point (killed while it ran)
        if st == "ok":
            ok += 1
        else:
            bad += 1
    return total, ok, bad


JOB_POINT_PREFIX = "slurm-job-"


def write_job_problems(out: Path, jobs: list[dict]) -> None:
    """One points/slurm-job-<id>/status.json per job that did not complete, so that
    reports/report.py lists it among the failed points (its partial results are in
    results.csv as usual). Stale entries of an earlier combine are removed."""
    points = out / "points"
    points.mkdir(exist_ok=True)
    wanted = set()
    for job in jobs:
        if job["state"] == "COMPLETED":
            continue
        tag = job["job_id"] or job["name"]
        pid = f"{JOB_POINT_PREFIX}{tag}"
        wanted.add(pid)
        pdir = points / pid
        pdir.mkdir(exist_ok=True)
        exit_code = str(job.get("exit_code") or "")
        code = exit_code.split(":")[0]
        reason = (f"Slurm job {tag} ({job['name']}, {job['nodes']} node(s), layout "
                  f"{job['layout']}) ended {job['state']}"
                  + (f" (exit {exit_code}, from {job['state_source']})" if exit_code else
                     f" (from {job['state_source']})")
                  + f"; {job['points_ok'] or 0} point(s) ok and {job['points_not_ok'] or 0} not ok "
                    f"kept in {job['results_dir'] or 'no results folder'}")
        if job["record"] != "final":
            reason += f"; {job['note']}"
        status = {"point_id": pid, "status": "timeout" if job["state"] == "TIMEOUT" else "failed",
                  "exit_code": int(code) if code.isdigit() else None, "reason": reason,
                  "slurm_job_id": job["job_id"], "slurm_state": job["state"],
                  "record": job["record"], "point": {"nodes": job["nodes"]}}
        atomic_write_text(pdir / "command.txt", (job.get("command") or f"# Slurm job {tag}") + "\n")
        atomic_write_json(pdir / "status.json", status)
    for p in points.iterdir():
        if p.is_dir() and p.name.startswith(JOB_POINT_PREFIX) and p.name not in wanted:
            shutil.rmtree(p, ignore_errors=True)


def link_points(out: Path, links: dict) -> None:
    """points/j<jobid>-<point_id> -> ../slurm-<jobid>/points/<point_id> (relative links,
    so the sweep folder can be moved); stale links of an earlier combine go."""
    points = out / "points"
    points.mkdir(exist_ok=True)
    for name, target in links.items():
        link = points / name
        if not (points / target).is_dir():
            continue
        if link.is_symlink() or link.exists():
            if link.is_symlink() and Path(os.readlink(link)) == target:
                continue
            if link.is_symlink():
                link.unlink()
            else:
                continue  # a real folder: leave it alone
        os.symlink(target, link)
    for p in points.iterdir():
        if p.is_symlink() and re.match(r"j[0-9_]+-", p.name) and p.name not in links:
            p.unlink()


def combine(sweep_dir: str) -> int:
    out = Path(sweep_dir).resolve()
    problems = []
    try:
        record = read_json(out / "submit.json")
    except (OSError, ValueError) as e:
        raise UsageError(f"{out}/submit.json: {e} (not a folder made by submit_sweep.py)")
    tidy = _load_tidy()
    if tidy is None:
        problems.append(f"runners/tidy.py (the rebuild function) is missing in {REPO}: "
                        f"results.csv not built")
    report = REPO / "reports" / "report.py"

    jobs_out, all_rows, links = [], [], {}
    for job in record.get("jobs", []):
        job_id = job.get("job_id")
        row = {c: "" for c in JOB_COLUMNS}
        row.update(name=job.get("name", ""), nodes=job.get("nodes", ""),
                   layout=job.get("layout", ""), ranks_per_node=job.get("ranks_per_node", ""),
                   threads=job.get("threads", ""), scaling=job.get("scaling", ""))
        row["command"] = job.get("command", "")
        if not job_id:
            row.update(job_id="", state="NOT_SUBMITTED", record="missing",
                       note=f"sbatch failed: {job.get('submit_error', '')}")
            jobs_out.append(row)
            continue
        job_dir = out / f"slurm-{job_id}"
        row["job_id"] = job_id
        row["results_dir"] = str(job_dir)
        slurm_json = None
        if (job_dir / "slurm.json").exists():
            try:
                slurm_json = read_json(job_dir / "slurm.json")
            except (OSError, ValueError) as e:
                row["note"] = f"unreadable slurm.json: {e}"
        if slurm_json is None:
            row["record"] = "missing"  # the marker: the job never wrote slurm.json
            row["note"] = row["note"] or "the job never wrote slurm.json (it never started, or was killed at once)"
        elif slurm_json.get("finished"):
            row["record"] = "final"
        else:
            row["record"] = "start-only"
            row["note"] = "slurm.json has no end record: the job was killed (SIGKILL, node failure) before its exit trap ran"
        row.update(job_state(job_id, slurm_json))
        if slurm_json and slurm_json.get("exit_code") is not None and row["state_source"] != "slurm.json":
            row["note"] = (row["note"] + "; " if row["note"] else "") + \
                f"exit trap: {slurm_json.get('state')} exit {slurm_json.get('exit_code')}"
        total, ok, bad = _point_counts(job_dir)
        row.update(points=total, points_ok=ok, points_not_ok=bad)
        rows = []
        if tidy is not None and (job_dir / "points").is_dir():
            try:
                tidy.rebuild_results(job_dir)  # partial results of failed jobs included
                rows = tidy.read_csv(job_dir / "results.csv")
            except Exception as e:  # noqa: BLE001 - report, keep combining the others
                problems.append(f"rebuilding {job_dir}/results.csv failed: {e}")
        # Point ids are unique within a job, not across jobs (2x1 on one node and 1x1 on
        # two are both r2t1): prefix them with the job, and link the job's point folder
        # under that name, so the combined folder is a sweep folder of its own.
        for r in rows:
            pid = r.get("point_id") or ""
            r["point_id"] = f"j{job_id}-{pid}"
            links[r["point_id"]] = Path("..") / job_dir.name / "points" / pid
        row["rows"] = len(rows)
        all_rows.extend(rows)
        jobs_out.append(row)

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=JOB_COLUMNS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for row in jobs_out:
        w.writerow(row)
    atomic_write_text(out / "jobs.csv", buf.getvalue())
    not_ok = [r for r in jobs_out if r["state"] != "COMPLETED"]
    atomic_write_json(out / "jobs.json", {
        "schema_version": 1, "combined": now(), "combine_job": os.environ.get("SLURM_JOB_ID"),
        "jobs": jobs_out, "not_completed": [r["job_id"] or r["name"] for r in not_ok]})

    say(f"{'job':>10} {'name':<24} {'state':<12} {'exit':<6} {'source':<10} {'record':<10} points ok/not-ok")
    for r in jobs_out:
        say(f"{r['job_id'] or '-':>10} {r['name']:<24} {r['state']:<12} {r['exit_code'] or '-':<6} "
            f"{r['state_source'] or '-':<10} {r['record'] or '-':<10} {r['points']} {r['points_ok']}/{r['points_not_ok']}"
            + (f"  ({r['note']})" if r["note"] else ""))
    for r in not_ok:
        where = r["results_dir"]
        if where and Path(where).is_dir():
            warn(f"job {r['job_id'] or r['name']} ended {r['state']}: its partial results "
                 f"({r['points_ok']} point(s) ok, {r['points_not_ok']} not ok) are kept in {where}")
        else:
            warn(f"job {r['job_id'] or r['name']} ended {r['state']} without a results folder "
                 f"(it never ran)")

    write_job_problems(out, jobs_out)
    link_points(out, links)

    if tidy is not None:
        tidy.write_csv_atomic(out / "results.csv", all_rows)
        say(f"combined {len(all_rows)} rows from {sum(1 for r in jobs_out if r['rows'])} job(s) "
            f"into {out / 'results.csv'}")
        # A manifest for the combined folder, so the report has the sweep's context.
        manifest = {"run_id": out.name, "kind": "slurm-sweep", "started": record.get("submitted"),
                    "finished": now(), "slurm_jobs": jobs_out,
                    "counts": {"jobs": len(jobs_out), "completed": len(jobs_out) - len(not_ok),
                               "not_completed": len(not_ok), "rows": len(all_rows)}}
        atomic_write_json(out / "manifest.json", manifest)

    rc = 0
    if not report.is_file():
        problems.append(f"reports/report.py is missing in {REPO}: no report built")
    elif tidy is not None:
        python = os.environ.get("SUMBENCH_PYTHON") or sys.executable or "python3"
        argv = [python, str(report), str(out), "--out", str(out / "report")]
        say(f"report: {shlex.join(argv)}")
        proc = subprocess.run(argv)
        if proc.returncode != 0:
            problems.append(f"report.py failed with exit status {proc.returncode}")
            rc = proc.returncode
    for p in problems:
        print(f"submit_sweep.py --combine: ERROR: {p}", file=sys.stderr, flush=True)
    return (rc or 1) if problems else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.combine:
            return combine(args.combine)
        return submit(args)
    except UsageError as e:
        print(f"submit_sweep.py: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
