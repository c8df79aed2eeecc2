"""Point folders -> results.csv rows (the tidy long table is derived from the JSON).

    rows_from_gbench_json(doc, **point)   one row per repetition of a Google Benchmark JSON
    failed_point_row(**point)             the one row of a point without measurements
    rows_for_point(point_dir, run_id)     rows of one complete point folder
    rebuild_results(sweep_dir)            rewrite sweep_dir/results.csv from its point folders
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from . import points
from .io import read_json, read_json_object
from .catalogue import Catalogue, param_key
from .parse import switch_interval_s
from .schema import SCHEMA_VERSION, empty_row, migrate, write_results_csv

# The driver's own name parts (kernel/mode/ranks:R/threads:T/n:N/...); a mode's parameters
# follow, each under its catalogue name_key (modes[].params).
_CORE_PARTS = ("ranks", "threads", "n")


def param_value(param: dict, text: str):
    """A parameter's value as its case name spells it: int, str, or a float (a time in
    seconds may carry us, ms or s: interval:5000us); the text itself when it is none."""
    if param["type"] == "int":
        return int(text) if text.isdigit() else text
    if param["type"] == "float":
        seconds = switch_interval_s(text, low=0.0, high=math.inf) if param.get("unit") == "s" else None
        if seconds is not None:
            return seconds
        try:
            return float(text)
        except ValueError:
            return text
    return text


def parse_benchmark_name(name: str, cat: Catalogue | None = None) -> dict:
    """Split ``kernel/mode/ranks:R/threads:T/n:N[/KEY:VALUE...]`` into columns: the mode's
    parameters by the catalogue's name_key (an old entry has no "params" of its own).

    Unknown ``key:value`` parts are kept under their key; Google Benchmark suffixes such
    as ``/repeats:3`` or ``/manual_time`` are ignored."""
    parts = name.split("/")
    out: dict = {"kernel": parts[0] if parts else "", "mode": parts[1] if len(parts) > 1 else ""}
    params = {p["name_key"]: p for p in (cat or Catalogue.legacy()).params(out["mode"]) if p.get("name_key")}
    for part in parts[2:]:
        key, sep, value = part.partition(":")
        if not sep:
            continue
        if key in _CORE_PARTS:
            out[key] = int(value) if value.isdigit() else value
        elif key in params:
            out[params[key]["column"]] = param_value(params[key], value)
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


# The topology columns (schema 3) from sumbench's JSON context keys.
_TOPOLOGY = {"node_packages": "topology_packages", "node_numa": "topology_numa_nodes",
             "node_cores": "topology_cores", "node_pus": "topology_pus"}


def topology_columns(context: dict) -> dict:
    """cpus and node_* of a run (empty for a sumbench before hwloc)."""
    out = {"cpus": str(context.get("cpus", "") or "")}
    for column, key in _TOPOLOGY.items():
        value = str(context.get(key, "")).strip()
        out[column] = int(value) if value.isdigit() else ""
    return out


def rows_from_gbench_json(doc: dict, *, run_id: str = "", point_id: str = "",
                          status: str = "ok", cv: Any = "", unstable: Any = "",
                          launch_s: Any = "", scaling: str = "",
                          source: str = "sumbench", cat: Catalogue | None = None) -> list[dict]:
    """One row per ``run_type == "iteration"`` entry. ``status`` is the point's; entries
    with ``error_occurred`` become ``valid=0, status=invalid`` whatever it is. A mode's
    parameters come from the entry's "params", else (an older sumbench) from its name."""
    if not isinstance(doc, dict):
        return []
    cat = cat or Catalogue.legacy()
    context = doc.get("context") or {}
    hosts = _hosts(context)
    topology = topology_columns(context)
    scaling = context.get("scaling") or scaling
    rows = []
    for entry in points.iteration_entries(doc):  # aggregates are recomputed by the reports
        name = parse_benchmark_name(entry.get("run_name") or entry.get("name", ""), cat)
        if isinstance(entry.get("params"), dict):
            name.update(entry["params"])
        row = empty_row()
        row.update(run_id=run_id, point_id=point_id, source=source,
                   kernel=name.get("kernel", ""), mode=name.get("mode", ""),
                   scaling=scaling, hosts=hosts, status=status, cv=_num(cv) if cv is not None else "",
                   unstable=_bool01(unstable), launch_s=launch_s if launch_s is not None else "",
                   schema_version=SCHEMA_VERSION)
        for param in cat.params(row["mode"]):  # results.csv's columns (schema, then param_columns)
            if param["column"] in name:
                row[param["column"]] = name[param["column"]]
        for column, value in (entry.get("params") or {}).items():
            row[column] = value   # one the catalogue does not declare still keeps its rows apart
        for col in ("ranks", "threads", "n"):  # counters are authoritative, the name the fallback
            row[col] = _num(entry.get(col, name.get(col, "")))
        row["workers"] = _num(entry.get("workers", ""))
        if row["workers"] == "" and isinstance(row["ranks"], int) and isinstance(row["threads"], int):
            row["workers"] = row["ranks"] * row["threads"]
        row["nodes"] = _num(entry.get("nodes", context.get("nodes", "")))
        row["repetition"] = _num(entry.get("repetition_index", ""))
        seconds = points.entry_time_s(entry)
        if isinstance(seconds, float):
            # 12 significant digits: drop float noise of the unit conversion (1e-9 * x).
            row["time_s"] = float(f"{seconds:.12g}")
        row["items_per_s"] = _num(entry.get("items_per_second", ""))
        row["bytes_per_s"] = _num(entry.get("bytes_per_second", ""))
        row["io_latency_s"] = _num(entry.get("io_latency_s", ""))
        row["combine_bytes"] = _num(entry.get("combine_bytes", ""))
        row["oversubscribed"] = _bool01(entry.get("oversubscribed", ""))
        row.update(topology)
        row["valid"] = _bool01(entry.get("valid", 1))
        if entry.get("error_occurred"):
            row["valid"] = 0
            row["status"] = "invalid"
        rows.append(row)
    return rows


