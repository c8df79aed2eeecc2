"""The job's own record, slurm.json, and the point folder of a direct run.

slurm/sumbench.sbatch calls these (slurm/slurm_job.py) when the job starts, when it
knows its command and from its exit trap; every file goes through the package's atomic
writer. slurm.json keeps the job's Slurm facts, its command and how it ended (also when
it is cancelled, reaches its time limit or is requeued after a node failure);
submit_sweep.py --combine reads it when the accounting has forgotten the job.

A requeued job runs again under the same id (slurm/attempts.py): each attempt writes
attempts/<n>/slurm.json, and slurm.json is the latest attempt's record plus
"attempts", the summary of every attempt (state, cause, Slurm's reason).
"""

from __future__ import annotations

import datetime
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping, Optional

from .. import folders, points, tidy_table
from ..io import atomic_write_json, read_json_object
from . import attempts

FILE = "slurm.json"
# key -> (environment variable, type): "str" as given, "int" a number or null.
ENV_FACTS = {
    "job_id": ("SLURM_JOB_ID", "str"), "array_job_id": ("SLURM_ARRAY_JOB_ID", "str"),
    "array_task_id": ("SLURM_ARRAY_TASK_ID", "str"), "job_name": ("SLURM_JOB_NAME", "str"),
    "cluster": ("SLURM_CLUSTER_NAME", "str"), "partition": ("SLURM_JOB_PARTITION", "str"),
    "account": ("SLURM_JOB_ACCOUNT", "str"), "qos": ("SLURM_JOB_QOS", "str"),
    "nodes": ("SLURM_JOB_NUM_NODES|SLURM_NNODES", "int"), "node_list": ("SLURM_JOB_NODELIST", "str"),
    "ntasks": ("SLURM_NTASKS", "int"), "tasks_per_node": ("SLURM_TASKS_PER_NODE", "str"),
    "ntasks_per_node": ("SLURM_NTASKS_PER_NODE", "int"), "cpus_per_task": ("SLURM_CPUS_PER_TASK", "int"),
    "cpus_on_node": ("SLURM_CPUS_ON_NODE", "int"), "job_cpus_per_node": ("SLURM_JOB_CPUS_PER_NODE", "str"),
    "submit_dir": ("SLURM_SUBMIT_DIR", "str"), "submit_host": ("SLURM_SUBMIT_HOST", "str"),
}


def _env(env: Mapping[str, str], names: str, kind: str):
    value = next((env[n] for n in names.split("|") if env.get(n)), "")
    if kind == "int":
        return int(value) if re.fullmatch(r"-?[0-9]+", value) else None
    return value


def _run(argv: list[str]) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout if proc.returncode == 0 else ""


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _write(out: Path, facts: dict) -> dict:
    """This attempt's record, then slurm.json: the same facts and every attempt's
    summary (attempts/<n>/slurm.json is written first, so the summary includes it)."""
    folder = attempts.folder(out, facts.get("attempt") or 0)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / FILE, facts)
    atomic_write_json(Path(out) / FILE, dict(facts, attempts=attempts.summaries(out)))
    return facts


def _current(out: Path) -> dict:
    """The record of the attempt that runs now (slurm.json's own copy when older)."""
    top = read_json_object(Path(out) / FILE) or {}
    found = attempts.record(out, top.get("attempt") or 0) if "attempt" in top else None
    facts = dict(found if found is not None else top)
    facts.pop("attempts", None)
    return facts


def _close_previous(out: Path, attempt: int, stdout: str) -> None:
    """At the start of a requeued attempt: the record of the attempt before it says that
    it was requeued, and why (Slurm's own line in the job's output). An attempt killed
    before its exit trap ran (its node died, SIGKILL) has no end record of its own."""
    previous = attempts.record(out, attempt - 1)
    if previous is None:
        return
    cause, line = attempts.cause_of(previous.get("stdout") or stdout, attempt - 1)
    changes = {}
    if previous.get("state") != attempts.REQUEUED:
        changes.update(state=attempts.REQUEUED, ended_by_trap=bool(previous.get("finished")))
    if cause and not previous.get("cause"):
        changes.update(cause=cause, reason=line)
    if not previous.get("cause") and not cause:
        changes.update(cause="UNKNOWN", reason="the attempt ended without its exit trap and "
                       "without a line of Slurm's (its node failed, or it was killed)")
    if changes:
        previous.update(changes)
        atomic_write_json(attempts.folder(out, attempt - 1) / FILE, previous)


def claim(out: Path) -> None:
    """The job's folder becomes a sumbench folder (folders.claim: new, empty, or one of
    its own already), which the runner then writes into; anything else is refused."""
    folders.claim(out, "slurm-job", "slurm_job.py", accept=("slurm-job", "sweep"),
                  flag="the job's results folder")


