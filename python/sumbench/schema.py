"""results.csv: the one definition of its columns, their types, the version and the
migrations that keep older folders readable; its reader and its writer.

One row per measurement (one repetition of one point); a point that produced no
measurement has one row with its status and empty measurement fields. docs/DESIGN.md
shows the same list (a test checks it against this module).

Each version bump is one small function in MIGRATIONS, from version k to k + 1, and
the columns it added carry ``since=k + 1``: a file of version k needs only the columns
of versions up to k, and its rows are migrated in turn on reading.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

from .errors import InputError
from .io import atomic_write_text

SCHEMA_VERSION = 3

# The statuses of a point, in results.csv's status column and in status.json.
POINT_STATUSES = ("ok", "failed", "invalid", "timeout")


# The shortest time a measurement can take: steady_clock ticks in nanoseconds, and every
# timed region (a barrier, a thread start, one loop) takes longer. A time_s below it is
# not a measurement (1e-300 s would print a speedup of 1e296x); nor is one that is not
# a positive finite number. The same rule judges raw.json (the runner), results.csv
# (report.py, compare.py) and the CPython baseline's rows.
MIN_TIME_S = 1e-9
# ...and the longest: no run of sumbench lasts 116 days; 1e308 s is a typo or garbage
# (and overflows the report's log axes). Rates are bounded the same way (1e18/s).
MAX_TIME_S = 1e7
_INT32, _INT62, _INT63 = 2**31 - 1, 2**62, 2**63 - 1
_MAX_RATE = 1e18


@dataclass(frozen=True)
class Column:
    name: str
    type: str         # "str", "int", "float" or "bool" (0/1)
    required: bool    # filled on every row, measurement or failure
    doc: str
    low: Optional[float] = None    # the allowed range of a number (None: unbounded)
    high: Optional[float] = None
    since: int = 1    # the schema version that added the column
    parameter: bool = False  # says what was measured (PARAMETER_COLUMNS)


COLUMN_SPECS = (
    Column("run_id", "str", False, "the sweep's run id (manifest.json)"),
    Column("point_id", "str", True, "the point folder's name"),
    Column("source", "str", False, "sumbench, cpython (the baseline) or pyfunc (sumbench-py)"),
    Column("kernel", "str", True, "a kernel of the catalogue", parameter=True),
    Column("mode", "str", True, "a mode of the catalogue (or cpython-*)", parameter=True),
    Column("ranks", "int", False, "MPI ranks (processes)", 1, _INT32, parameter=True),
    Column("threads", "int", False, "threads per rank", 1, _INT32, parameter=True),
    Column("workers", "int", False, "ranks x threads", 1, _INT32),
    Column("nodes", "int", False, "nodes the ranks ran on", 1, _INT32, parameter=True),
    Column("scaling", "str", False, "strong or weak", parameter=True),
    Column("n", "int", False, "total size of the run (weak: per-worker size x workers)", 1, _INT62,
           parameter=True),
    Column("repetition", "int", False, "repetition index", 0, _INT32),
    Column("time_s", "float", False, "wall time of the slowest rank, one repetition",
           MIN_TIME_S, MAX_TIME_S),
    Column("items_per_s", "float", False, "items (the kernel's item) per second", 0, _MAX_RATE),
    Column("bytes_per_s", "float", False, "bytes per second (triad)", 0, _MAX_RATE),
    Column("valid", "bool", False, "the result passed validation"),
    Column("oversubscribed", "bool", False, "more workers than cores"),
    Column("hosts", "str", False, "hosts, ';'-separated"),
    Column("switch_interval_s", "float", False, "GIL switch interval", 0, MAX_TIME_S,
           parameter=True),
    Column("gil_policy", "str", False, "GIL policy (cpython-X.Y.Z for the real CPython)",
           parameter=True),
    Column("check_interval", "int", False, "Python 2's check interval in bytecodes (the real "
           "2.x, and sumbench's legacy policy)", 1, 10**6, since=2, parameter=True),
    Column("interpreter", "str", False, "the real interpreter's implementation (CPython); "
           "empty for sumbench's own modes", since=2, parameter=True),
    Column("interpreter_version", "str", False, "its version, e.g. 3.11.7", since=2,
           parameter=True),
    Column("gil_kind", "str", False, "its GIL: old (2.x), new (3.2+) or free-threaded", since=2,
           parameter=True),
    Column("fidelity_figure", "str", False, "the fidelity experiment's figure (cpu:2, "
           "convoy:2:1ms, handoff:5ms, ...); empty for other rows", since=2, parameter=True),
    Column("fidelity_value", "float", False, "that figure's value in this measurement: a time "
           "ratio, or seconds per wait or per hand-off", -MAX_TIME_S, MAX_TIME_S, since=2),
    Column("status", "str", True, "the point's status: " + "|".join(POINT_STATUSES)),
    Column("cv", "float", False, "largest coefficient of variation of the point's times", 0,
           1e6),
    Column("unstable", "bool", False, "cv above the threshold after the reruns"),
    Column("launch_s", "float", False, "time to start the workers without work", 0, MAX_TIME_S),
    Column("io_latency_s", "float", False, "convoy: mean added latency per wait", -MAX_TIME_S,
           MAX_TIME_S),
    Column("combine_bytes", "int", False, "bytes moved to combine the partials", 0, _INT63),
    # Version 3: the node's topology (hwloc, rank 0's node) and the unit sumbench counted
    # CPUs in when it judged oversubscription.
    Column("cpus", "str", False, "cores or hwthreads: what one CPU was for the oversubscription "
           "check (sumbench --cpus); empty before schema 3 (logical CPUs)", since=3),
    Column("node_packages", "int", False, "packages (sockets) of a node (0: none found)", 0, _INT32,
           since=3),
    Column("node_numa", "int", False, "NUMA nodes of a node", 0, _INT32, since=3),
    Column("node_cores", "int", False, "cores of a node", 1, _INT32, since=3),
    Column("node_pus", "int", False, "hardware threads of a node", 1, _INT32, since=3),
    Column("schema_version", "int", True, "this schema's version"),
)
COLUMNS = [c.name for c in COLUMN_SPECS]
# What a row measured (a point's parameters), apart from its measurements and where it
# came from: every analysis (the report's points, summary.py, compare.py, the runner's cv)
# groups rows by all of them, so that two settings never merge into one point (issue 22:
# check_interval was left out, and two check intervals became one point with twice the
# repetitions). workers follows from ranks x threads; cpus cannot differ within a sweep
# (a resume must keep it) and is empty in older folders, so it is not one of them.
PARAMETER_COLUMNS = tuple(c.name for c in COLUMN_SPECS if c.parameter)
INT_COLUMNS = {c.name for c in COLUMN_SPECS if c.type in ("int", "bool")}
FLOAT_COLUMNS = {c.name for c in COLUMN_SPECS if c.type == "float"}
BOOL_COLUMNS = {c.name for c in COLUMN_SPECS if c.type == "bool"}
SPECS = {c.name: c for c in COLUMN_SPECS}
REQUIRED_VALUES = tuple(c.name for c in COLUMN_SPECS if c.required)

GIL_KINDS = ("old", "new", "free-threaded")
_CPYTHON_POLICY = re.compile(r"^cpython-((\d+)\.(\d+)\S*?)(-nogil)?$")


def columns_of(version: int) -> list[str]:
    """The columns a results.csv of schema `version` has."""
    return [c.name for c in COLUMN_SPECS if c.since <= version]


def _v1_to_v2(row: dict) -> dict:
    """Version 2 added the interpreter (issue 9): a version 1 row of the CPython baseline
    named it only in gil_policy (cpython-X.Y.Z[-nogil], thread rows); its other rows are
    CPython of an unnamed version (``fill_interpreters`` completes them per folder)."""
    row = dict(row)
    for column in (c.name for c in COLUMN_SPECS if c.since == 2):
        row.setdefault(column, None if column in INT_COLUMNS | FLOAT_COLUMNS else "")
    found = _CPYTHON_POLICY.match(str(row.get("gil_policy") or ""))
    if found:
        row["interpreter"], row["interpreter_version"] = "CPython", found.group(1)
        major_minor = (int(found.group(2)), int(found.group(3)))
        row["gil_kind"] = "free-threaded" if found.group(4) else "old" if major_minor < (3, 2) else "new"
    elif row.get("source") == "cpython":
        row["interpreter"] = "CPython"
    row["schema_version"] = 2
    return row


def _v2_to_v3(row: dict) -> dict:
    """Version 3 added the node's topology (issue 12): unknown before, left empty."""
    row = dict(row)
    for column in (c.name for c in COLUMN_SPECS if c.since == 3):
        row.setdefault(column, None if column in INT_COLUMNS | FLOAT_COLUMNS else "")
    row["schema_version"] = 3
    return row


