"""The attempts of a Slurm job: Slurm requeues a job whose node failed (or that was
preempted) and runs the same job id again, with SLURM_RESTART_COUNT=1, 2, ... Each
attempt keeps its own record, attempts/<n>/slurm.json, and its own log,
attempts/<n>/job.log (slurm/sumbench.sbatch), and says why the attempt before it ended.

Why an attempt ended comes from Slurm itself: scontrol (Restarts above the attempt's
number: the job was requeued; JobState, Reason) and the line slurmstepd writes into
the job's output file, "*** JOB 12 ON node1 CANCELLED AT ... DUE TO NODE FAILURE ...".
sumbench.sbatch appends to that file (--open-mode=append), so every attempt's lines
stay; each attempt starts with MARKER, so the lines of one attempt can be found.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional

from ..io import read_json_object
from ..runner.allocation import attempt_number as number  # the runner records it too

FOLDER = "attempts"
LOG = "job.log"
# The first line of each attempt in the job's output (and its attempt log).
MARKER = "sumbench.sbatch: job {job} attempt {attempt} starts"
_MARKER_RE = re.compile(r"^sumbench\.sbatch: job (\S+) attempt (\d+) starts", re.M)
# slurmstepd's line when it ends a job or step; the cause after DUE TO.
_STEPD_RE = re.compile(r"\*\*\* ((?:JOB|STEP) \S+ ON \S+ CANCELLED AT \S+(?: DUE TO ([A-Z ]+?))?)"
                       r"(?:,[^*]*)? \*\*\*")
STEPD_CAUSES = {"NODE FAILURE": "NODE_FAIL", "TIME LIMIT": "TIMEOUT", "PREEMPTION": "PREEMPTED",
                "JOB REQUEUE": "REQUEUED"}
# Slurm's states of a job that was requeued and may run again.
REQUEUED = "REQUEUED"
# What an attempt's summary (slurm.json "attempts") keeps of its record.
SUMMARY_KEYS = ("attempt", "started", "finished", "state", "cause", "reason", "exit_code",
                "signal", "node_list", "batch_host", "log")


def folder(out: Path, attempt: int) -> Path:
    return Path(out) / FOLDER / str(attempt)


def scontrol_job(job_id: str, timeout: float = 20) -> dict:
    """`scontrol show job -o ID` as {key: value} ({} when Slurm does not answer)."""
    if not job_id or not shutil.which("scontrol"):
        return {}
    try:
        proc = subprocess.run(["scontrol", "show", "job", "-o", job_id], capture_output=True,
                              text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return {}
    if proc.returncode != 0:
        return {}
    # The id of an array's first task is also the array's: scontrol then prints every
    # task's record, one a line; this job's is the one with its own JobId.
    lines = proc.stdout.splitlines()
    line = next((l for l in lines if re.match(rf"JobId={re.escape(job_id)}\s", l)), lines[0] if lines else "")
    return dict(re.findall(r"(?:^|\s)([A-Za-z:/]+)=(\S*)", line))


def log_segment(text: str, attempt: int) -> str:
    """The lines of one attempt in the job's output: from its MARKER to the next one
    (the whole text when no attempt has a marker, e.g. a log not appended to)."""
    marks = [(int(m.group(2)), m.start()) for m in _MARKER_RE.finditer(text)]
    if not marks:
        return text
    starts = [pos for n, pos in marks if n == attempt]
    if not starts:
        return ""
    later = [pos for n, pos in marks if pos > starts[-1]]
    return text[starts[-1]:later[0] if later else len(text)]


def stepd_cause(text: str) -> tuple[str, str]:
    """(cause, Slurm's line) from the last slurmstepd line that ended a job or step:
    NODE_FAIL, TIMEOUT, PREEMPTED, REQUEUED or CANCELLED; ("", "") when none."""
    found = list(_STEPD_RE.finditer(text))
    if not found:
        return "", ""
    jobs = [m for m in found if m.group(1).startswith("JOB")] or found
    last = jobs[-1]
    due = (last.group(2) or "").strip()
    return STEPD_CAUSES.get(due, "CANCELLED" if not due else due.replace(" ", "_")), \
        last.group(0).strip("* ").strip()


def read_log(path: str) -> str:
    """The job's output file (its last 2 MB), or "" when it cannot be read."""
    if not path:
        return ""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 2_000_000))
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def cause_of(stdout_path: str, attempt: int) -> tuple[str, str]:
    """Why attempt `attempt` ended, from the job's output file: (cause, Slurm's line)."""
    return stepd_cause(log_segment(read_log(stdout_path), attempt))


def record(out: Path, attempt: int) -> Optional[dict]:
    return read_json_object(folder(out, attempt) / "slurm.json")


def summaries(out: Path) -> list[dict]:
    """Every attempt's summary, in order (those without a readable record left out)."""
    base = Path(out) / FOLDER
    numbers = sorted(int(p.name) for p in base.iterdir() if p.name.isdigit()) \
        if base.is_dir() else []
    found = []
    for n in numbers:
        facts = record(out, n)
        if facts is not None:
            found.append({k: facts.get(k) for k in SUMMARY_KEYS})
    return found


def causes(attempts: list[dict]) -> list[str]:
    """The causes of the attempts that did not complete, in order (NODE_FAIL, ...)."""
    return [a.get("cause") or (a.get("state") or "UNKNOWN") for a in attempts
            if a.get("state") not in ("COMPLETED", "RUNNING", None)]
