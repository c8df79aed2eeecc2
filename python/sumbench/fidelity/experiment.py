"""The interleaved fidelity run and its folder.

Each repetition runs every group of the plan once (sumbench.fidelity.plan): every
interpreter of the group's GIL kinds, then the model with every policy its figures' roles
need (the right policy, legacy's defaults, the controls), so drifts in the machine's load
hit all sides. During every run the machine's CPU time is read from /proc/stat and our
own from getrusage: what others used marks the run noisy. The run is one point folder of
a sweep-style folder (a new one, or an existing sweep, as the CPython baseline joins one),
written after every repetition:

    OUT/points/fidelity/raw.json    every measurement (per-run values, convoy's per-wait
                                    samples, the load during it), the interpreters,
                                    legacy's calibrations, the plan; at the end the table
    OUT/points/fidelity/rows.json   the tidy rows (results.csv's schema), one per measurement
    OUT/points/fidelity/table.txt   the printed table (at the end)
    OUT/points/fidelity/status.json written last: the run is complete
    OUT/results.csv                 rebuilt from every point folder
A run that stopped (killed, interrupted) resumes from its last complete repetition when
given the same settings and --out; a complete run is never overwritten.
"""

from __future__ import annotations

import os
import platform
import socket
import statistics
import time
from pathlib import Path
from typing import Callable, Optional

from .. import builds, folders, machine, points, tidy_table
from ..catalogue import Catalogue
from ..errors import UsageError
from ..io import atomic_write_json, atomic_write_text, read_json_object
from ..runner.progress import _hms
from ..schema import COLUMNS, SCHEMA_VERSION
from . import plan, runs, scorecard, text
from .figures import POLICY_OF_GIL, Figure

POINT_ID = "fidelity"
ENTRY_KEYS = ("name", "real_time", "time_unit", "iterations", "n", "threads", "valid", "time_max_rank_s")
# 4 (issue 20): controls, C = 0 baselines, seed:K, ioconvoy, per-wait samples, others' load
# per run; a stopped run of format 3 is not resumed into it.
DOC_SCHEMA = "sumbench.fidelity/4"


def point_dir(out: str) -> Path:
    return Path(out) / "points" / POINT_ID


def check_out(out: str, cfg: dict, build: dict) -> Optional[dict]:
    """Before anything runs: the stopped run to resume (its raw.json), or None for a new
    one; UsageError for a folder that is not ours, a complete run, other settings, or
    measurements of another sumbench build (a sweep's, or a stopped run's)."""
    folders.check(out, accept=folders.SWEEP_FOLDERS)
    builds.check(out, build, "fidelity run")
    pdir = point_dir(out)
    if (pdir / points.STATUS).exists():
        raise UsageError(f"--out {out} already holds a complete fidelity run ({pdir}); "
                         f"give a new --out (nothing is overwritten)")
    prev = read_json_object(pdir / points.RAW) if (pdir / points.RAW).exists() else None
    if prev is None:
        if pdir.exists() and any(pdir.iterdir()):
            raise UsageError(f"--out {out}: {pdir} holds files of no fidelity run this reads; "
                             f"give a new --out")
        return None
    if prev.get("schema") != DOC_SCHEMA or prev.get("config") != cfg:
        old = prev.get("config") or {}
        diff = sorted(k for k in set(old) | set(cfg) if old.get(k) != cfg.get(k))
        raise UsageError(f"--out {out} holds a stopped fidelity run with other settings "
                         f"({', '.join(diff) or 'another format'}); give the same settings to "
                         f"resume it, or a new --out")
    return prev


