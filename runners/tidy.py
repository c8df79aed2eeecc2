"""Tidy results: point folders -> ``results.csv`` (schema_version 1, see docs/DESIGN.md).

Self-contained on purpose (standard library only, no imports from the rest of
``runners/``) so that ``runners/cpython_baseline.py`` and ``reports/`` can use it
either as ``import tidy`` (with ``runners/`` on sys.path) or ``from runners import tidy``.

Public API:
    COLUMNS, SCHEMA_VERSION
    parse_benchmark_name(name)              -> dict
    rows_from_gbench_json(doc, **point)     -> list of row dicts
    failed_point_row(**point)               -> one row dict with empty measurements
    rows_for_point(point_dir, run_id)       -> rows of one point folder
    rebuild_results(sweep_dir)              -> path of the rewritten results.csv
    write_csv_atomic(path, rows), read_csv(path)
    atomic_write_text(path, text), atomic_write_json(path, obj)
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable

SCHEMA_VERSION = 1

COLUMNS = [
    "run_id", "point_id", "source", "kernel", "mode", "ranks", "threads", "workers",
    "nodes", "scaling", "n", "repetition", "time_s", "items_per_s", "bytes_per_s",
    "valid", "oversubscribed", "hosts", "switch_interval_s", "gil_policy", "status",
    "cv", "unstable", "launch_s", "io_latency_s", "combine_bytes", "schema_version",
]

# Point statuses written by the runner into status.json.
STATUSES = ("ok", "failed", "invalid", "timeout")

_TIME_UNIT_S = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
_INTERVAL_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0}

# Fields that describe the measurement; left empty for a failed point.
MEASUREMENT_FIELDS = ("repetition", "time_s", "items_per_s", "bytes_per_s", "valid",
                      "hosts", "io_latency_s", "combine_bytes")


# --------------------------------------------------------------------------- files

def atomic_write_text(path: os.PathLike | str, text: str) -> None:
    """Write ``text`` to a temp file in the same folder, fsync, then rename over ``path``.

    Readers (and a runner killed mid-write) see either the old file or the new one.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_json(path: os.PathLike | str, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def read_json(path: os.PathLike | str) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# ------------------------------------------------------------------------ parsing

def parse_interval_s(text: str) -> float:
    """'500us' / '1ms' / '0.005s' -> seconds (the sys.setswitchinterval spelling)."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(us|ms|s)\s*", str(text))
    if not m:
        raise ValueError(f"bad switch interval {text!r}: expected e.g. 500us, 1ms, 0.005s")
    return float(m.group(1)) * _INTERVAL_S[m.group(2)]


def parse_benchmark_name(name: str) -> dict:
    """Split ``kernel/mode/ranks:R/threads:T/n:N[/policy:P/interval:Ius]``.

    Unknown ``key:value`` parts are kept as strings; Google Benchmark suffixes such as
    ``/repeats:3`` or ``/manual_time`` are ignored.
    """
    parts = name.split("/")
    out: dict = {"kernel": parts[0] if parts else "", "mode": parts[1] if len(parts) > 1 else ""}
    for part in parts[2:]:
        key, sep, value = part.partition(":")
        if not sep:
            continue
        if key in ("ranks", "threads", "n"):
            try:
                out[key] = int(value)
            except ValueError:
                out[key] = value
        elif key == "policy":
            out["gil_policy"] = value
        elif key == "interval":
            try:
                out["switch_interval_s"] = parse_interval_s(value)
            except ValueError:
                out["switch_interval_s"] = value
        else:
            out[key] = value
    return out


def _num(value: Any) -> Any:
    """Counters arrive as floats (Google Benchmark); show integral ones as ints."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _bool01(value: Any) -> Any:
    if value is None or value == "":
        return ""
    return 1 if bool(_num(value)) else 0


def _hosts(context: dict) -> str:
    hosts = context.get("hosts", "")
    if isinstance(hosts, (list, tuple)):
        return ";".join(str(h) for h in hosts)
    return str(hosts)


def empty_row() -> dict:
    return {c: "" for c in COLUMNS}


def rows_from_gbench_json(doc: dict, *, run_id: str = "", point_id: str = "",
                          status: str = "ok", cv: Any = "", unstable: Any = "",
                          launch_s: Any = "", scaling: str = "",
                          source: str = "sumbench") -> list[dict]:
    """One row per ``run_type == "iteration"`` entry of a Google Benchmark JSON document.

    ``status`` is the point's status; entries with ``error_occurred`` become
    ``valid=0, status=invalid`` whatever the point status is.
    """
    if not isinstance(doc, dict):
        return []
    context = doc.get("context") or {}
    hosts = _hosts(context)
    scaling = context.get("scaling") or scaling
    rows = []
    for entry in doc.get("benchmarks") or []:
        if entry.get("run_type", "iteration") != "iteration":
            continue  # mean/median/stddev aggregates are recomputed by the reports
        name = parse_benchmark_name(entry.get("run_name") or entry.get("name", ""))
        row = empty_row()
        row.update(run_id=run_id, point_id=point_id, source=source,
                   kernel=name.get("kernel", ""), mode=name.get("mode", ""),
                   scaling=scaling, hosts=hosts, status=status, cv=_num(cv) if cv is not None else "",
                   unstable=_bool01(unstable), launch_s=launch_s if launch_s is not None else "",
                   gil_policy=name.get("gil_policy", ""),
                   switch_interval_s=name.get("switch_interval_s", ""),
                   schema_version=SCHEMA_VERSION)
        # Counters are authoritative; the name is the fallback.
        for col in ("ranks", "threads", "n"):
            row[col] = _num(entry.get(col, name.get(col, "")))
        row["workers"] = _num(entry.get("workers", ""))
        if row["workers"] == "" and isinstance(row["ranks"], int) and isinstance(row["threads"], int):
            row["workers"] = row["ranks"] * row["threads"]
        row["nodes"] = _num(entry.get("nodes", context.get("nodes", "")))
        row["repetition"] = _num(entry.get("repetition_index", ""))
        real_time, unit = entry.get("real_time"), entry.get("time_unit", "ns")
        if real_time is not None and unit in _TIME_UNIT_S:
            # 12 significant digits: drop float noise of the unit conversion (1e-9 * x).
            row["time_s"] = float(f"{float(real_time) * _TIME_UNIT_S[unit]:.12g}")
        row["items_per_s"] = _num(entry.get("items_per_second", ""))
        row["bytes_per_s"] = _num(entry.get("bytes_per_second", ""))
        row["io_latency_s"] = _num(entry.get("io_latency_s", ""))
        row["combine_bytes"] = _num(entry.get("combine_bytes", ""))
        row["oversubscribed"] = _bool01(entry.get("oversubscribed", ""))
        row["valid"] = _bool01(entry.get("valid", 1))
        if entry.get("error_occurred"):
            row["valid"] = 0
            row["status"] = "invalid"
        rows.append(row)
    return rows


def failed_point_row(*, run_id: str = "", point_id: str = "", status: str = "failed",
                     point: dict | None = None, source: str = "sumbench",
                     launch_s: Any = "", oversubscribed: Any = "",
                     cv: Any = "", unstable: Any = "") -> dict:
    """The single row of a point that produced no measurements."""
    point = point or {}
    row = empty_row()
    row.update(run_id=run_id, point_id=point_id, source=source, status=status,
               schema_version=SCHEMA_VERSION,
               launch_s=launch_s if launch_s is not None else "",
               oversubscribed=_bool01(oversubscribed),
               cv=cv if cv is not None else "", unstable=_bool01(unstable))
    for col in ("kernel", "mode", "ranks", "threads", "workers", "nodes", "scaling", "n",
                "gil_policy"):
        if point.get(col) is not None:
            row[col] = point[col]
    if point.get("switch_interval"):
        try:
            row["switch_interval_s"] = parse_interval_s(point["switch_interval"])
        except ValueError:
            pass
    return row


# ----------------------------------------------------------------- point folders

def rows_for_point(point_dir: os.PathLike | str, run_id: str = "") -> list[dict]:
    """Rows of one complete point folder (``status.json`` present); [] if incomplete.

    Sources, in order: ``rows.json`` (rows made elsewhere, e.g. the CPython baseline),
    ``raw.json`` (Google Benchmark JSON), else one failed row from ``status.json``.
    """
    point_dir = Path(point_dir)
    status_path = point_dir / "status.json"
    if not status_path.exists():
        return []
    try:
        status = read_json(status_path)
    except (OSError, ValueError):
        status = None
    if not isinstance(status, dict):
        status = {"status": "failed"}
    point_id = status.get("point_id") or point_dir.name
    st = status.get("status", "failed")

    rows_path = point_dir / "rows.json"
    if rows_path.exists():
        try:
            given_rows = read_json(rows_path)
        except (OSError, ValueError):
            given_rows = None
        if not (isinstance(given_rows, list) and all(isinstance(r, dict) for r in given_rows)):
            # Unreadable rows.json: the point shows up as failed instead of vanishing.
            return [failed_point_row(run_id=run_id, point_id=point_id, status="failed",
                                     point=status.get("point"))]
        rows = []
        for given in given_rows:
            row = empty_row()
            row.update({k: v for k, v in given.items() if k in row})
            row["run_id"] = row["run_id"] or run_id
            row["point_id"] = row["point_id"] or point_id
            row["schema_version"] = row["schema_version"] or SCHEMA_VERSION
            rows.append(row)
        return rows

    point = status.get("point") or {}
    common = dict(run_id=run_id, point_id=point_id, status=st, cv=status.get("cv"),
                  unstable=status.get("unstable", 0), launch_s=status.get("launch_s"))
    raw_path = point_dir / "raw.json"
    rows = []
    if raw_path.exists():
        try:
            rows = rows_from_gbench_json(read_json(raw_path), scaling=point.get("scaling", ""),
                                         **common)
        except (OSError, ValueError):
            rows = []  # a torn/garbled raw.json counts as no measurements
    if not rows:
        rows = [failed_point_row(run_id=run_id, point_id=point_id,
                                 status=st if st != "ok" else "failed", point=point,
                                 launch_s=status.get("launch_s"),
                                 oversubscribed=status.get("oversubscribed", ""),
                                 cv=status.get("cv"), unstable=status.get("unstable", 0))]
    return rows


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def write_csv_atomic(path: os.PathLike | str, rows: Iterable[dict]) -> None:
    """Write rows with exactly ``COLUMNS`` (missing keys empty, extra keys dropped)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _format(row.get(c, "")) for c in COLUMNS})
    atomic_write_text(path, buf.getvalue())


def read_csv(path: os.PathLike | str) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def sweep_run_id(sweep_dir: os.PathLike | str) -> str:
    sweep_dir = Path(sweep_dir)
    try:
        return str(read_json(sweep_dir / "manifest.json").get("run_id") or sweep_dir.name)
    except (OSError, ValueError):
        return sweep_dir.name


def rebuild_results(sweep_dir: os.PathLike | str) -> Path:
    """Rewrite ``sweep_dir/results.csv`` from every complete folder under ``points/``."""
    sweep_dir = Path(sweep_dir)
    run_id = sweep_run_id(sweep_dir)
    rows: list[dict] = []
    points = sweep_dir / "points"
    if points.is_dir():
        for point_dir in sorted(p for p in points.iterdir() if p.is_dir() and not p.name.startswith(".")):
            rows.extend(rows_for_point(point_dir, run_id))
    out = sweep_dir / "results.csv"
    write_csv_atomic(out, rows)
    return out
