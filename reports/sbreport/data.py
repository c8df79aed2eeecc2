"""Load and validate sweep folders (see docs/DESIGN.md). Standard library only.

A sweep folder holds results.csv (schema_version 1) and, when present,
manifest.json, sweep.json and points/<point_id>/{status.json,raw.json,command.txt,...}.
Every problem that makes the folder unusable raises InputError with one line
that names the file (and line) and what is wrong.
"""

import csv
import io
import json
import os
import sys

# The schema has one definition: python/sumbench/schema.py (standard library only).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from sumbench.schema import COLUMNS, SCHEMA_VERSION  # noqa: E402

INT_COLUMNS = {"ranks", "threads", "workers", "nodes", "n", "repetition", "valid",
               "oversubscribed", "unstable", "combine_bytes", "schema_version"}
FLOAT_COLUMNS = {"time_s", "items_per_s", "bytes_per_s", "switch_interval_s", "cv",
                 "launch_s", "io_latency_s"}
BOOL_COLUMNS = {"valid", "oversubscribed", "unstable"}
# Columns that must be filled on every row, measurement or failure.
REQUIRED_VALUES = ("point_id", "kernel", "mode", "status", "schema_version")

KNOWN_MODES = ("serial", "omp", "mpi", "hybrid", "gil",
               "cpython-serial", "cpython-threads", "cpython-processes")


class InputError(Exception):
    """A sweep folder that cannot be reported on; the message is one line."""


def _parse_number(text, column, where):
    text = text.strip()
    if text == "":
        return None
    low = text.lower()
    if column in BOOL_COLUMNS and low in ("true", "false"):
        return 1 if low == "true" else 0
    try:
        if column in INT_COLUMNS:
            value = float(text)
            if value != int(value):
                raise ValueError
            value = int(value)
            if column in BOOL_COLUMNS and value not in (0, 1):
                raise ValueError
            return value
        value = float(text)
    except (ValueError, OverflowError):
        kind = "0 or 1" if column in BOOL_COLUMNS else (
            "an integer" if column in INT_COLUMNS else "a number")
        raise InputError(f"{where}: column {column}: {text!r} is not {kind}") from None
    if value != value:  # NaN
        return None
    return value


def read_results_csv(path):
    """Return the rows of a results.csv as dicts with typed values."""
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
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: corrupted: not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(f"{path}: corrupted: cannot parse the header: {exc}") from None
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        if "schema_version" not in header or len(missing) > len(COLUMNS) // 2:
            raise InputError(
                f"{path}: not a schema_version {SCHEMA_VERSION} results.csv: "
                f"missing columns {', '.join(missing)}")
        raise InputError(f"{path}: mixed schema: missing columns {', '.join(missing)} "
                         f"(schema_version {SCHEMA_VERSION} needs all of them)")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(f"{path}: corrupted header: duplicate columns {', '.join(dupes)}")
    rows = []
    line = 1
    try:
        for fields in reader:
            line = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            where = f"{path} line {line}"
            if len(fields) != len(header):
                what = "truncated" if len(fields) < len(header) else "too many fields"
                raise InputError(f"{where}: corrupted: {len(fields)} fields, header has "
                                 f"{len(header)} ({what})")
            row = {}
            for name, value in zip(header, fields):
                if name in INT_COLUMNS or name in FLOAT_COLUMNS:
                    row[name] = _parse_number(value, name, where)
                else:
                    row[name] = value.strip()
            for name in REQUIRED_VALUES:
                if row.get(name) in (None, ""):
                    raise InputError(f"{where}: corrupted: column {name} is empty")
            if row["schema_version"] != SCHEMA_VERSION:
                raise InputError(
                    f"{where}: mixed schema: schema_version {row['schema_version']}, "
                    f"this report reads schema_version {SCHEMA_VERSION}")
            row["_line"] = line
            rows.append(row)
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num}: corrupted: {exc}") from None
    if not rows:
        raise InputError(f"{path}: empty: a header but no result rows")
    return rows


