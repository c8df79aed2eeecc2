"""The point folder (docs/DESIGN.md): its file names, the one status.json writer and the
one reader, and command.json/command.txt.

A point is complete when status.json exists and reads as a status; it is written last.
Every writer (the sweep runner, the CPython baseline, the Slurm job and combine) writes
the one shape below; the reader turns the shapes of older folders into it and answers
None for a file that is not a status (a redo, not a point that counts as done).
"""

from __future__ import annotations

import os
import shlex
import signal
from pathlib import Path
from typing import Any, Optional

from .errors import DISK_FULL
from .io import atomic_write_json, atomic_write_text, read_json
from .schema import POINT_STATUSES, time_problem, value_problem

NOT_OK = tuple(s for s in POINT_STATUSES if s != "ok")
STATUS_VERSION = 3   # 3: outcome, slurm_attempt, history (2 and older are migrated)

# What became of a point's run, finer than its status: the runner's retry rule.
#   ok           measured and validated
#   invalid      sumbench ran and a result failed validation (or a time is no measurement)
#   error        sumbench ran and failed by its own account: exit 1 with its error line
#                (a case does not fit in memory, a set-up failed, the output not written)
#   usage        sumbench refused its arguments (exit 2 with its error line)
#   timeout      the point ran over the runner's --timeout
#   launch       no verdict of sumbench's: the launcher or a node failed (srun's "Node
#                failure", a signal, an exit status that is not sumbench's, cannot start)
#   interrupted  the runner was stopped while the point ran (no status.json is written:
#                the folder holds no status; running.json remains only after kill -9)
OUTCOMES = ("ok", "invalid", "error", "usage", "timeout", "launch", "interrupted")
# A requeued Slurm job (SLURM_RESTART_COUNT above the attempt that ran the point)
# reruns these, and never the others: they would fail the same way again.
RETRIED_ON_REQUEUE = ("launch", "interrupted")
# sumbench's one-line error (docs/DESIGN.md, "Exit codes"): a run that printed it ended
# by sumbench's own verdict, not by its launcher's.
SUMBENCH_ERROR = "sumbench: error:"

STATUS = "status.json"
COMMAND_JSON = "command.json"
COMMAND_TXT = "command.txt"
RAW = "raw.json"           # Google Benchmark JSON (sumbench points)
ROWS = "rows.json"         # the CSV rows themselves (points of other sources)
STDOUT = "stdout.txt"
STDERR = "stderr.txt"
RUNNING = "running.json"   # only while a point runs: the process to stop if the runner dies

# status.json: every key, in order, with its value when a writer has none.
STATUS_FIELDS: dict[str, Any] = {
    "schema_version": STATUS_VERSION,
    "point_id": "",
    "source": "sumbench",      # sumbench | cpython | pyfunc | slurm
    "point": {},               # kernel, mode, ranks, threads, workers, scaling, n, ...
    "status": "failed",        # one of POINT_STATUSES
    "exit_code": None,
    "reason": "",              # why the status is not ok
    "wall_s": None,
    "launch_s": None,
    "load_before": None,       # os.getloadavg() before and after
    "load_after": None,
    "oversubscribed": False,
    "oversubscribe_flag": False,
    "launcher": "",            # direct | openmpi | mpich | srun (older folders: mpirun)
    "env": {},
    "warnings": [],
    "attempts": 1,
    "cv": None,
    "cv_history": [],
    "unstable": False,
    "timeout_s": None,
    "started": None,
    "finished": None,
    "stderr_tail": "",
    "launch_output": "",
    "outcome": "",             # one of OUTCOMES (outcome_of)
    "slurm_attempt": None,     # the Slurm job's attempt (SLURM_RESTART_COUNT) that ran it
    "history": [],             # earlier runs of this point that were retried: outcome, reason, ...
    "detail": {},              # what one writer alone records (Slurm job facts, ...)
}


