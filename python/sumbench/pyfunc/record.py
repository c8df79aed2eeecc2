"""sumbench-py's records: a point's results.csv rows, its point folder, and pyfunc.json.

    OUT/points/py-<version>-<module.function>-<model>-w<W>/
        command.json  command.txt  raw.json  rows.json  stderr.txt  status.json (written last)
    OUT/pyfunc.json   per function: its reducer, n, each interpreter's models (measured, or
                      why not), the notes of the run; the report reads it
"""

from __future__ import annotations

import os
import re
import statistics
from pathlib import Path

from .. import points
from ..io import atomic_write_json, atomic_write_text, read_json_object
from ..schema import COLUMNS, SCHEMA_VERSION, time_problem
from . import modes

RUNS_FILE = "pyfunc.json"
RUNS_SCHEMA = "sumbench.pyfunc-runs/1"
PHASES = ("start_s", "send_s", "compute_s", "return_s", "stop_s", "combine_s")
THREADED = ("py-threads", "py-thread-pool")   # the rows that share one interpreter's GIL


def version_tag(info: dict) -> str:
    """The interpreter's version as the rows name it: 3.13.0, and 3.13.0t for a
    free-threaded build (the same version with and without the GIL are two interpreters)."""
    return info["version"] + ("t" if info["gil"] == "free-threaded" else "")


def kernel_name(cfg: dict) -> str:
    return "%s:%s" % cfg["function"]


def point_id(info: dict, cfg: dict, mode: str, workers: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.]", "_", "%s.%s" % cfg["function"])
    return f"py-{version_tag(info)}-{slug}-{modes.MODEL_OF[mode]}-w{workers}"


def base_row(pt: dict, cfg: dict, ctx: dict) -> dict:
    info, mode, w = ctx["info"], pt["mode"], pt["workers"]
    multi = mode in ("py-fork", "py-spawn", "py-process-pool")
    threaded, old = mode in THREADED, info["gil"] == "old"
    return {"run_id": ctx["run_id"], "point_id": pt["point_id"], "source": modes.SOURCE,
            "kernel": kernel_name(cfg), "mode": mode, "ranks": w if multi else 1, "threads": 1 if multi else w,
            "workers": w, "nodes": 1, "scaling": "strong", "n": cfg["n"], "hosts": ctx["host"],
            "oversubscribed": 1 if w > cfg["cores"] else 0,
            "gil_policy": (f"cpython-{info['version']}" + ("-nogil" if info["gil"] == "free-threaded" else ""))
            if threaded else None,
            "switch_interval_s": info.get("switch_interval_s") if threaded and not old else None,
            "check_interval": info.get("check_interval") if threaded and old else None,
            "interpreter": info["implementation"], "interpreter_version": version_tag(info),
            "gil_kind": info["gil"], "schema_version": SCHEMA_VERSION}


def judge(reps: list[dict], returncode, timed_out: bool, stderr: str, wanted: int) -> tuple[str, str]:
    """(status, reason) of a point from its repetitions and how its child ended."""
    problems = sorted({p for r in reps for p in r.get("problems") or []})
    if timed_out:
        return "timeout", f"did not finish within --timeout ({len(reps)} of {wanted} repetitions)"
    if returncode != 0 or len(reps) < wanted:
        tail = (stderr.strip().splitlines() or [f"exit status {returncode}"])[-1]
        return "failed", f"the interpreter failed after {len(reps)} of {wanted} repetitions: {tail}"
    if any(r.get("time_s") is None for r in reps):
        return "failed", "; ".join(problems[:3])
    for r in reps:  # a time that is not a measurement fails validation (schema's rule)
        if time_problem(r["time_s"]):
            r["valid"] = False
            r.setdefault("problems", []).append(time_problem(r["time_s"]))
    if not all(r.get("valid") for r in reps):
        return "invalid", "; ".join(sorted({p for r in reps for p in r.get("problems") or []})[:3])
    return "ok", ""