def _read_json(path, required=False):
    try:
        with open(path, "r", encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        if required:
            raise InputError(f"{path}: no such file") from None
        return None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: corrupted: not valid JSON ({exc})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _try_json(path):
    """Like _read_json but a broken file gives (None, message) instead of raising."""
    try:
        return _read_json(path), None
    except InputError as exc:
        return None, str(exc)


def _read_text(path, limit=200000):
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as fh:
            return fh.read(limit)
    except OSError:
        return None


class Sweep:
    """One sweep folder: rows of results.csv plus the context files."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.folder_name = os.path.basename(self.path.rstrip(os.sep)) or self.path
        self.rows = []
        self.manifest = None
        self.config = None          # sweep.json
        self.statuses = {}          # point_id -> status.json dict
        self.commands = {}          # point_id -> command line text
        self.context = None         # Google Benchmark "context" of one raw.json
        self.context_point = None
        self.warnings = []          # problems that do not stop the report
        self.label = self.folder_name

    @property
    def run_id(self):
        ids = sorted({r["run_id"] for r in self.rows if r.get("run_id")})
        if len(ids) == 1:
            return ids[0]
        if isinstance(self.manifest, dict) and self.manifest.get("run_id"):
            return str(self.manifest["run_id"])
        return None

    def cores(self):
        """Logical CPUs of the machine the sweep ran on, or None when unknown."""
        keys = ("cores", "cpus", "ncpus", "num_cpus", "logical_cpus", "cpu_count",
                "nproc", "cpus_online")
        for source in (self.manifest, self.context):
            found = _find_key(source, keys)
            if found:
                return found
        return None


def _find_key(obj, keys, depth=0):
    """First positive integer value under one of keys, searched breadth-first."""
    if depth > 3 or not isinstance(obj, dict):
        return None
    for key in keys:
        value = obj.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)) and value > 0 and value == int(value):
            return int(value)
        if isinstance(value, str) and value.isdigit() and int(value) > 0:
            return int(value)
    for value in obj.values():
        if isinstance(value, dict):
            found = _find_key(value, keys, depth + 1)
            if found:
                return found
    return None


def load_sweep(path):
    """Load and validate one sweep folder; raises InputError."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such folder")
    if os.path.isfile(path):
        if os.path.basename(path) == "results.csv":
            path = os.path.dirname(os.path.abspath(path))
        else:
            raise InputError(f"{path}: not a sweep folder (expected a folder with results.csv)")
    sweep = Sweep(path)
    sweep.rows = read_results_csv(os.path.join(sweep.path, "results.csv"))
    sweep.manifest = _read_json(os.path.join(sweep.path, "manifest.json"))
    sweep.config = _read_json(os.path.join(sweep.path, "sweep.json"))
    points_dir = os.path.join(sweep.path, "points")
    if os.path.isdir(points_dir):
        for pid in sorted(os.listdir(points_dir)):
            pdir = os.path.join(points_dir, pid)
            if not os.path.isdir(pdir):
                continue
            status, problem = _try_json(os.path.join(pdir, "status.json"))
            if problem:
                sweep.warnings.append(problem)
            elif isinstance(status, dict):
                sweep.statuses[pid] = status
            cmd = _read_text(os.path.join(pdir, "command.txt"))
            if cmd:
                sweep.commands[pid] = cmd.strip()
    ok_points = [r["point_id"] for r in sweep.rows if r["status"] == "ok"]
    for pid in list(dict.fromkeys(ok_points)) + sorted(sweep.statuses):
        raw, _ = _try_json(os.path.join(points_dir, pid, "raw.json"))
        if isinstance(raw, dict) and isinstance(raw.get("context"), dict):
            sweep.context = raw["context"]
            sweep.context_point = pid
            break
    return sweep


def load_sweeps(paths):
    """Load several sweep folders and give each a distinct label."""
    sweeps = [load_sweep(p) for p in paths]
    seen = {}
    for sweep in sweeps:
        label = sweep.run_id or sweep.folder_name
        if label in seen:
            label = f"{label} ({sweep.folder_name})"
            if label in seen:
                label = f"{label} #{len(seen) + 1}"
        seen[label] = sweep
        sweep.label = label
    return sweeps