def tidy_rows(doc: dict, run_id: str, host: str, cores: int) -> list[dict]:
    """One results.csv row per measurement."""
    rows = []
    for m in doc["measurements"]:
        real = m["source"] == scorecard.SOURCE_REAL
        info = m.get("interpreter") or {}
        cols = m["columns"]
        threads = cols["threads"]
        setting = m.get("setting") or ""
        rows.append({c: None for c in COLUMNS} | {
            "run_id": run_id, "point_id": POINT_ID, "source": m["source"], "kernel": cols["kernel"],
            "mode": "cpython-threads" if real else "gil", "ranks": 1, "threads": threads,
            "workers": threads, "nodes": 1, "scaling": "strong", "n": cols.get("n"),
            "repetition": m["repetition"], "time_s": cols.get("time_s"),
            "items_per_s": None, "valid": 1 if m["value"] is not None else 0,
            "oversubscribed": 1 if threads > cores else 0, "hosts": host,
            "switch_interval_s": float(setting[:-2]) / 1000 if setting.endswith("ms") else None,
            "check_interval": int(setting[5:]) if setting.startswith("check") else None,
            "gil_policy": f"cpython-{info['version']}" if real else m["policy"],
            "interpreter": info.get("implementation") if real else None,
            "interpreter_version": info.get("version") if real else None,
            "gil_kind": info.get("gil") if real else None,
            "fidelity_figure": m["figure"], "fidelity_value": m["value"],
            "status": "ok", "io_latency_s": cols.get("io_latency_s"), "schema_version": SCHEMA_VERSION})
    return rows


def real_spec(g: plan.Group, setting: Optional[str], cfg: dict) -> dict:
    spec = {"experiment": g.kind, "threads": 2 if g.kind == "handoff" else g.threads}
    if g.kind == "ioconvoy":
        spec.update(io_threads=g.io_threads, duration_s=cfg["io_seconds"])
    elif g.kind == "convoy":
        spec["waits"] = cfg["waits"]
    elif g.kind == "handoff":
        spec["duration_s"] = 0.1 if cfg["quick"] else 0.5
    if setting and setting.startswith("check"):
        spec["check_interval"] = int(setting[5:])
    elif setting:
        spec["switch_interval_s"] = float(setting[:-2]) / 1000
    return spec


def real_values(g: plan.Group, setting: Optional[str], spec: dict, r: dict) -> list[tuple[str, Optional[float], dict]]:
    """(figure, value, tidy columns) of one child result."""
    c = g.threads
    if g.kind == "cpu":
        cols = {"kernel": "sum", "threads": c, "n": spec["n"], "time_s": r["threads_s"]}
        return [(f"cpu:{c}", r["ratio"], cols), (f"seed:{c}", r["ratio_main"], cols)]
    if g.kind == "convoy":
        return [(f"convoy:{c}:{setting}", r["added_s_mean"], {"kernel": "convoy", "threads": c + 1, "n": spec["waits"],
                                                              "time_s": r["io_wall_s"], "io_latency_s": r["added_s_mean"]})]
    if g.kind == "ioconvoy":
        return [(f"{g.stem}:{c}:{setting}", r["ops_per_s"], {"kernel": g.stem, "threads": c + g.io_threads,
                                                             "n": round(spec["duration_s"] * 1000), "time_s": r["io_wall_s"]})]
    return [(f"handoff:{setting}", r["s_per_handoff"], {"kernel": "sum", "threads": 2, "n": sum(r["iterations"]),
                                                       "time_s": r["wall_s"]})]