def rows_of(pt: dict, cfg: dict, ctx: dict, reps: list[dict], status: str) -> tuple[list[dict], float, int]:
    """results.csv rows of one point: one per repetition (one empty row when none came)."""
    base = base_row(pt, cfg, ctx)
    rows = []
    for r in reps:
        t = r.get("time_s")
        rows.append(dict(base, repetition=r["repetition"], time_s=t, items_per_s=(cfg["n"] / t) if t else None,
                         launch_s=r.get("start_s"), combine_bytes=r.get("bytes_back"),
                         valid=1 if r.get("valid") else 0))
    times = [r["time_s"] for r in rows if r["valid"]]
    cv = (statistics.pstdev(times) / statistics.mean(times)) if len(times) >= 2 else 0.0
    unstable = 1 if cv > cfg["cv_threshold"] else 0
    if not rows:
        rows = [dict(base, valid=0)]
    for r in rows:
        r.update(status=status, cv=cv, unstable=unstable)
    return rows, cv, unstable


def write_point(out_dir: str, pt: dict, cfg: dict, ctx: dict, reps: list[dict], finished, status: str,
                reason: str, wall_s: float, load_before) -> list[dict]:
    rows, cv, unstable = rows_of(pt, cfg, ctx, reps, status)
    pdir = Path(out_dir) / "points" / pt["point_id"]
    pdir.mkdir(parents=True, exist_ok=True)
    (pdir / points.STATUS).unlink(missing_ok=True)  # a rerun: incomplete until status.json is back
    points.write_command(pdir, ctx["argv"], ctx["env"], cwd=os.getcwd(), interpreter=ctx["info"],
                         point=pt, child=ctx["child"], spec=ctx["spec_of"](pt))
    atomic_write_json(pdir / points.RAW, {
        "source": modes.SOURCE, "function": kernel_name(cfg), "reduce": cfg["reduce_text"], "n": cfg["n"],
        "point": pt, "interpreter": ctx["info"], "check": ctx["check"], "phases": list(PHASES),
        "repetitions": reps})
    atomic_write_json(pdir / points.ROWS, [{c: r.get(c) for c in COLUMNS} for r in rows])
    atomic_write_text(pdir / points.STDERR, finished.stderr if finished is not None else "")
    warnings = [f"{pt['workers']} workers on {cfg['cores']} cores: oversubscribed"] \
        if rows[0]["oversubscribed"] else []
    starts = [r["start_s"] for r in reps if r.get("start_s") is not None]
    points.write_status(
        pdir, point_id=pt["point_id"], source=modes.SOURCE,
        point={"kernel": kernel_name(cfg), "mode": pt["mode"], "ranks": rows[0]["ranks"],
               "threads": rows[0]["threads"], "workers": pt["workers"], "scaling": "strong", "n": cfg["n"],
               "gil_policy": rows[0]["gil_policy"], "interpreter_version": version_tag(ctx["info"])},
        exit_code=finished.returncode if finished is not None else None, status=status, reason=reason,
        wall_s=wall_s, launch_s=statistics.median(starts) if starts else None, load_before=load_before,
        load_after=loadavg(), oversubscribed=bool(rows[0]["oversubscribed"]), warnings=warnings,
        attempts=1, cv=cv, unstable=bool(unstable), timeout_s=cfg["timeout_s"],
        stderr_tail="\n".join((finished.stderr if finished is not None else "").splitlines()[-5:]),
        detail={"model": modes.MODEL_OF[pt["mode"]]})
    return rows


def loadavg():
    try:
        return list(os.getloadavg())
    except (AttributeError, OSError):
        return None


def save_runs(out_dir: str, cfg: dict, record: dict) -> None:
    """Merge this run's record of the function into OUT/pyfunc.json (one entry per function)."""
    path = Path(out_dir) / RUNS_FILE
    doc = read_json_object(path) or {}
    functions = doc.get("functions") if isinstance(doc.get("functions"), dict) else {}
    functions[kernel_name(cfg)] = record
    atomic_write_json(path, {"schema": RUNS_SCHEMA, "functions": functions})


def load_runs(folder) -> dict:
    """{function: record} of a folder's pyfunc.json ({} when it has none or it is not ours)."""
    doc = read_json_object(Path(folder) / RUNS_FILE) or {}
    functions = doc.get("functions") if doc.get("schema") == RUNS_SCHEMA else None
    return {k: v for k, v in functions.items() if isinstance(v, dict)} if isinstance(functions, dict) else {}
