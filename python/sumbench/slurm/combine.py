"""submit_sweep.py --combine (run by slurm/combine.sbatch once every job has ended):
each job's final state into jobs.json and jobs.csv, each job's results.csv rebuilt from
its point folders, the combined results.csv with links to the jobs' point folders, a
failed point per job that did not complete, and the report."""

from __future__ import annotations

import csv
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

from .. import machine, paths, points, tidy_table
from ..errors import UsageError
from ..io import atomic_write_json, atomic_write_text, read_json_object
from ..schema import read_results_raw, write_results_csv
from . import attempts
from .jobfacts import FILE as SLURM_JSON
from .jobstate import job_state
from .submit import now, say, warn

# restarts: how often Slurm requeued the job (a node failure, a preemption); cause: why
# the attempts that did not complete ended (NODE_FAIL, ...) and, for a job that did not
# complete, why it ended (DEADLINE, ...); reason: Slurm's own words for them.
JOB_COLUMNS = ["job_id", "name", "nodes", "layout", "ranks_per_node", "threads", "scaling",
               "state", "exit_code", "state_source", "record", "restarts", "cause", "reason",
               "deadline", "results_dir", "points", "points_ok", "points_not_ok",
               "points_retried", "rows", "note"]
JOB_POINT_PREFIX = "slurm-job-"
# A job's state that says it ran to its end, and the outcome of its problem point when
# it did not (points.OUTCOMES): it ran out of time; Slurm stopped it; it failed itself.
COMPLETED = "COMPLETED"
JOB_OUTCOMES = {"TIMEOUT": "timeout", "CANCELLED": "interrupted", "PREEMPTED": "interrupted",
                "FAILED": "error", "OUT_OF_MEMORY": "error"}


def point_counts(job_dir: Path) -> tuple[int, int, int, int]:
    """(points, ok, not ok, retried after a launch failure or an interruption)."""
    total = ok = bad = retried = 0
    for p in points.point_dirs(job_dir):
        total += 1
        status = points.read_status(p)
        if status is None:
            continue  # incomplete point (interrupted while it ran)
        ok, bad = (ok + 1, bad) if status["status"] == "ok" else (ok, bad + 1)
        retried += bool(status["history"])
    return total, ok, bad, retried


def why_ended(row: dict, facts: Optional[dict]) -> None:
    """restarts, cause and reason of a jobs.csv row: from the job's attempts (their
    records say why each ended, in Slurm's words) and from what Slurm says now."""
    tried = (facts or {}).get("attempts") or []
    restarts = max([int(row.get("restarts") or 0), len(tried) - 1,
                    int((facts or {}).get("attempt") or 0)])
    causes = attempts.causes(tried)
    reasons = [f"attempt {a.get('attempt')}: " + (a.get("reason") or a.get("state") or "")
               for a in tried if a.get("state") not in (COMPLETED, "RUNNING", None)]
    state = row["state"]
    if state not in (COMPLETED, *causes[-1:]) and state != "UNKNOWN":
        causes.append(state)
    if row.get("slurm_reason"):
        reasons.append(f"Slurm: Reason={row['slurm_reason']}")
    row.update(restarts=restarts, cause=";".join(c for c in causes if c),
               reason="; ".join(reasons), deadline=row.get("deadline") or
               (facts or {}).get("deadline") or "")
    if state == "DEADLINE":
        row["note"] = _join(row["note"], (
            f"Slurm could not run it{' again' if restarts else ''} and end it before its "
            f"deadline {row['deadline'] or ''} (nodes down or a long queue), so it ended "
            f"DEADLINE and the report was built without it"
            + (f"; it had been requeued {restarts} time(s) ({row['cause']})" if restarts else "")))
    elif state == COMPLETED and restarts:
        row["note"] = _join(row["note"], f"completed after {restarts} restart(s) "
                                         f"({row['cause'] or 'cause unknown'})")


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def job_row(job: dict, out: Path, problems: list[str]) -> tuple[dict, list[dict], dict]:
    """(jobs.csv row, the job's results rows with prefixed point ids, point links)."""
    row = {c: "" for c in JOB_COLUMNS}
    row.update({k: job.get(k, "") for k in ("name", "nodes", "layout", "ranks_per_node",
                                            "threads", "scaling")}, command=job.get("command", ""))
    job_id = job.get("job_id")
    if not job_id:
        row.update(state="NOT_SUBMITTED", record="missing",
                   note=f"sbatch failed: {job.get('submit_error', '')}")
        return row, [], {}
    job_dir = out / f"slurm-{job_id}"
    row.update(job_id=job_id, results_dir=str(job_dir))
    facts = None
    if (job_dir / SLURM_JSON).exists():
        facts = read_json_object(job_dir / SLURM_JSON)
        if facts is None:
            row["note"] = f"unreadable {SLURM_JSON}"
    if facts is None:
        row["record"] = "missing"  # the marker: the job never wrote slurm.json
        row["note"] = row["note"] or "the job never wrote slurm.json (it never started, or was killed at once)"
    elif facts.get("finished"):
        row["record"] = "final"
    else:
        row["record"] = "start-only"
        row["note"] = "slurm.json has no end record: the job was killed (SIGKILL, node failure) before its exit trap ran"
    row.update(job_state(job_id, facts))
    if facts and facts.get("exit_code") is not None and row["state_source"] != "slurm.json":
        row["note"] = _join(row["note"], f"exit trap: {facts.get('state')} exit {facts.get('exit_code')}")
    why_ended(row, facts)
    row["facts"] = facts   # manifest.json and the report: the job's Slurm facts in full
    row["machine"] = machine.machine_of(read_json_object(job_dir / "manifest.json"))
    total, ok, bad, retried = point_counts(job_dir)
    row.update(points=total, points_ok=ok, points_not_ok=bad, points_retried=retried)
    rows, links = [], {}
    if (job_dir / "points").is_dir():
        try:
            rows = read_results_raw(tidy_table.rebuild_results(job_dir))  # partial results included
        except (OSError, ValueError) as e:
            problems.append(f"rebuilding {job_dir}/results.csv failed: {e}")
    # Point ids are unique within a job, not across jobs (2x1 on one node and 1x1 on two
    # are both r2t1): prefix them with the job, and link the job's point folder under that
    # name, so the combined folder is a sweep folder of its own.
    for r in rows:
        pid = r.get("point_id") or ""
        r["point_id"] = f"j{job_id}-{pid}"
        links[r["point_id"]] = Path("..") / job_dir.name / "points" / pid
    row["rows"] = len(rows)
    return row, rows, links