def make_status(**fields: Any) -> dict:
    unknown = set(fields) - set(STATUS_FIELDS)
    if unknown:
        raise TypeError(f"status.json has no field(s) {', '.join(sorted(unknown))}")
    if fields.get("status", "failed") not in POINT_STATUSES:
        raise ValueError(f"status {fields['status']!r} is not one of {POINT_STATUSES}")
    out = {key: fields.get(key, default) for key, default in STATUS_FIELDS.items()}
    out["schema_version"] = STATUS_VERSION
    if not out["outcome"]:
        out["outcome"] = outcome_of(out["status"], out["exit_code"], out["stderr_tail"])
    if out["outcome"] not in OUTCOMES:
        raise ValueError(f"outcome {out['outcome']!r} is not one of {OUTCOMES}")
    return out


def outcome_of(status: str, exit_code: Optional[int], stderr: str = "") -> str:
    """The outcome (OUTCOMES) of a run whose status, exit status and stderr are known:
    the one rule of the runner, a Slurm job's direct run and the migration."""
    if status in ("ok", "invalid", "timeout"):
        return status
    if SUMBENCH_ERROR in (stderr or "") and exit_code in (1, 2):
        return "usage" if exit_code == 2 else "error"
    return "launch"


def disk_full_line(stderr: str) -> Optional[str]:
    """The line of a run's stderr that says the disk filled up or the quota ran out
    (strerror of ENOSPC or EDQUOT, as in sumbench's "could not write --benchmark_out=PATH:
    No space left on device"), else None. Such a run is no result of its point: the
    runner writes no status.json, stops (exit 3), and the next run redoes the point."""
    marks = [os.strerror(e) for e in DISK_FULL]
    return next((line.strip() for line in (stderr or "").splitlines()
                 if any(m in line for m in marks)), None)


def redo_reason(status: Optional[dict], retry_failed: bool = False,
                slurm_attempt: Optional[int] = None) -> Optional[str]:
    """Why a sweep that resumes runs a point again ("" for a point never completed),
    or None to keep it: --retry-failed reruns every point that is not ok; a requeued
    Slurm job (slurm_attempt above the attempt that ran the point) reruns the points
    whose outcome is in RETRIED_ON_REQUEUE, once per attempt; an ok, invalid, error,
    usage or timeout point stays."""
    if status is None:
        return ""
    if retry_failed and status["status"] in NOT_OK:
        return f"retry {status['status']}"
    ran_in = status.get("slurm_attempt") or 0
    if slurm_attempt and status.get("outcome") in RETRIED_ON_REQUEUE and ran_in < slurm_attempt:
        return (f"retry after a {status['outcome']} failure in attempt {ran_in} of this "
                f"Slurm job ({status.get('reason') or status['status']})")
    return None


def history_entry(status: dict) -> dict:
    """What a retried point keeps of its earlier run (status.json "history")."""
    return {k: status.get(k) for k in ("status", "outcome", "reason", "exit_code",
                                       "slurm_attempt", "started", "finished")}


def write_status(point_dir: os.PathLike | str, **fields: Any) -> dict:
    """The one status.json writer; marks the point complete. Returns what it wrote."""
    status = make_status(**fields)
    atomic_write_json(Path(point_dir) / STATUS, status)
    return status


# Fields that results.csv takes over (tidy), checked as their column (schema.value_problem);
# the point's own fields as their columns too (a failed point's row is made of them).
_COLUMN_FIELDS = ("cv", "launch_s", "unstable", "oversubscribed")
_POINT_COLUMNS = ("kernel", "mode", "ranks", "threads", "workers", "nodes", "scaling", "n",
                  "gil_policy", "check_interval", "interpreter_version")
# The other fields the runner and the reports read, with their JSON types (null allowed).
_NUMBER = (int, float)
_FIELD_TYPES = {"point_id": str, "source": str, "point": dict, "exit_code": int, "reason": str,
                "wall_s": _NUMBER, "attempts": int, "timeout_s": _NUMBER, "slurm_attempt": int,
                "launcher": str, "env": dict, "started": str, "finished": str, "outcome": str,
                "stderr_tail": str, "launch_output": str, "cv_history": list, "detail": dict}