# Row migrations: MIGRATIONS[v] turns a schema_version v row into a v + 1 row; a reader
# applies them in turn. Keep each one small and on its own, so that bumps compose: a new
# version N adds its columns with since=N, SCHEMA_VERSION = N and MIGRATIONS[N - 1].
MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _v1_to_v2, 2: _v2_to_v3}


def empty_row() -> dict:
    return {c: "" for c in COLUMNS}


def format_value(value: Any) -> str:
    """A CSV cell: None and non-finite floats empty, booleans 0/1, floats by repr."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def results_text(rows: Iterable[dict], params: Iterable[str] = ()) -> str:
    header = COLUMNS + [c for c in params if c not in SPECS]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([format_value(row.get(c, "")) for c in header])
    return buf.getvalue()


def write_results_csv(path: os.PathLike | str, rows: Iterable[dict], params: Iterable[str] = ()) -> None:
    """COLUMNS, then each of `params` (the catalogue's mode parameter columns,
    Catalogue.param_columns) that is not one of them (missing keys empty, other keys
    dropped), written atomically."""
    atomic_write_text(path, results_text(rows, params))


def read_results_raw(path: os.PathLike | str) -> list[dict]:
    """The rows as strings, unchecked (for copying results between folders)."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def time_problem(seconds: Any) -> Optional[str]:
    """Why `seconds` is not a measured time (None when it is one): see MIN_TIME_S."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return f"time {seconds!r} is not a number"
    if not math.isfinite(seconds) or seconds <= 0:
        return f"time {seconds!r} s is not a positive finite number"
    if seconds < MIN_TIME_S:
        return f"time {seconds:g} s is below 1 ns, the resolution of any timer"
    if seconds > MAX_TIME_S:
        return f"time {seconds:g} s is above {MAX_TIME_S:g} s (116 days)"
    return None


def _range_problem(spec: Column, value) -> Optional[str]:
    if spec.name == "time_s":
        problem = time_problem(value)
        return f"time_s: {problem}" if problem else None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{spec.name} {value} is not finite"
    if spec.type == "bool" and value not in (0, 1):
        return f"{spec.name} {value} is not 0 or 1"
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        high = f"{spec.high:g}" if spec.high is not None else "any"
        return f"{spec.name} {value:g} is out of range ({spec.low:g} to {high})"
    return None


def value_problem(column: str, value: Any) -> Optional[str]:
    """Why a JSON value cannot become a cell of `column` (None when it can, or is None):
    its type (str, a whole number, a finite number, a boolean or 0/1) and its range.
    For values that other files hand to results.csv (status.json's cv, say)."""
    spec = SPECS[column]
    if value is None:
        return None
    if spec.type == "str":
        return None if isinstance(value, str) else f"{column} {value!r} is not a text"
    if spec.type == "bool":
        return None if value in (0, 1) and isinstance(value, (bool, int)) else \
            f"{column} {value!r} is not true, false, 0 or 1"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (spec.type == "int" and not isinstance(value, int)):
        return f"{column} {value!r} is not {'a whole number' if spec.type == 'int' else 'a number'}"
    return _range_problem(spec, value)


def _parse_number(text: str, column: str, where: str) -> tuple[Any, Optional[str]]:
    """(value, problem): a cell that is not a number makes the file unusable
    (InputError); a number out of the column's range makes the row invalid (problem)."""
    text = text.strip()
    if text == "":
        return None, None
    spec = SPECS[column]
    low = text.lower()
    if column in BOOL_COLUMNS and low in ("true", "false"):
        return (1 if low == "true" else 0), None
    try:
        value = float(text)
    except ValueError:
        kind = "0 or 1" if column in BOOL_COLUMNS else (
            "an integer" if column in INT_COLUMNS else "a number")
        raise InputError(f"{where}: column {column}: {text!r} is not {kind}") from None
    if column in INT_COLUMNS and math.isfinite(value):
        if value != int(value):
            raise InputError(f"{where}: column {column}: {text!r} is not an integer")
        value = int(text) if text.lstrip("-").isdigit() else int(value)
    problem = _range_problem(spec, value)
    return (None, problem) if problem else (value, None)


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (is this a sweep folder?)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if not raw.strip():
        raise InputError(f"{path}: file is empty (no header, no rows)")
    if b"\0" in raw:
        raise InputError(f"{path}: corrupted: contains NUL bytes (binary data, not CSV)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: corrupted: not UTF-8 text (byte {exc.start})") from None


def _check_header(path: str, header: list[str]) -> None:
    """Every column of version 1; the later ones are checked per row (_typed_row): a
    file of an older version lacks them, and its rows are migrated."""
    missing = [c for c in columns_of(1) if c not in header]
    if missing:
        if "schema_version" not in header or len(missing) > len(COLUMNS) // 2:
            raise InputError(f"{path}: not a schema_version {SCHEMA_VERSION} results.csv: "
                             f"missing columns {', '.join(missing)}")
        raise InputError(f"{path}: mixed schema: missing columns {', '.join(missing)} "
                         f"(schema_version {SCHEMA_VERSION} needs all of them)")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(f"{path}: corrupted header: duplicate columns {', '.join(dupes)}")


def _typed_row(header: list[str], fields: list[str], where: str) -> dict:
    if len(fields) != len(header):
        what = "truncated" if len(fields) < len(header) else "too many fields"
        raise InputError(f"{where}: corrupted: {len(fields)} fields, header has "
                         f"{len(header)} ({what})")
    row: dict = {"_invalid": []}
    for name, value in zip(header, fields):
        if name in INT_COLUMNS or name in FLOAT_COLUMNS:
            row[name], problem = _parse_number(value, name, where)
            if problem:
                row["_invalid"].append(problem)
        else:
            row[name] = value.strip()
    for name in REQUIRED_VALUES:
        if row.get(name) in (None, ""):
            raise InputError(f"{where}: corrupted: column {name} is empty")
    if row["status"] == "ok" and row.get("time_s") is None and not row["_invalid"]:
        row["_invalid"].append("status ok but no time_s")
    version = row["schema_version"]
    if version > SCHEMA_VERSION or version < 1:
        raise InputError(f"{where}: mixed schema: schema_version {version}, this "
                         f"sumbench reads schema_version 1 to {SCHEMA_VERSION}")
    missing = [c for c in columns_of(version) if c not in row]
    if missing:
        raise InputError(f"{where}: mixed schema: missing columns {', '.join(missing)} "
                         f"(schema_version {version} needs all of them)")
    return migrate(row)


def migrate(row: dict) -> dict:
    """A row of any older schema_version as a row of this one (MIGRATIONS in turn)."""
    version = int(row.get("schema_version") or SCHEMA_VERSION)
    while version < SCHEMA_VERSION:
        row = MIGRATIONS[version](row)
        version += 1
    return row


def fill_interpreters(rows: list[dict]) -> list[dict]:
    """Version 1 folders of the CPython baseline held one interpreter, named only on its
    thread rows: give its serial and process rows (interpreter CPython, no version) that
    version when the folder names exactly one. Rows are changed in place and returned."""
    versions = {r.get("interpreter_version") for r in rows
                if r.get("source") == "cpython" and r.get("interpreter_version")}
    if len(versions) == 1:
        version = versions.pop()
        kind = next(r.get("gil_kind") for r in rows if r.get("interpreter_version") == version)
        for r in rows:
            if r.get("source") == "cpython" and r.get("interpreter") == "CPython" and \
                    not r.get("interpreter_version"):
                r["interpreter_version"], r["gil_kind"] = version, kind
    return rows


def read_results_csv(path: os.PathLike | str) -> list[dict]:
    """The rows of a results.csv with typed values, `_line`, and `_invalid`: why the row
    is not a measurement (a number out of its column's range, a time_s that breaks the
    MIN_TIME_S rule), [] for a good row. Raises InputError with one line that names the
    file, the line and what is wrong when the file itself is unusable."""
    path = str(path)
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise InputError(f"{path}: corrupted: cannot parse the header: {exc}") from None
    _check_header(path, header)
    rows = []
    try:
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue
            row = _typed_row(header, fields, f"{path} line {reader.line_num}")
            row["_line"] = reader.line_num
            rows.append(row)
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num}: corrupted: {exc}") from None
    if not rows:
        raise InputError(f"{path}: empty: a header but no result rows")
    return fill_interpreters(rows)
