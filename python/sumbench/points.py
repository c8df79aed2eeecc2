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
from pathlib import Path
from typing import Any, Optional

from .io import atomic_write_json, atomic_write_text, read_json
from .schema import POINT_STATUSES

NOT_OK = tuple(s for s in POINT_STATUSES if s != "ok")
STATUS_VERSION = 2

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
    "source": "sumbench",      # sumbench | cpython | slurm
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
    "launcher": "",            # direct | mpirun | srun
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
    return out


def write_status(point_dir: os.PathLike | str, **fields: Any) -> dict:
    """The one status.json writer; marks the point complete. Returns what it wrote."""
    status = make_status(**fields)
    atomic_write_json(Path(point_dir) / STATUS, status)
    return status


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
    return status, None


def read_status(point_dir: os.PathLike | str) -> Optional[dict]:
    """The status of a complete point, else None (missing or not a status)."""
    return load_status(point_dir)[0]


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