def write_job_problems(out: Path, jobs: list[dict]) -> None:
    """One points/slurm-job-<id>/ per job that did not complete, so that the report lists
    it among the failed points (its partial results are in results.csv as usual). Those of
    an earlier combine that are no longer true are removed."""
    folder = out / "points"
    folder.mkdir(exist_ok=True)
    wanted = set()
    for job in jobs:
        if job["state"] == "COMPLETED":
            continue
        tag = job["job_id"] or job["name"]
        pid = f"{JOB_POINT_PREFIX}{tag}"
        wanted.add(pid)
        pdir = folder / pid
        pdir.mkdir(exist_ok=True)
        exit_code = str(job.get("exit_code") or "")
        code = exit_code.split(":")[0]
        reason = (f"Slurm job {tag} ({job['name']}, {job['nodes']} node(s), layout "
                  f"{job['layout']}) ended {job['state']}"
                  + (f" (exit {exit_code}, from {job['state_source']})" if exit_code else
                     f" (from {job['state_source']})")
                  + f"; {job['points_ok'] or 0} point(s) ok and {job['points_not_ok'] or 0} not ok "
                    f"kept in {job['results_dir'] or 'no results folder'}")
        if job["restarts"]:
            reason += f"; requeued {job['restarts']} time(s) ({job['cause']})"
        if job["reason"]:
            reason += f"; {job['reason']}"
        if job["record"] != "final" or job["state"] == "DEADLINE":
            reason += f"; {job['note']}"
        atomic_write_text(pdir / points.COMMAND_TXT, (job.get("command") or f"# Slurm job {tag}") + "\n")
        points.write_status(pdir, point_id=pid, source="slurm",
                            status="timeout" if job["state"] == "TIMEOUT" else "failed",
                            outcome=JOB_OUTCOMES.get(job["state"], "launch"),
                            exit_code=int(code) if code.isdigit() else None, reason=reason,
                            point={"nodes": job["nodes"]},
                            detail={"slurm_job_id": job["job_id"], "slurm_state": job["state"],
                                    "record": job["record"], "restarts": job["restarts"],
                                    "cause": job["cause"]})
    for p in folder.iterdir():
        if p.is_dir() and p.name.startswith(JOB_POINT_PREFIX) and p.name not in wanted:
            shutil.rmtree(p, ignore_errors=True)


def link_points(out: Path, links: dict) -> None:
    """points/j<jobid>-<point_id> -> ../slurm-<jobid>/points/<point_id> (relative links,
    so the sweep folder can be moved); stale links of an earlier combine go."""
    folder = out / "points"
    folder.mkdir(exist_ok=True)
    for name, target in links.items():
        link = folder / name
        if not (folder / target).is_dir():
            continue
        if link.is_symlink() or link.exists():
            if link.is_symlink() and Path(os.readlink(link)) == target:
                continue
            if not link.is_symlink():
                continue  # a real folder: leave it alone
            link.unlink()
        os.symlink(target, link)
    for p in folder.iterdir():
        if p.is_symlink() and re.match(r"j[0-9_]+-", p.name) and p.name not in links:
            p.unlink()