class Run:
    """One fidelity run into OUT (see the module's docstring)."""

    def __init__(self, cfg: dict, figs: list[Figure], interps: list[dict], notes: list[str],
                 model: runs.Model, cat: Catalogue, out: str, argv: list[str],
                 say: Callable[[str], None] = print, build: Optional[dict] = None):
        self.cfg, self.figs, self.interps, self.model = cfg, figs, interps, model
        self.out, self.say = os.path.abspath(out), say
        self.load = runs.LoadMeter()
        self.py2 = [i for i in interps if POLICY_OF_GIL.get(i["gil"]) == "legacy"]
        self.groups = plan.make(figs, calibrated=bool(self.py2))
        self.host, self.cores = socket.gethostname(), len(os.sched_getaffinity(0))
        self.cat, self.argv, self.notes = cat, argv, notes
        self.build = build   # builds.identity of the model's sumbench, kept in raw.json

    def estimate_s(self) -> float:
        return plan.estimate_s(self.groups, self.interps, self.cfg) * self.cfg["repetitions"]

    def start(self, prev: Optional[dict]) -> dict:
        folders.claim(self.out, "sweep", "fidelity.py", accept=folders.SWEEP_FOLDERS)
        os.makedirs(point_dir(self.out), exist_ok=True)
        folders.lock(self.out)
        if not os.path.exists(os.path.join(self.out, "catalogue.json")):
            self.cat.save(self.out)
        manifest = read_json_object(os.path.join(self.out, "manifest.json"))
        self.run_id = str((manifest or {}).get("run_id") or "") or f"fidelity-{self.host}-{time.strftime('%Y%m%dT%H%M%S')}"
        if manifest is None:
            atomic_write_json(os.path.join(self.out, "manifest.json"), {
                "run_id": self.run_id, "source": "fidelity", "machine": machine.describe(self.cores),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command_line": self.argv})
        if prev is not None:
            prev.setdefault("sumbench_build", self.build)
            return prev
        cal = {}
        for i in self.interps:  # the loop's size per interpreter (cpu: about --cpu-seconds serially)
            results = runs.child(i["executable"], {"experiment": "calibrate", "n": 1000000, "repetitions": 3})
            cal[i["version"]] = statistics.median(r["s_per_iteration"] for r in results)
        return {"schema": DOC_SCHEMA, "command": self.argv, "config": self.cfg,
                "sumbench_build": self.build,
                "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "machine": {"node": platform.node(), "cpu": machine.cpu_model(), "cpus": os.cpu_count()},
                "interpreters": self.interps, "not_found": self.notes, "s_per_iteration": cal,
                "plan": [{"group": g.name, "real": {k: sorted(v, key=str) for k, v in g.real.items()},
                          "model": sorted(g.model)} for g in self.groups],
                "legacy_ticks": [], "quiet": [], "repetitions_done": 0, "measurements": [], "loads": []}

    def run(self, doc: dict) -> dict:
        reps, t0 = self.cfg["repetitions"], time.time()
        done0 = doc["repetitions_done"]
        if done0:
            self.say(f"resuming after repetition {done0} of {reps}")
        for rep in range(done0, reps):
            needs = any(p == "legacy" for g in self.groups for p, _ in g.model)
            tick = self.calibrate(doc) if needs and self.py2 else None
            for gi, g in enumerate(self.groups):
                quiet = None
                if self.cfg["quiet_wait"] > 0:
                    quiet = self.load.wait_quiet(self.cfg["quiet_wait"])[1]
                    doc["quiet"].append(quiet)
                for interp, setting in plan.real_runs(g, self.interps):
                    doc["measurements"] += self.real(g, interp, setting, rep, quiet, doc)
                for m in self.model.run_group(g, g.model, tick, self.sizes(), self.load):
                    doc["measurements"].append(self.model_measurement(m, rep, quiet, tick))
                self.progress(rep, gi, t0, done0)
            doc["repetitions_done"] = rep + 1
            doc["loads"].append(self.load.loadavg())
            self.save(doc)
            noisy = sum(1 for m in doc["measurements"] if m.get("repetition") == rep and m.get("noisy"))
            self.say(f"repetition {rep + 1}/{reps} done (saved; {noisy} noisy runs in it)")
        return doc

    def progress(self, rep: int, gi: int, t0: float, done0: int) -> None:
        """A line after each group of each repetition: progress and ETA (the sweep's form:
        the groups left times the mean time of those done in this invocation)."""
        reps, n = self.cfg["repetitions"], len(self.groups)
        total, k = n * (reps - done0), (rep - done0) * n + gi + 1
        elapsed = time.time() - t0
        self.say(f"[{k}/{total}] repetition {rep + 1}/{reps}, {self.groups[gi].name} ({gi + 1}/{n}) done | "
                 f"elapsed {_hms(elapsed)} ETA {_hms(elapsed / k * (total - k))}; load {self.load.loadavg()}")

    def sizes(self) -> dict:
        return {"waits": self.cfg["waits"], "io_ms": round(self.cfg["io_seconds"] * 1000),
                "model_n": ["--n=1073741824"] if self.cfg["quick"] else []}

    def model_measurement(self, m: dict, rep: int, quiet, tick: Optional[int]) -> dict:
        # The entry's timing and lock counters (the waits are kept below, once; the rest of
        # its ~50 keys would make raw.json of a recording tens of megabytes).
        e = {k: v for k, v in m["entry"].items() if k in ENTRY_KEYS or k.startswith(("gil_", "io_"))}
        name = e["name"].split("/")
        return {"figure": m["figure"], "policy": m["policy"], "source": scorecard.SOURCE_MODEL, "repetition": rep,
                "value": m["value"], "waits": m["waits"], "setting": m["setting"], "load": m["load"],
                "noisy": bool((m["load"] or {}).get("noisy")), "quiet_before": quiet,
                "tick": tick if m["policy"] == "legacy" else None, "command": " ".join(m["command"]),
                "columns": {"kernel": name[0], "threads": int(e["threads"]), "n": int(e["n"]),
                            "time_s": points.entry_time_s(e), "io_latency_s": e.get("io_latency_s")},
                "raw": e}

    def calibrate(self, doc: dict) -> int:
        """legacy's bytecode, measured again each repetition (load moves both sides)."""
        if self.cfg["quiet_wait"] > 0:
            self.load.wait_quiet(self.cfg["quiet_wait"])
        py2 = self.py2[0]
        tick, s_tick, s_elem = runs.calibrate_legacy(py2["executable"], py2["version"], self.model)
        doc["legacy_ticks"].append(tick)
        self.say(f"calibration: Python {py2['version']}: {s_tick * 1e9:.2f} ns per tick (bytecode); "
                 f"sumbench sum: {s_elem * 1e12:.1f} ps per element; legacy --gil-tick={tick}")
        return tick

    def real(self, g: plan.Group, interp: dict, setting: Optional[str], rep: int, quiet, doc: dict) -> list[dict]:
        spec = real_spec(g, setting, self.cfg)
        if g.kind == "cpu":
            spec["n"] = max(1000, int(self.cfg["cpu_seconds"] / doc["s_per_iteration"][interp["version"]]))
        with self.load.span() as span:
            result = runs.child(interp["executable"], spec)[0]
        waits = result.pop("added_s", None)
        who = {k: interp[k] for k in ("implementation", "version", "gil")}   # the rest is in doc["interpreters"]
        return [{"figure": fig, "policy": POLICY_OF_GIL[interp["gil"]], "source": scorecard.SOURCE_REAL,
                 "interpreter": who, "repetition": rep, "value": value, "waits": waits, "setting": setting,
                 "load": span.result, "noisy": bool((span.result or {}).get("noisy")), "quiet_before": quiet,
                 "columns": cols, "spec": spec, "raw": result}
                for fig, value, cols in real_values(g, setting, spec, result)]

    def save(self, doc: dict, final: bool = False) -> None:
        pdir = point_dir(self.out)
        rows = tidy_rows(doc, self.run_id, self.host, self.cores)
        quiet, ms = doc["quiet"], doc["measurements"]
        noisy = sum(1 for m in ms if m.get("noisy"))
        doc["load"] = dict(self.load.whole(), quiet_windows=f"{sum(quiet)} of {len(quiet)}" if quiet else "not checked",
                           noisy_runs=f"{noisy} of {len(ms)}",
                           recording="noisy" if ms and noisy > runs.NOISY_RECORDING * len(ms) else "quiet")
        if final:
            doc["table"] = scorecard.summarize(ms)
            doc["tally"] = scorecard.tally(doc["table"])
            doc["main_thread"] = scorecard.main_thread_ratios(ms)
        atomic_write_json(pdir / points.RAW, doc)
        atomic_write_json(pdir / points.ROWS, rows)
        if final:
            atomic_write_text(pdir / "table.txt", "\n".join(text.table_lines(doc["table"], doc["main_thread"],
                                                                             doc["load"])) + "\n")
            points.write_command(pdir, self.argv, {}, cwd=os.getcwd())
            points.write_status(pdir, point_id=POINT_ID, source="fidelity", status="ok", exit_code=0,
                                point={"experiment": "fidelity", "figures": [f"{f.id} {f.policy}" for f in self.figs],
                                       "interpreters": [i["version"] for i in self.interps]},
                                load_after=list(os.getloadavg()),
                                detail={"load": doc["load"], "tally": doc["tally"]})
            tidy_table.rebuild_results(self.out)

