"""A Slurm job's final state: sacct, else scontrol / squeue (while slurmctld still
remembers the job), else the slurm.json its own exit trap wrote."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Optional

FINAL_STATES = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE")


def _run(argv: list[str], timeout: float = 30) -> Optional[str]:
    if not shutil.which(argv[0]):
        return None
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def state_from_sacct(job_id: str) -> Optional[dict]:
    out = _run(["sacct", "-n", "-P", "-X", "-j", job_id, "-o", "JobID,State,ExitCode"])
    if not out:
        return None  # accounting_storage/none: sacct errors or has nothing
    for line in out.splitlines():
        parts = line.split("|")
        # An array task is asked for as <array>_<task>, and sacct names it so.
        if len(parts) >= 3 and parts[0].split(".")[0] == job_id:
            state = parts[1].split()[0] if parts[1] else ""
            if state:
                return {"state": state, "exit_code": parts[2], "state_source": "sacct"}
    return None


def state_from_scontrol(job_id: str) -> Optional[dict]:
    out = _run(["scontrol", "show", "job", "-o", job_id])
    if not out:
        return None
    m = re.search(r"\bJobState=(\S+)", out)
    if not m:
        return None
    e = re.search(r"\bExitCode=(\S+)", out)
    found = {"state": m.group(1), "exit_code": e.group(1) if e else "", "state_source": "scontrol"}
    for key, field in (("restarts", "Restarts"), ("slurm_reason", "Reason"),
                       ("deadline", "Deadline")):
        f = re.search(rf"\b{field}=(\S+)", out)
        if f and f.group(1) not in ("None", "N/A", "(null)"):
            found[key] = int(f.group(1)) if key == "restarts" and f.group(1).isdigit() else f.group(1)
    return found


def state_from_squeue(job_id: str) -> Optional[dict]:
    out = _run(["squeue", "-h", "-t", "all", "-j", job_id, "-o", "%T"])
    if not out or not out.strip():
        return None
    return {"state": out.split()[0], "exit_code": "", "state_source": "squeue"}


def state_of_array_task(job_id: str) -> Optional[dict]:
    """A task of an array that Slurm no longer knows while it knows the array: without
    accounting, a task cancelled while pending (scancel A_i) leaves no record at all
    (Slurm 22.05), so it is the array's records that tell."""
    array, _, task = job_id.partition("_")
    if not task.isdigit():
        return None
    out = _run(["scontrol", "show", "job", "-o", array])
    if not out:
        return None
    for line in out.splitlines():
        t = re.search(r"\bArrayTaskId=(\S+)", line)
        for item in (t.group(1) if t else "").split("%")[0].split(","):
            lo, _, hi = item.partition("-")
            if lo.isdigit() and int(lo) <= int(task) <= int(hi or lo):
                return None  # the array still has the task: its state is its own
    return {"state": "CANCELLED", "exit_code": "", "state_source": "scontrol (array)",
            "slurm_reason": f"task {task} is in none of array {array}'s records: removed "
                            f"before it started (scancel of a pending task)"}


def job_state(job_id: str, slurm_json: Optional[dict]) -> dict:
    """{state, exit_code, state_source}, and what scontrol still knows of the job:
    restarts (requeues), slurm_reason (e.g. DeadLine, NodeDown), deadline."""
    extra = {}
    for probe in (state_from_sacct, state_from_scontrol, state_from_squeue):
        found = probe(job_id)
        if found and probe is state_from_scontrol:
            extra = {k: v for k, v in found.items() if k not in ("state", "exit_code", "state_source")}
        if found and found["state"] in FINAL_STATES:
            return dict(extra, **found)
    if slurm_json and slurm_json.get("finished"):
        return dict(extra, state=slurm_json.get("state", "UNKNOWN"),
                    exit_code=str(slurm_json.get("exit_code", "")), state_source="slurm.json")
    gone = state_of_array_task(job_id) if slurm_json is None else None
    if gone:
        return dict(extra, **gone)
    return dict(extra, state="UNKNOWN", exit_code="", state_source="none")