def field_problem(doc: dict) -> Optional[str]:
    """Why a status.json's fields make it no status (None when they are fine): a field
    of the wrong JSON type, or one that results.csv takes over and its column refuses
    ({"status": "ok", "cv": "x"} would put cv=x into results.csv, which every report
    then refuses). Such a point is not done: the runner redoes it."""
    for key, kind in _FIELD_TYPES.items():
        value = doc.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
            what = f"a {kind.__name__}" if isinstance(kind, type) else "a number"
            return f"field {key} {value!r} is not {what}"
    for key in _COLUMN_FIELDS:
        problem = value_problem(key, doc.get(key))
        if problem:
            return f"field {problem}"
    point = doc.get("point") or {}
    for key in _POINT_COLUMNS:
        problem = value_problem(key, point.get(key))
        if problem:
            return f"field point.{problem}"
    return None


def _loads(value) -> Optional[list]:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [value]  # the baseline wrote the 1-minute load alone
    return value if isinstance(value, list) else None


def migrate_status(doc: dict) -> Optional[dict]:
    """The one shape from any status.json ever written; None if `doc` is not a status."""
    if doc.get("status") not in POINT_STATUSES:
        return None
    out = {key: doc.get(key, default) for key, default in STATUS_FIELDS.items()}
    out["detail"] = dict(doc.get("detail") or {})
    # Keys of older writers: the Slurm job's problem points kept their facts at the top.
    for key in set(doc) - set(STATUS_FIELDS):
        out["detail"].setdefault(key, doc[key])
    out["schema_version"] = STATUS_VERSION
    out["point"] = doc.get("point") if isinstance(doc.get("point"), dict) else {}
    out["load_before"] = _loads(doc.get("load_before"))
    out["load_after"] = _loads(doc.get("load_after"))
    out["oversubscribed"] = bool(doc.get("oversubscribed"))
    out["unstable"] = bool(doc.get("unstable"))
    out["warnings"] = [str(w) for w in doc.get("warnings") or []] \
        if isinstance(doc.get("warnings"), list) else []
    out["history"] = [h for h in doc.get("history") or [] if isinstance(h, dict)] \
        if isinstance(doc.get("history"), list) else []
    if out["outcome"] not in OUTCOMES:   # older shapes: by the same rule
        out["outcome"] = outcome_of(out["status"], out["exit_code"], str(out["stderr_tail"] or ""))
    if "source" not in doc:
        out["source"] = "cpython" if str(doc.get("point_id", "")).startswith("cpython-") else "sumbench"
    return out


def load_status(point_dir: os.PathLike | str) -> tuple[Optional[dict], Optional[str]]:
    """(status, problem): (dict, None) for a complete point, (None, None) when there is
    no status.json, (None, why) when there is one that is not a status."""
    path = Path(point_dir) / STATUS
    try:
        doc = read_json(path)
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as e:
        return None, f"{path}: corrupted: not valid JSON ({e})"
    if not isinstance(doc, dict):
        return None, f"{path}: corrupted: not a JSON object"
    status = migrate_status(doc)
    if status is None:
        return None, f"{path}: status {doc.get('status')!r} is not one of {', '.join(POINT_STATUSES)}"
    problem = field_problem(doc)
    if problem:
        return None, f"{path}: corrupted: {problem}"
    return status, None


# ------------------------------------------------------------ the measurements

TIME_UNIT_S = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}   # Google Benchmark's units


