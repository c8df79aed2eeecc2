"""How much memory and time each benchmark job of a Slurm sweep asks for (sbatch --mem,
--time), from the points it will run.

Memory per node: the largest point's arrays (the catalogue's bytes_per_element, triad's
three arrays 24 bytes, times its n: the total n under strong scaling, n x workers under
weak), shared by the nodes its ranks run on, plus each process's own (runner, ranks),
times MEM_MARGIN. Without it a job gets the site's DefMemPerCPU, which triad can exceed.

Time: the sum of the job's points, each from the previous sweep's wall time of the same
point on the same node count (--previous) or else from a calibration run on this node
(sumbench --quick, serial, one repetition per kernel: seconds per item), with the
repetitions, the reruns a noisy point may get and a start-up cost per point; then times
--time-margin, plus the job's own start. A guess of the right order, not a measurement:
the margin is there because the compute nodes are not this one.
"""

from __future__ import annotations

import json
import math
import shlex
import subprocess
from pathlib import Path
from typing import Optional

from ..io import read_json_object

MEM_MARGIN = 1.25
MEM_BASE_MIB = 512          # the runner (Python) and the job script on the first node
MEM_PER_RANK_MIB = 96       # one sumbench process: MPI, hwloc, Google Benchmark
POINT_START_S = 3.0         # a point's processes: launch, MPI_Init, catalogue, launch-only run
JOB_START_S = 120.0         # the job: site file, catalogue, probe step
MIN_TIME_S = 300            # Slurm schedules in minutes; shorter limits only risk a TIMEOUT
GB_MIN_TIME = {True: 0.01, False: 0.03}   # sumbench's --benchmark_min_time (--quick, not)


def point_n(point, cat) -> int:
    if point.n is not None:
        return point.n
    if point.default_n is not None:
        return point.default_n
    return int(cat.default_n(point.kernel, point.scaling)["value"])


def nodes_used(point, nodes: int) -> int:
    return max(1, min(nodes, point.ranks)) if point.multi_process else 1


def memory_mib(points, nodes: int, cat) -> int:
    """sbatch --mem (MiB per node) of a job that runs `points` on `nodes` nodes."""
    need = 0.0
    for p in points:
        bpe = float(cat.kernel(p.kernel).get("bytes_per_element") or 0)
        n = point_n(p, cat) * (p.workers if p.scaling == "weak" else 1)
        used = nodes_used(p, nodes)
        ranks_here = math.ceil(p.ranks / used) if p.multi_process else 1
        need = max(need, bpe * n / used / 2**20 + ranks_here * MEM_PER_RANK_MIB)
    mib = (need + MEM_BASE_MIB) * MEM_MARGIN
    return int(math.ceil(mib / 64.0) * 64)


def node_memory_mib(partition: Optional[str]) -> Optional[int]:
    """The most memory (MiB) a node of the partition has (sinfo's RealMemory), or None."""
    argv = ["sinfo", "-h", "-o", "%m"] + ([f"--partition={partition}"] if partition else [])
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    sizes = [int(x.rstrip("+")) for x in proc.stdout.split() if x.rstrip("+").isdigit()]
    return max(sizes) if proc.returncode == 0 and sizes else None


def calibrate(binary: str, kernels: list[str], extra: list[str]) -> tuple[dict, str]:
    """({kernel: seconds per item at one worker}, what was run) from one quick serial run
    of sumbench on this node; ({}, why) when it fails."""
    argv = [binary, f"--kernels={','.join(kernels)}", "--modes=serial", "--quick",
            "--benchmark_repetitions=1", "--benchmark_format=json"] + list(extra)
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL)
        doc = json.loads(proc.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        return {}, f"calibration run failed ({e}): {shlex.join(argv)}"
    rates = {}
    for b in doc.get("benchmarks", []):
        parts = b.get("name", "").split("/")
        n = next((int(x[2:]) for x in parts if x.startswith("n:") and x[2:].isdigit()), 0)
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}.get(b.get("time_unit"), 1e-3)
        if n and b.get("real_time") and b.get("run_type", "iteration") == "iteration":
            rates[parts[0]] = float(b["real_time"]) * unit / n
    return rates, f"calibration on this node: {shlex.join(argv)}"


def previous_times(sweep_dir: Optional[str]) -> dict:
    """{(nodes, point_id): wall seconds} of an earlier submit_sweep.py folder."""
    if not sweep_dir:
        return {}
    record = read_json_object(Path(sweep_dir) / "submit.json") or {}
    found = {}
    for job in record.get("jobs", []):
        folder = Path(sweep_dir) / f"slurm-{job.get('job_id')}" / "points"
        for status in folder.glob("*/status.json") if folder.is_dir() else []:
            doc = read_json_object(status) or {}
            if isinstance(doc.get("wall_s"), (int, float)) and doc.get("status") == "ok":
                found[(int(job.get("nodes") or 1), status.parent.name)] = float(doc["wall_s"])
    return found


def point_seconds(point, nodes: int, cfg: dict, cat, rates: dict) -> Optional[float]:
    """A point's wall time from the calibration (None: its kernel was not calibrated)."""
    per_item = rates.get(point.kernel)
    if per_item is None:
        return None
    n_total = point_n(point, cat) * (point.workers if point.scaling == "weak" else 1)
    if cat.kernel(point.kernel).get("kind") == "memory-bound":  # a node's bandwidth is shared
        items = n_total / nodes_used(point, nodes)
    else:
        items = n_total / point.workers
    one = items * per_item
    reps = cfg["repetitions"] * (1 + cfg["max_reruns"])
    return POINT_START_S + 0.01 * point.ranks + reps * (2 * one + GB_MIN_TIME[bool(cfg["quick"])])


def job_seconds(points, nodes: int, cfg: dict, cat, rates: dict, previous: dict,
                margin: float) -> tuple[int, str]:
    """(seconds for sbatch --time, how they were found)."""
    total, seen, guessed, unknown = 0.0, 0, 0, 0
    for p in points:
        before = previous.get((nodes, p.point_id))
        if before is not None:
            total += before
            seen += 1
            continue
        guess = point_seconds(p, nodes, cfg, cat, rates)
        if guess is None:
            unknown += 1
            guess = cfg["timeout"]  # the runner's own bound of one point
        else:
            guessed += 1
        total += guess
    secs = max(MIN_TIME_S, int(math.ceil((total * margin + JOB_START_S) / 60.0) * 60))
    how = (f"{len(points)} points: {seen} from the previous sweep, {guessed} from the calibration"
           + (f", {unknown} at the runner's --timeout" if unknown else "")
           + f"; {total:.0f} s x margin {margin:g} + {JOB_START_S:.0f} s start")
    return secs, how


def slurm_time(seconds: int) -> str:
    d, s = divmod(int(seconds), 86400)
    return (f"{d}-" if d else "") + f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
