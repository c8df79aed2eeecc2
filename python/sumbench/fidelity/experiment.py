"""The interleaved fidelity run and its folder.

Each repetition runs every figure once in every interpreter of its GIL kind and once in
the model, so drifts in the machine's load hit both sides. The run is one point folder
of a sweep-style folder (a new one, or an existing sweep, as the CPython baseline joins
one), written after every repetition:

    OUT/points/fidelity/raw.json    every measurement (with the child's and sumbench's own
                                    output), the interpreters, legacy's calibrations, the load
    OUT/points/fidelity/rows.json   the tidy rows (results.csv's schema), one per measurement
    OUT/points/fidelity/table.txt   the printed model-against-real table
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

from .. import builds, folders, machine, points, tidy
from ..catalogue import Catalogue
from ..errors import UsageError
from ..io import atomic_write_json, atomic_write_text, read_json_object
from ..schema import COLUMNS, SCHEMA_VERSION
from . import runs, summary, text
from .figures import POLICY_OF_GIL, Figure

POINT_ID = "fidelity"
# 3: the cpu figure's real value is K threads over one thread (raw: one_thread_s, ratio_main),
# no longer over the main thread; a stopped run of format 2 is not resumed into it.
DOC_SCHEMA = "sumbench.fidelity/3"


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
    """One results.csv row per measurement (kernel and threads: the model's run; the real
    side ran the post's loop, or two spinning threads for the hand-off)."""
    rows = []
    for m in doc["measurements"]:
        real = m["source"] == summary.SOURCE_REAL
        info = m.get("interpreter") or {}
        cols = m["columns"]
        threads = cols["threads"]
        rows.append({c: None for c in COLUMNS} | {
            "run_id": run_id, "point_id": POINT_ID, "source": m["source"], "kernel": cols["kernel"],
            "mode": "cpython-threads" if real else "gil", "ranks": 1, "threads": threads,
            "workers": threads, "nodes": 1, "scaling": "strong", "n": cols.get("n"),
            "repetition": m["repetition"], "time_s": cols.get("time_s"),
            "items_per_s": None, "valid": 1 if m["value"] is not None else 0,
            "oversubscribed": 1 if threads > cores else 0, "hosts": host,
            "switch_interval_s": m.get("switch_interval_s"), "check_interval": m.get("check_interval"),
            "gil_policy": f"cpython-{info['version']}" if real else m["policy"],
            "interpreter": info.get("implementation") if real else None,
            "interpreter_version": info.get("version") if real else None,
            "gil_kind": info.get("gil") if real else None,
            "fidelity_figure": m["figure"], "fidelity_value": m["value"],
            "status": "ok", "io_latency_s": cols.get("io_latency_s"), "schema_version": SCHEMA_VERSION})
    return rows


class Run:
    """One fidelity run into OUT (see the module's docstring)."""

    def __init__(self, cfg: dict, figs: list[Figure], interps: list[dict], notes: list[str],
                 model: runs.Model, cat: Catalogue, out: str, argv: list[str],
                 say: Callable[[str], None] = print, build: Optional[dict] = None):
        self.cfg, self.figs, self.interps, self.model = cfg, figs, interps, model
        self.out, self.say = os.path.abspath(out), say
        self.load = runs.LoadMeter()
        self.by_policy = {p: [i for i in interps if POLICY_OF_GIL.get(i["gil"]) == p] for p in ("legacy", "cpython")}
        self.host, self.cores = socket.gethostname(), len(os.sched_getaffinity(0))
        self.cat, self.argv, self.notes = cat, argv, notes
        self.build = build   # builds.identity of the model's sumbench, kept in raw.json

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
                "legacy_ticks": [], "quiet": [], "repetitions_done": 0, "measurements": [], "loads": []}

    def run(self, doc: dict) -> dict:
        reps = self.cfg["repetitions"]
        t0 = time.time()
        if doc["repetitions_done"]:
            self.say(f"resuming after repetition {doc['repetitions_done']} of {reps}")
        for rep in range(doc["repetitions_done"], reps):
            tick = self.calibrate(doc) if any(f.policy == "legacy" for f in self.figs) else None
            for fig in self.figs:
                quiet = None
                if self.cfg["quiet_wait"] > 0:  # per figure: its runs take seconds
                    quiet = self.load.wait_quiet(self.cfg["quiet_wait"])[1]
                    doc["quiet"].append(quiet)
                for interp in self.by_policy[fig.policy]:
                    doc["measurements"].append(self.real(fig, interp, rep, quiet, doc))
                with self.load.span() as span:
                    value, raw = self.model.run(fig, tick if fig.policy == "legacy" else None,
                                                self.cfg["waits"], self.cfg["quick"])
                doc["measurements"].append(dict(self.setting(fig), figure=fig.id, policy=fig.policy,
                                                source=summary.SOURCE_MODEL, repetition=rep, value=value,
                                                load=span.result, quiet_before=quiet, columns=raw.pop("columns"),
                                                raw=raw, tick=tick if fig.policy == "legacy" else None))
            doc["repetitions_done"] = rep + 1
            doc["loads"].append(self.load.loadavg())
            self.save(doc)
            self.say(f"repetition {rep + 1}/{reps} done ({time.time() - t0:.0f} s; load {self.load.loadavg()})")
        return doc

    def setting(self, fig: Figure) -> dict:
        """The interval the figure ran at (the interpreters' defaults where it sets none)."""
        if fig.policy == "legacy":
            return {"switch_interval_s": None, "check_interval": fig.check or 100}
        return {"switch_interval_s": float(fig.interval[:-2]) / 1000 if fig.interval else 0.005,
                "check_interval": None}

    def calibrate(self, doc: dict) -> Optional[int]:
        """legacy's bytecode, measured again each repetition (load moves both sides)."""
        if not self.by_policy["legacy"]:
            return None
        if self.cfg["quiet_wait"] > 0:
            self.load.wait_quiet(self.cfg["quiet_wait"])
        py2 = self.by_policy["legacy"][0]
        tick, s_tick, s_elem = runs.calibrate_legacy(py2["executable"], py2["version"], self.model)
        doc["legacy_ticks"].append(tick)
        self.say(f"calibration: Python {py2['version']}: {s_tick * 1e9:.2f} ns per tick (bytecode); "
                 f"sumbench sum: {s_elem * 1e12:.1f} ps per element; legacy --gil-tick={tick}")
        return tick

    def real(self, fig: Figure, interp: dict, rep: int, quiet, doc: dict) -> dict:
        spec = fig.real_spec()
        if fig.kind == "cpu":
            spec["n"] = max(1000, int(self.cfg["cpu_seconds"] / doc["s_per_iteration"][interp["version"]]))
        elif fig.kind == "convoy":
            spec["waits"] = self.cfg["waits"]
        else:
            spec["duration_s"] = 0.1 if self.cfg["quick"] else 0.5
        with self.load.span() as span:
            result = runs.child(interp["executable"], spec)[0]
        return dict(self.setting(fig), figure=fig.id, policy=fig.policy, source=summary.SOURCE_REAL,
                    interpreter=interp, repetition=rep, value=result.get(runs.REAL_VALUE[fig.kind]),
                    load=span.result, quiet_before=quiet, columns=runs.real_columns(fig, spec, result),
                    spec=spec, raw=result)

    def save(self, doc: dict, final: bool = False) -> None:
        pdir = point_dir(self.out)
        rows = tidy_rows(doc, self.run_id, self.host, self.cores)
        doc["table"] = summary.summarize(rows)
        doc["main_thread"] = summary.main_thread_ratios(doc["measurements"])
        quiet = doc["quiet"]
        doc["load"] = dict(self.load.whole(), quiet_figure_runs=f"{sum(quiet)} of {len(quiet)}" if quiet else "not checked")
        atomic_write_json(pdir / points.RAW, doc)
        atomic_write_json(pdir / points.ROWS, rows)
        atomic_write_text(pdir / "table.txt", "\n".join(text.table_lines(doc["table"], doc["main_thread"])) + "\n")
        if final:
            points.write_command(pdir, self.argv, {}, cwd=os.getcwd())
            points.write_status(pdir, point_id=POINT_ID, source="fidelity", status="ok", exit_code=0,
                                point={"experiment": "fidelity", "figures": [f"{f.id} {f.policy}" for f in self.figs],
                                       "interpreters": [i["version"] for i in self.interps]},
                                load_after=list(os.getloadavg()),
                                detail={"load": doc["load"]})
            tidy.rebuild_results(self.out)