def iteration_entries(doc: Any) -> list[dict]:
    """The per-repetition entries of a Google Benchmark JSON (aggregates left out)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        return []
    return [b for b in doc["benchmarks"]
            if isinstance(b, dict) and b.get("run_type", "iteration") == "iteration"]


def entry_time_s(entry: dict) -> Any:
    """real_time of one entry in seconds, or the raw value when it has no known unit."""
    real_time, unit = entry.get("real_time"), entry.get("time_unit", "ns")
    if isinstance(real_time, (int, float)) and not isinstance(real_time, bool) and unit in TIME_UNIT_S:
        return float(real_time) * TIME_UNIT_S[unit]
    return real_time


def raw_verdict(doc: Any) -> tuple[str, str]:
    """(ok | invalid | failed, reason) of a point's raw.json, whatever its exit status
    said: failed when it holds no measurement, invalid when a result failed validation
    or a time is not a measurement (schema.time_problem)."""
    if not isinstance(doc, dict):
        return "failed", "raw.json is not a Google Benchmark JSON object"
    entries = iteration_entries(doc)
    bad = [b for b in entries if b.get("error_occurred") or b.get("valid", 1) == 0]
    if bad:
        return "invalid", f"{len(bad)} invalid result(s): {bad[0].get('error_message') or 'valid=0'}"
    for b in entries:
        problem = time_problem(entry_time_s(b))
        if problem:
            return "invalid", f"{b.get('name', '?')}: real_time {b.get('real_time')!r} " \
                              f"{b.get('time_unit', '')}: {problem}"
    if not entries:
        return "failed", "no benchmark results in raw.json"
    return "ok", ""


def judge_run(exit_code: Optional[int], doc: Any) -> tuple[str, str]:
    """(status, reason) of a sumbench run from its exit status and its raw.json (None
    when it wrote none): the one rule of the runner and of a Slurm job's direct run."""
    verdict, why = raw_verdict(doc) if doc is not None else ("failed", "no raw.json")
    if verdict == "invalid":
        return verdict, why
    if exit_code != 0:
        if exit_code is not None and exit_code < 0:
            return "failed", f"killed by signal {signal.Signals(-exit_code).name}"
        return "failed", f"exit status {exit_code}"
    return verdict, why


def _rows_problem(value: Any) -> Optional[str]:
    if not (isinstance(value, list) and value and all(isinstance(r, dict) for r in value)):
        return "rows.json holds no rows"
    for r in value:
        if r.get("status") == "ok":
            problem = time_problem(r.get("time_s"))
            if problem:
                return f"rows.json: {problem}"
    return None


def measurement_problem(point_dir: os.PathLike | str) -> Optional[str]:
    """Why an ok point's measurements are not usable (None when they are): rows.json
    (points of other sources) or raw.json missing, torn, empty or with bad times."""
    point_dir = Path(point_dir)
    source = ROWS if (point_dir / ROWS).exists() else RAW
    try:
        doc = read_json(point_dir / source)
    except FileNotFoundError:
        return f"no {source}"
    except (OSError, ValueError) as e:
        return f"{source} unreadable ({e})"
    if source == ROWS:
        return _rows_problem(doc)
    verdict, why = raw_verdict(doc)
    return None if verdict == "ok" else why


def load_point(point_dir: os.PathLike | str) -> tuple[Optional[dict], Optional[str]]:
    """Like load_status, and an ok point must also hold its measurements: a point whose
    status says ok but whose raw.json is torn or gone is not complete (it is redone)."""
    status, problem = load_status(point_dir)
    if status is not None and status["status"] == "ok":
        why = measurement_problem(point_dir)
        if why:
            return None, f"{Path(point_dir) / STATUS}: says ok, but {why}"
    return status, problem


def read_status(point_dir: os.PathLike | str) -> Optional[dict]:
    """The status of a complete point, else None (missing, not a status, or an ok
    point without usable measurements)."""
    return load_point(point_dir)[0]


def status_of(point_dir: os.PathLike | str) -> Optional[str]:
    status = read_status(point_dir)
    return status["status"] if status else None


def write_command(point_dir: os.PathLike | str, argv: list[str], env: dict[str, str],
                  **extra: Any) -> None:
    """command.json (argv, env, cwd and what else a writer records) and command.txt,
    the same command as one shell line with the environment first."""
    point_dir = Path(point_dir)
    atomic_write_json(point_dir / COMMAND_JSON, {"argv": argv, "env": env,
                                                 "cwd": str(extra.pop("cwd", point_dir)), **extra})
    atomic_write_text(point_dir / COMMAND_TXT, shell_line(argv, env) + "\n")


def shell_line(argv: list[str], env: Optional[dict[str, str]] = None) -> str:
    assigns = [f"{k}={shlex.quote(v)}" for k, v in (env or {}).items()]
    return " ".join(assigns + [shlex.join(argv)])


def point_dirs(sweep_dir: os.PathLike | str) -> list[Path]:
    """The point folders of a sweep folder, sorted (hidden names left out)."""
    points = Path(sweep_dir) / "points"
    if not points.is_dir():
        return []
    return sorted(p for p in points.iterdir() if p.is_dir() and not p.name.startswith("."))