def start(out: Path, *, repo: str, site_file: str, launch: str,
          env: Optional[Mapping[str, str]] = None) -> dict:
    """The first record of an attempt: its facts, state RUNNING. The folder becomes a
    sumbench folder first (folders.claim), which the runner then writes into. A
    requeued attempt first closes the record of the attempt before it."""
    env = os.environ if env is None else env
    claim(out)
    job = env.get("SLURM_JOB_ID", "")
    attempt = attempts.number(env)
    hosts = _run(["scontrol", "show", "hostnames", env.get("SLURM_JOB_NODELIST", "")]).split() \
        if env.get("SLURM_JOB_NODELIST") else []
    limit, _, end = _run(["squeue", "-h", "-j", job, "-o", "%l %e"]).strip().partition(" ")
    print(attempts.MARKER.format(job=job, attempt=attempt) + f" on {socket.gethostname()} at "
          f"{now()}", file=sys.stderr, flush=True)
    slurm = attempts.scontrol_job(job)
    stdout = slurm.get("StdOut", "")
    if attempt > 0:
        _close_previous(out, attempt, stdout)
    facts = {"schema_version": 2}
    facts.update({key: _env(env, names, kind) for key, (names, kind) in ENV_FACTS.items()})
    facts.update(hosts=hosts, time_limit=limit, end_time=end, batch_host=socket.gethostname(),
                 repo=repo, site_file=site_file, results_dir=str(out), launch=launch, command="",
                 omp_num_threads=_env(env, "OMP_NUM_THREADS", "int"), started=now(), finished=None,
                 state="RUNNING", exit_code=None, signal="", state_source="exit_trap",
                 attempt=attempt, restarts=int(slurm.get("Restarts") or attempt),
                 requeue=slurm.get("Requeue", ""), deadline=slurm.get("Deadline", ""),
                 stdout=stdout, log=str(Path(attempts.FOLDER) / str(attempt) / attempts.LOG),
                 cause="", reason="")
    return _write(out, facts)


def update(out: Path, env: Optional[Mapping[str, str]] = None, **changes) -> dict:
    env = os.environ if env is None else env
    facts = _current(out)
    facts.update(changes, omp_num_threads=_env(env, "OMP_NUM_THREADS", "int"))
    return _write(out, facts)


def signal_state(facts: dict) -> str:
    """The time limit and scancel both send SIGTERM: TIMEOUT when the job's end time has
    come (5 s of slack), else CANCELLED."""
    try:
        end = datetime.datetime.fromisoformat(facts.get("end_time") or "")
    except ValueError:
        return "CANCELLED"
    return "TIMEOUT" if datetime.datetime.now() >= end - datetime.timedelta(seconds=5) else "CANCELLED"


def ending(facts: dict, signal: str) -> tuple[str, str, str]:
    """(state, cause, Slurm's line) of an attempt that a signal ends. Slurm's own word
    first: a restart count above this attempt's number means the job was requeued
    (REQUEUED, e.g. after a node failure); else slurmstepd's line in the job's output
    (NODE FAILURE, TIME LIMIT, PREEMPTION, or a plain cancel); else the end time."""
    slurm = attempts.scontrol_job(str(facts.get("job_id") or ""))
    attempt = facts.get("attempt") or 0
    cause, line = attempts.cause_of(facts.get("stdout") or slurm.get("StdOut", ""), attempt)
    restarts = slurm.get("Restarts", "")
    if restarts.isdigit() and int(restarts) > attempt:
        return attempts.REQUEUED, cause, line
    if cause in ("NODE_FAIL", "TIMEOUT", "PREEMPTED", "CANCELLED"):
        return cause, cause, line
    state = signal_state(facts) if signal else "FAILED"
    return state, cause or state, line


def finish(out: Path, exit_code: int, signal: str = "") -> str:
    """The exit trap's record of this attempt; returns its state."""
    facts = _current(out)
    if signal:
        state, cause, line = ending(facts, signal)
    else:
        state, cause, line = ("COMPLETED" if exit_code == 0 else "FAILED"), "", ""
    update(out, state=state, exit_code=exit_code, signal=signal, finished=now(),
           cause=cause, reason=line)
    return state


def direct_command(point_dir: Path, argv: list[str]) -> None:
    """command.json and command.txt of a direct run (sumbench under srun, no runner)."""
    point_dir.mkdir(parents=True, exist_ok=True)
    env = {k: os.environ.get(k, "") for k in ("OMP_NUM_THREADS", "SRUN_CPUS_PER_TASK")}
    points.write_command(point_dir, argv, env, cwd=os.getcwd())


def direct_status(point_dir: Path, job_dir: Path, exit_code: int, wall_s: float,
                  signal: str = "") -> dict:
    """status.json of a direct run, then the job's results.csv."""
    if signal:
        state = ending(_current(job_dir), signal)[0]
        status, reason = ("timeout" if state == "TIMEOUT" else "failed"), f"SIG{signal} ({state})"
    else:
        raw = read_json_object(point_dir / points.RAW)
        status, reason = points.judge_run(exit_code, raw)
    env = os.environ
    written = points.write_status(
        point_dir, point_id=point_dir.name, status=status, exit_code=exit_code, reason=reason,
        wall_s=round(wall_s, 3), launcher="srun", attempts=1,
        slurm_attempt=attempts.number(os.environ),
        point={"nodes": _env(env, "SLURM_JOB_NUM_NODES|SLURM_NNODES", "int"),
               "ranks": _env(env, "SLURM_NTASKS", "int"), "threads": _env(env, "OMP_NUM_THREADS", "int")},
        stderr_tail=(point_dir / points.STDERR).read_text(errors="replace")[-4000:]
        if status != "ok" and (point_dir / points.STDERR).exists() else "")
    tidy_table.rebuild_results(job_dir)
    return written
