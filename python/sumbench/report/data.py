"""Load and validate sweep folders (see docs/DESIGN.md). Standard library only.

A sweep folder holds results.csv and, when present, catalogue.json, manifest.json,
sweep.json and points/<point_id>/{status.json,raw.json,command.txt,...}. Every problem
that makes the folder unusable raises InputError with one line that names the file (and
line) and what is wrong.
"""

import json
import os

from .. import machine, points
from ..catalogue import Catalogue
from ..errors import InputError
from ..schema import SPECS, read_results_csv
from ..tidy_table import param_value


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
        self.catalogue = None       # catalogue.json, or the migration of an older folder
        self.slurm_jobs = []        # the Slurm jobs that made it: jobs.csv rows + "facts"

    @property
    def run_id(self):
        ids = sorted({r["run_id"] for r in self.rows if r.get("run_id")})
        if len(ids) == 1:
            return ids[0]
        if isinstance(self.manifest, dict) and self.manifest.get("run_id"):
            return str(self.manifest["run_id"])
        return None

    def cores(self):
        """Logical CPUs the sweep planned with (its largest allocation), or None."""
        return machine.cores_of(self.manifest, self.context)

    def cores_per_node(self):
        """Logical CPUs of one node the sweep planned with, or None when unknown."""
        return machine.cores_per_node_of(self.manifest, self.context)


def slurm_jobs(sweep):
    """The Slurm jobs of a folder: a combined sweep's manifest lists them (each with its
    sbatch line and its slurm.json in full); a job's own folder has its slurm.json."""
    jobs = sweep.manifest.get("slurm_jobs") if isinstance(sweep.manifest, dict) else None
    if isinstance(jobs, list):
        return [j for j in jobs if isinstance(j, dict)]
    facts, problem = _try_json(os.path.join(sweep.path, "slurm.json"))
    if problem:
        sweep.warnings.append(problem)
    if not isinstance(facts, dict):
        return []
    return [{"job_id": facts.get("job_id"), "name": facts.get("job_name"),
             "nodes": facts.get("nodes"), "state": facts.get("state"),
             "restarts": facts.get("restarts") or 0, "command": facts.get("command"),
             "facts": facts}]


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
    sweep.catalogue = Catalogue.for_folder(sweep.path)
    for param in {p["column"]: p for m in sweep.catalogue.modes for p in m.get("params", [])
                  if p["column"] not in SPECS}.values():   # a mode's own column: its type
        for row in sweep.rows:
            if isinstance(row.get(param["column"]), str) and row[param["column"]]:
                row[param["column"]] = param_value(param, row[param["column"]])
    sweep.slurm_jobs = slurm_jobs(sweep)
    points_dir = os.path.join(sweep.path, "points")
    for pdir in points.point_dirs(sweep.path):
        status, problem = points.load_status(pdir)
        if problem:
            sweep.warnings.append(problem)
        elif status is not None:
            sweep.statuses[pdir.name] = status
        cmd = _read_text(os.path.join(pdir, points.COMMAND_TXT))
        if cmd:
            sweep.commands[pdir.name] = cmd.strip()
    ok_points = [r["point_id"] for r in sweep.rows if r["status"] == "ok"]
    for pid in list(dict.fromkeys(ok_points)) + sorted(sweep.statuses):
        raw, _ = _try_json(os.path.join(points_dir, pid, points.RAW))
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
