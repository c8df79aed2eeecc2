"""Running one figure: the child program in a real interpreter, sumbench's gil mode as
the model, legacy's per-repetition calibration, and the machine's load (other users'
niced jobs move wake-up latencies by whole scheduler ticks: bench/fidelity/NOTES.md E2).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Optional

from .. import points, procs
from ..baseline.orchestrate import CHILD, SCHEMA
from .figures import Figure

CHILD_TIMEOUT_S = 600.0
MODEL_TIMEOUT_S = 900.0


class ExperimentError(Exception):
    """An experiment failed (non-zero exit, no JSON, an invalid result)."""


def child(python: str, spec: dict, timeout: float = CHILD_TIMEOUT_S) -> list[dict]:
    """The results of child.py with `spec` in the interpreter at `python`."""
    what = f"{python} {CHILD.name} {json.dumps(spec, sort_keys=True)}"
    proc = procs.run([python, str(CHILD), json.dumps(spec)], timeout=timeout,
                     env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")})
    if proc.timed_out:
        raise ExperimentError(f"{what}: no answer within {timeout:g} s (killed)")
    if proc.returncode != 0:
        raise ExperimentError(f"{what}: exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
    try:
        lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    except ValueError:
        lines = []
    results = [d["result"] for d in lines if isinstance(d, dict) and d.get("schema") == SCHEMA]
    if not results or not all(r.get("valid") for r in results):
        raise ExperimentError(f"{what}: no valid result ({proc.stdout.strip()[-400:]})")
    return results


REAL_VALUE = {"cpu": "ratio", "convoy": "added_s_mean", "handoff": "s_per_handoff"}


class Model:
    """sumbench's gil mode with a figure's policy, one repetition per run."""

    def __init__(self, binary: str):
        self.binary = binary

    def json_run(self, args: list[str]) -> tuple[dict, list[str]]:
        """The iteration entries, keyed "mode" and "mode/threads:T", and the command."""
        cmd = [self.binary] + args + ["--benchmark_repetitions=1", "--benchmark_format=json"]
        proc = procs.run(cmd, timeout=MODEL_TIMEOUT_S, env=dict(os.environ))
        if proc.timed_out or proc.returncode != 0:
            why = "timed out" if proc.timed_out else f"exit {proc.returncode}: {proc.stderr.strip()[-400:]}"
            raise ExperimentError(f"{' '.join(cmd)}: {why}")
        try:
            entries = points.iteration_entries(json.loads(proc.stdout))
        except ValueError:
            entries = []
        if not entries or not all(b.get("valid") == 1 for b in entries):
            raise ExperimentError(f"{' '.join(cmd)}: no valid result")
        out = {}
        for b in entries:
            parts = b["name"].split("/")
            out.setdefault(parts[1], b)
            out[f"{parts[1]}/{parts[3]}"] = b
        return out, cmd

    def seconds_per_element(self) -> float:
        """sumbench's serial sum, seconds per element: fastest of 3 (load only slows)."""
        times = []
        for _ in range(3):
            entries, _ = self.json_run(["--modes=serial", "--kernels=sum", "--workers=1"])
            b = entries["serial"]
            times.append(points.entry_time_s(b) / b["n"])
        return min(times)

    def run(self, fig: Figure, tick: Optional[int], waits: int, quick: bool) -> tuple[Optional[float], dict]:
        """(value, raw) of one model run of `fig`; raw holds the command, the entries and
        the columns of its tidy row (time_s, n, threads, io_latency_s)."""
        args = [f"--gil-policy={fig.policy}"]
        if fig.policy == "legacy":
            args += [f"--check-interval={fig.check or 100}"] + ([f"--gil-tick={tick}"] if tick else [])
        else:
            args.append(f"--switch-interval={fig.interval or '5ms'}")
        n = ["--n=1073741824"] if quick else []
        if fig.kind == "cpu":
            # Against the gil mode at one thread, not the serial mode: an interpreter's
            # serial run pays its per-bytecode checks too, and the model's per-tick cost
            # stands for them (NOTES.md E11). The serial mode's time is kept in raw.
            k = fig.threads
            entries, cmd = self.json_run(args + n + ["--modes=serial,gil", "--kernels=sum", f"--workers=1,{k}"])
            main, one = entries[f"gil/threads:{k}"], entries["gil/threads:1"]
            value = points.entry_time_s(main) / points.entry_time_s(one)
            cols = {"kernel": "sum", "threads": k, "n": int(main["n"]), "time_s": points.entry_time_s(main)}
        elif fig.kind == "convoy":
            entries, cmd = self.json_run(args + ["--modes=gil", "--kernels=convoy", f"--n={waits}",
                                                 f"--workers={fig.threads + 1}"])
            main = entries["gil"]
            value = main.get("io_latency_s")
            cols = {"kernel": "convoy", "threads": fig.threads + 1, "n": waits,
                    "time_s": points.entry_time_s(main), "io_latency_s": value}
        else:  # handoff: two CPU-bound threads; seconds per switch of the lock
            entries, cmd = self.json_run(args + n + ["--modes=gil", "--kernels=sum", "--workers=2"])
            main = entries["gil"]
            t = points.entry_time_s(main)
            value = t / main["gil_switches"] if main.get("gil_switches") else None
            cols = {"kernel": "sum", "threads": 2, "n": int(main["n"]), "time_s": t}
        return value, {"command": cmd, "entries": entries, "columns": cols}