def failed_point_row(*, run_id: str = "", point_id: str = "", status: str = "failed",
                     point: dict | None = None, source: str = "sumbench",
                     launch_s: Any = "", oversubscribed: Any = "",
                     cv: Any = "", unstable: Any = "", cat: Catalogue | None = None) -> dict:
    """The single row of a point that produced no measurements."""
    point = point or {}
    row = empty_row()
    row.update(run_id=run_id, point_id=point_id, source=source, status=status,
               schema_version=SCHEMA_VERSION,
               launch_s=launch_s if launch_s is not None else "",
               oversubscribed=_bool01(oversubscribed),
               cv=cv if cv is not None else "", unstable=_bool01(unstable))
    for col in ("kernel", "mode", "ranks", "threads", "workers", "nodes", "scaling", "n"):
        if point.get(col) is not None:
            row[col] = point[col]
    # The mode's parameters as the point passed them (point.json "params": by key, flag
    # texts); an older point.json (and the CPython baseline's) has gil_policy and
    # switch_interval of its own.
    given = dict(point.get("params") or {}) if isinstance(point.get("params"), dict) else {}
    for key in ("gil_policy", "switch_interval"):
        if isinstance(point.get(key), str) and point[key]:
            given.setdefault(key, point[key])
    for param in (cat or Catalogue.legacy()).params(str(row["mode"])):
        text = given.get(param_key(param["flag"])) if param.get("flag") else None
        if isinstance(text, str) and text:
            row[param["column"]] = param_value(param, text)
    return row


def _given_rows(path: Path, run_id: str, point_id: str) -> list[dict] | None:
    """rows.json: CSV rows made elsewhere (the CPython baseline); None if unreadable."""
    try:
        given = read_json(path)
    except (OSError, ValueError):
        return None
    if not (isinstance(given, list) and all(isinstance(r, dict) for r in given)):
        return None
    rows = []
    for item in given:
        row = empty_row()
        row.update({k: v for k, v in item.items() if k in row})
        row["run_id"] = row["run_id"] or run_id
        row["point_id"] = row["point_id"] or point_id
        row["schema_version"] = row["schema_version"] or SCHEMA_VERSION
        rows.append(migrate(row))  # a point folder of an older baseline
    return rows


def rows_for_point(point_dir: os.PathLike | str, run_id: str = "",
                   cat: Catalogue | None = None) -> list[dict]:
    """Rows of one point folder with a status.json ([] when it has none).

    Sources, in order: rows.json, raw.json, else one failed row from status.json. A
    status.json that is not a status gives a failed row, so the point stays visible."""
    point_dir = Path(point_dir)
    status, problem = points.load_status(point_dir)
    if status is None and problem is None:
        return []
    status = status or points.make_status(status="failed", reason=problem or "")
    point_id = status.get("point_id") or point_dir.name
    st = status["status"]
    if st == "ok" and points.measurement_problem(point_dir):
        st = "invalid"  # says ok, but its files do not (torn, gone, impossible times)
    point = status["point"]
    if (point_dir / points.ROWS).exists():
        rows = _given_rows(point_dir / points.ROWS, run_id, point_id)
        if rows is not None:
            return rows
        return [failed_point_row(run_id=run_id, point_id=point_id, point=point, cat=cat)]
    rows = []
    raw = read_json_object(point_dir / points.RAW)
    if raw is not None:
        rows = rows_from_gbench_json(raw, scaling=point.get("scaling", ""), run_id=run_id, cat=cat,
                                     point_id=point_id, status=st, cv=status["cv"],
                                     unstable=status["unstable"], launch_s=status["launch_s"])
    if not rows:  # no measurement (a torn or garbled raw.json counts as none)
        rows = [failed_point_row(run_id=run_id, point_id=point_id,
                                 status=st if st != "ok" else "failed", point=point,
                                 source=status["source"] if status["source"] != "slurm" else "sumbench",
                                 launch_s=status["launch_s"],
                                 oversubscribed=status["oversubscribed"],
                                 cv=status["cv"], unstable=status["unstable"], cat=cat)]
    return rows


def sweep_run_id(sweep_dir: os.PathLike | str) -> str:
    sweep_dir = Path(sweep_dir)
    manifest = read_json_object(sweep_dir / "manifest.json") or {}
    return str(manifest.get("run_id") or sweep_dir.name)


def rebuild_results(sweep_dir: os.PathLike | str) -> Path:
    """Rewrite ``sweep_dir/results.csv`` from every complete folder under ``points/``."""
    sweep_dir = Path(sweep_dir)
    run_id = sweep_run_id(sweep_dir)
    rows: list[dict] = []
    cat = Catalogue.for_folder(sweep_dir)
    for point_dir in points.point_dirs(sweep_dir):
        rows.extend(rows_for_point(point_dir, run_id, cat))
    out = sweep_dir / "results.csv"
    write_results_csv(out, rows, cat.param_columns())
    return out
