"""sumbench-py's orchestration, on the python3 that runs the command: it checks the
function in every chosen interpreter (pyfunc_child.py's "check": it imports, takes
(start, stop), runs, reduces), before anything is written; then runs one child process per
point (a model at a worker count in one interpreter), writes its point folder
(record.py), and rebuilds OUT/results.csv.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Optional

from .. import folders, machine, procs, tidy_table
from ..errors import UsageError, prog_name
from ..interpreters import Interpreter
from ..io import atomic_write_json, read_json_object
from . import modes, record

CHILD = Path(__file__).resolve().with_name("pyfunc_child.py")
SCHEMA = "sumbench.pyfunc/1"     # what pyfunc_child.py writes on every line
# The user's environment reaches their function, less what binds Python to one
# interpreter (PYTHONHOME, PYTHONSTARTUP, ...): every CPython from 2.7 to 3.13 runs here.
KEEP_ENV = ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED", "PYTHONUNBUFFERED")
SHORT_SERIAL_S = 0.01   # a serial run shorter than this measures start-up, not the function


def child_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") or k in KEEP_ENV}


def ask(python: str, spec: dict, timeout: float) -> tuple[list[dict], procs.Finished]:
    """The JSON lines of the child under `python` for `spec`, and how it ended. Its whole
    process tree goes at the timeout, on SIGINT/SIGTERM, or if we die."""
    finished = procs.run([python, str(CHILD)], input=json.dumps(spec), timeout=timeout, env=child_env())
    lines = []
    for line in finished.stdout.splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict) and doc.get("schema") == SCHEMA and isinstance(doc.get("result"), dict):
            lines.append(doc)
    return lines, finished


def base_spec(cfg: dict) -> dict:
    return {"function": list(cfg["function"]), "reduce": list(cfg["reduce"]), "n": cfg["n"],
            "rel_tol": cfg["rel_tol"]}


def check(interp: Interpreter, cfg: dict) -> tuple[Optional[dict], str]:
    """(the check's line, "") or (None, why this interpreter cannot measure the function)."""
    spec = dict(base_spec(cfg), experiment="check", max_workers=max(cfg["workers"]))
    try:
        lines, finished = ask(interp.path, spec, cfg["timeout_s"])
    except OSError as e:
        return None, f"cannot start: {e.strerror or e}"
    if finished.timed_out:
        return None, (f"the check ({cfg['target_text']} over the whole range and over "
                      f"{max(cfg['workers'])} slices) did not end within --timeout {cfg['timeout_s']:g} s "
                      f"(killed); lower --n or raise --timeout")
    said = [line.split("bad input: ", 1)[1] for line in finished.stderr.splitlines() if "bad input: " in line]
    if finished.returncode == 2 and said:
        return None, said[-1]
    if finished.returncode != 0 or not lines:
        tail = (finished.stderr.strip().splitlines() or [f"exit status {finished.returncode}, no answer"])[-1]
        return None, f"the interpreter failed while checking {cfg['target_text']}: {tail}"
    return lines[0], ""


def checked(interps: list[Interpreter], cfg: dict, everything: bool) -> tuple[list, list[str]]:
    """[(interp, check line)] of the interpreters that can measure the function, and notes
    on those that cannot. One that cannot is bad input (UsageError) when it was named;
    with --python all it is left out, unless none is left."""
    good, notes, first = [], [], None
    for interp in interps:
        line, why = check(interp, cfg)
        if line is not None:
            good.append((interp, line))
            continue
        if not everything:
            raise UsageError(f"CPython {interp.version} ({interp.path}): {why}")
        first = first or why
        notes.append(f"left out CPython {interp.version} ({interp.path}): {why}")
    if not good:
        raise UsageError(f"no interpreter can measure {cfg['target_text']}: {first}")
    return good, notes


def enumerate_points(cfg: dict, info: dict, models: dict) -> tuple[list[dict], list[str]]:
    """The points of one interpreter, and the modes it has not (with why)."""
    pts, missing = [], []
    for mode in cfg["modes"]:
        why = models.get(modes.MODEL_OF[mode])
        if why:
            missing.append(f"{mode}: {why}")
            continue
        for w in [1] if mode == modes.REFERENCE_MODE else cfg["workers"]:
            pts.append({"mode": mode, "workers": w, "point_id": record.point_id(info, cfg, mode, w)})
    return pts, missing


def free_threaded_note(found: list[dict], everything: bool) -> Optional[str]:
    if any(line["interpreter"]["gil"] == "free-threaded" for line in found):
        return None
    if everything:
        return f"no free-threaded interpreter found: {modes.FREE_THREADED_HINT} (looked on PATH and under pyenv)"
    return f"no free-threaded interpreter among --python: {modes.FREE_THREADED_HINT} (--python all looks on " \
           f"PATH and under pyenv)"


def run(cfg: dict, interps: list[Interpreter], everything: bool, argv: list[str], notes: list[str]) -> int:
    out_dir = os.path.abspath(cfg["out"])
    folders.check(out_dir, accept=folders.SWEEP_FOLDERS)   # before any interpreter runs
    found, left_out = checked(interps, cfg, everything)
    notes = notes + left_out
    ft = free_threaded_note([line for _, line in found], everything)
    notes += [ft] if ft else []
    folders.claim(out_dir, "sweep", "sumbench-py", accept=folders.SWEEP_FOLDERS)
    os.makedirs(os.path.join(out_dir, "points"), exist_ok=True)
    folders.lock(out_dir)   # not while sweep.py or the baseline writes the same folder
    manifest_path = os.path.join(out_dir, "manifest.json")
    existing = read_json_object(manifest_path)
    host, started = socket.gethostname(), time.strftime("%Y-%m-%dT%H:%M:%S%z")
    run_id = cfg["run_id"] or str((existing or {}).get("run_id") or "") or \
        f"pyfunc-{host}-{time.strftime('%Y%m%dT%H%M%S')}"
    argv_full = [sys.executable, sys.argv[0]] + argv
    for line in notes:
        say(line)
    counts = {s: 0 for s in ("ok", "invalid", "failed", "timeout")}
    interpreters = {}
    try:
        for interp, line in found:
            info, result = line["interpreter"], line["result"]
            pts, missing = enumerate_points(cfg, info, result["models"])
            interpreters[record.version_tag(info)] = {
                "path": interp.path, "gil": info["gil"], "serial_s": result["serial_s"],
                "result": result["result"], "split_matches": result["split_matches"],
                "measured": sorted({p["mode"] for p in pts}, key=modes.MODE_NAMES.index),
                "missing": {m.split(":", 1)[0]: m.split(": ", 1)[1] for m in missing},
                "subinterpreters": result["subinterpreters"], "start_methods": result["start_methods"]}
            say(f"CPython {record.version_tag(info)} ({info['gil']} GIL, {interp.path}): "
                f"{cfg['target_text']}(0, {cfg['n']}) = {result['result']} in {result['serial_s']:.4g} s; "
                f"{len(pts)} points x {cfg['repetitions']} repetitions -> {out_dir}")
            for m in missing:
                say(f"  not measured: {m}")
            if not result["split_matches"]:
                say(f"  warning: reduced over {max(cfg['workers'])} slices the result is {result['split_result']}, "
                    f"not {result['result']}: those points will be invalid" +
                    (" (floating-point partials? --rel-tol)" if result["result_type"] == "float" else ""))
            if result["serial_s"] < SHORT_SERIAL_S:
                say(f"  note: the serial run took {result['serial_s'] * 1e3:.2g} ms: starting workers costs "
                    f"more; raise --n to measure the function rather than the start-up")
            ctx = {"run_id": run_id, "host": host, "info": info, "check": result, "argv": argv_full,
                   "env": {k: v for k, v in child_env().items() if k in KEEP_ENV}, "child": str(CHILD),
                   "spec_of": lambda pt, result=result: point_spec(cfg, pt, result)}
            for pt in pts:
                counts[run_point(interp.path, pt, cfg, ctx, out_dir)] += 1
        if not os.path.exists(manifest_path):  # an existing sweep keeps its own
            atomic_write_json(manifest_path, {
                "run_id": run_id, "source": modes.SOURCE, "machine": machine.describe(cfg["cores"]),
                "started": started, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "counts": dict(counts, points=sum(counts.values())), "command_line": argv_full,
                "config": {k: v for k, v in cfg.items() if k != "out"}})
        record.save_runs(out_dir, cfg, {
            "function": cfg["target_text"], "reduce": cfg["reduce_text"], "n": cfg["n"],
            "workers": cfg["workers"], "repetitions": cfg["repetitions"], "rel_tol": cfg["rel_tol"],
            "run_id": run_id, "started": started, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "interpreters": interpreters, "notes": notes, "counts": counts, "command_line": argv_full})
    finally:  # the points written so far are in results.csv, also when interrupted
        csv_path = tidy_table.rebuild_results(out_dir)
    say(", ".join(f"{v} {k}" for k, v in counts.items() if v or k == "ok") + f"; {csv_path}")
    busy = (record.loadavg() or [0.0])[0]
    if busy > cfg["cores"]:
        say(f"warning: the load average is {busy:.1f} on {cfg['cores']} cores: other work shared the CPUs "
            f"during the run, so its times and speedups measure that too (the report flags unstable points)")
    return 0 if counts["ok"] == sum(counts.values()) else 1


def point_spec(cfg: dict, pt: dict, check_result: dict) -> dict:
    return dict(base_spec(cfg), experiment="point", model=modes.MODEL_OF[pt["mode"]], workers=pt["workers"],
                repetitions=cfg["repetitions"], reference=check_result["reference"])


def run_point(python: str, pt: dict, cfg: dict, ctx: dict, out_dir: str) -> str:
    load_before, t = record.loadavg(), time.perf_counter()
    try:
        lines, finished = ask(python, ctx["spec_of"](pt), cfg["timeout_s"])
    except OSError as e:
        lines, finished = [], procs.Finished(None, "", f"cannot start {python}: {e.strerror or e}")
    reps = [dict(d["result"], repetition=d["repetition"]) for d in lines]
    status, reason = record.judge(reps, finished.returncode, finished.timed_out, finished.stderr,
                                  cfg["repetitions"])
    record.write_point(out_dir, pt, cfg, ctx, reps, finished, status, reason, time.perf_counter() - t,
                       load_before)
    say(f"  {pt['point_id']:<56} {status:<7} {phase_text(reps)}" + (f"  ({reason})" if reason else ""))
    return status


def phase_text(reps: list[dict]) -> str:
    """The median time and phases of a point, for the terminal."""
    done = [r for r in reps if r.get("time_s") is not None]
    if not done:
        return ""
    med = lambda key: sorted(r[key] for r in done)[len(done) // 2]  # noqa: E731
    parts = [f"{k[:-2]} {med(k) * 1e3:.3g}" for k in record.PHASES if med(k) >= 0.0005 or k == "compute_s"]
    return f"median {med('time_s'):.4g} s  [ms: {', '.join(parts)}]"


def say(line: str) -> None:
    print(f"{prog_name('pyfunc.py')}: {line}", flush=True)