def real_columns(fig: Figure, spec: dict, result: dict) -> dict:
    """The tidy row's measurement columns of one child result (kernel: the model's)."""
    if fig.kind == "cpu":
        return {"kernel": "sum", "threads": fig.threads, "n": spec["n"], "time_s": result["threads_s"]}
    if fig.kind == "convoy":
        return {"kernel": "convoy", "threads": fig.threads + 1, "n": spec["waits"],
                "time_s": result["io_wall_s"], "io_latency_s": result["added_s_mean"]}
    return {"kernel": "sum", "threads": 2, "n": sum(result["iterations"]), "time_s": result["wall_s"]}


def calibrate_legacy(python: str, version: str, model: Model) -> tuple[int, float, float]:
    """(--gil-tick, seconds per Python 2 tick, seconds per sum element): one bytecode of
    the post's loop in Python 2, in elements of sumbench's sum kernel. Fastest of 3 on
    each side: a busy machine only makes a run slower."""
    results = child(python, {"experiment": "calibrate", "n": 2000000, "repetitions": 3})
    ticks = [r["s_per_tick"] for r in results if r.get("s_per_tick")]
    if not ticks:
        raise ExperimentError(f"Python {version}: no tick count (ctypes); cannot calibrate legacy")
    s_tick, s_elem = min(ticks), model.seconds_per_element()
    return max(1, round(s_tick / s_elem)), s_tick, s_elem


class LoadMeter:
    """CPU shares from /proc/stat over a span: other users' niced jobs show as `nice`."""

    FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")

    @staticmethod
    def sample() -> Optional[list[int]]:
        try:
            with open("/proc/stat") as f:
                return [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None

    @staticmethod
    def loadavg() -> str:
        try:
            return " ".join(f"{x:.2f}" for x in os.getloadavg())
        except OSError:
            return "unknown"

    def __init__(self):
        self.start = self.sample()

    def shares(self, a, b) -> Optional[dict]:
        if not a or not b or sum(b) - sum(a) <= 0:
            return None
        total = sum(b) - sum(a)
        return {k: round((y - x) / total, 3) for k, x, y in zip(self.FIELDS, a, b)
                if k in ("user", "nice", "system", "idle")}

    @contextlib.contextmanager
    def span(self):
        class Span:
            result = None
        s, a = Span(), self.sample()
        yield s
        s.result = self.shares(a, self.sample())

    def wait_quiet(self, timeout_s: float, max_nice: float = 0.05, window_s: float = 2.0) -> tuple[Optional[dict], bool]:
        """Waits until a window shows others' niced jobs below `max_nice` of the CPUs;
        the last window's shares and whether it was quiet (False after timeout_s)."""
        deadline = time.monotonic() + timeout_s
        while True:
            a = self.sample()
            time.sleep(window_s)
            shares = self.shares(a, self.sample())
            if shares is None or shares["nice"] < max_nice:
                return shares, True
            if time.monotonic() >= deadline:
                return shares, False

    def whole(self) -> dict:
        return {"shares": self.shares(self.start, self.sample()), "loadavg": self.loadavg()}