def report_jobs(jobs: list[dict]) -> None:
    say(f"{'job':>10} {'name':<24} {'state':<12} {'exit':<6} {'source':<10} {'record':<10} "
        f"{'restarts':<8} {'cause':<10} points ok/not-ok/retried")
    for r in jobs:
        say(f"{r['job_id'] or '-':>10} {r['name']:<24} {r['state']:<12} {r['exit_code'] or '-':<6} "
            f"{r['state_source'] or '-':<10} {r['record'] or '-':<10} {r['restarts']:<8} "
            f"{r['cause'] or '-':<10} {r['points']} {r['points_ok']}/{r['points_not_ok']}/"
            f"{r['points_retried']}" + (f"  ({r['note']})" if r["note"] else ""))
    for r in jobs:
        if r["state"] == "DEADLINE":
            warn(f"job {r['job_id']} ended DEADLINE: {r['note']}")
        if r["state"] == "COMPLETED":
            continue
        where = r["results_dir"]
        if where and Path(where).is_dir():
            warn(f"job {r['job_id'] or r['name']} ended {r['state']}: its partial results "
                 f"({r['points_ok']} point(s) ok, {r['points_not_ok']} not ok) are kept in {where}")
        else:
            warn(f"job {r['job_id'] or r['name']} ended {r['state']} without a results folder (it never ran)")


def write_tables(out: Path, record: dict, jobs: list[dict], rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=JOB_COLUMNS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(jobs)
    atomic_write_text(out / "jobs.csv", buf.getvalue())
    not_ok = [r for r in jobs if r["state"] != "COMPLETED"]
    atomic_write_json(out / "jobs.json", {
        "schema_version": 1, "combined": now(), "combine_job": os.environ.get("SLURM_JOB_ID"),
        "jobs": jobs, "not_completed": [r["job_id"] or r["name"] for r in not_ok]})
    write_results_csv(out / "results.csv", rows)
    say(f"combined {len(rows)} rows from {sum(1 for r in jobs if r['rows'])} job(s) into {out / 'results.csv'}")
    # A manifest for the combined folder, so the report has the sweep's context: the
    # machine as the jobs' allocations saw it (the largest: cores = nodes x cores per
    # node), and every job's sbatch line and Slurm facts.
    atomic_write_json(out / "manifest.json", {
        "run_id": out.name, "kind": "slurm-sweep", "started": record.get("submitted"),
        "finished": now(), "machine": machine.combined([r.pop("machine", None) for r in jobs]),
        "deadline": record.get("deadline"), "slurm_jobs": jobs,
        "slurm_nodes": record.get("sharing") or ("whole nodes (sbatch --exclusive)"
                                                 if record.get("exclusive") else None),
        "slurm_cores": record.get("whole_cores"),
        "counts": {"jobs": len(jobs), "completed": len(jobs) - len(not_ok),
                   "not_completed": len(not_ok), "rows": len(rows)}})


def combine(sweep_dir: str) -> int:
    out = Path(sweep_dir).resolve()
    record = read_json_object(out / "submit.json")
    if record is None:
        raise UsageError(f"{out}/submit.json: missing or not a JSON object (not a folder made "
                         f"by submit_sweep.py)")
    problems, jobs, rows, links = [], [], [], {}
    for job in record.get("jobs", []):
        row, job_rows, job_links = job_row(job, out, problems)
        jobs.append(row)
        rows += job_rows
        links.update(job_links)
    write_tables(out, record, jobs, rows)
    report_jobs(jobs)
    write_job_problems(out, jobs)
    link_points(out, links)
    report = paths.command("reports/report.py")
    python = os.environ.get("SUMBENCH_PYTHON") or sys.executable or "python3"
    argv = [python, report, str(out), "--out", str(out / "report")]
    if not rows:  # report.py refuses a results.csv without rows: say why there are none
        problems.append("no job of the sweep measured anything, so there is no report: "
                        + "; ".join(f"job {r['job_id'] or r['name']} {r['state']}"
                                    + (f" ({r['cause']})" if r["cause"] else "") for r in jobs)
                        + f" (see {out / 'jobs.csv'})")
    else:
        say(f"report: {shlex.join(argv)}")
        proc = subprocess.run(argv)
        if proc.returncode != 0:
            problems.append(f"report.py failed with exit status {proc.returncode}")
    for p in problems:
        print(f"submit_sweep.py --combine: ERROR: {p}", file=sys.stderr, flush=True)
    return 1 if problems else 0
