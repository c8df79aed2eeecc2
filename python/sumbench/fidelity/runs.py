"""Running one group of the fidelity run: the child program in a real interpreter,
sumbench's gil mode as the model (every policy a group needs, in one or two invocations),
legacy's per-repetition calibration, and the machine's load during each run (other
users' jobs move wake-up latencies by whole scheduler ticks: docs/DESIGN.md, GIL policies: load).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import time
from typing import Optional

from .. import points, procs
from ..baseline.orchestrate import CHILD, SCHEMA
from .figures import DEFAULTS

CHILD_TIMEOUT_S = 600.0
MODEL_TIMEOUT_S = 900.0
NOISY_OTHERS = 0.10   # a run is noisy when others used more than 10% of the machine during it
NOISY_RECORDING = 0.05  # a recording with more noisy runs than this share is to be repeated whole


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


def setting_of_entry(fields: dict) -> str:
    """A gil entry's setting: 1ms, 5ms (its switch interval) or check100 (legacy)."""
    if "check" in fields:
        return f"check{fields['check']}"
    us = int(fields["interval"].rstrip("us"))
    return f"{us / 1000:g}ms"


def waits_of(entry: dict) -> Optional[list[float]]:
    """convoy's per-wait added latencies (seconds) from the entry's label."""
    label = entry.get("label") or ""
    if not label.startswith("io_waits_us="):
        return None
    return [int(x) * 1e-6 for x in label[len("io_waits_us="):].split(",") if x]


class Model:
    """sumbench's gil mode: the runs of one group, every (policy, setting) it needs."""

    def __init__(self, binary: str):
        self.binary = binary

    def json_run(self, args: list[str]) -> tuple[list[dict], list[str]]:
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
        return entries, cmd

    def seconds_per_element(self) -> float:
        """sumbench's serial sum, seconds per element: fastest of 3 (load only slows)."""
        times = []
        for _ in range(3):
            entries, _ = self.json_run(["--modes=serial", "--kernels=sum", "--workers=1"])
            times.append(points.entry_time_s(entries[0]) / entries[0]["n"])
        return min(times)

    @staticmethod
    def invocations(configs: set[tuple[str, str]], tick: Optional[int]) -> list[tuple[list[str], dict]]:
        """The sumbench flags that run `configs` ((policy, setting) pairs), and how each
        run's (policy in the entry name, setting) maps back to the measured policy: one
        invocation for every policy at its own settings (legacy there with no --gil-tick:
        the defaults), one more for legacy calibrated (--gil-tick applies to every policy)."""
        plain = {(p, s) for p, s in configs if p != "legacy"}
        out = []
        if plain:
            pols = sorted({"legacy" if p == DEFAULTS else p for p, _ in plain})
            intervals = sorted({s for p, s in plain if s.endswith("ms")}, key=lambda s: float(s[:-2]))
            args = [f"--gil-policy={','.join(pols)}"]
            args += [f"--switch-interval={','.join(intervals)}"] if intervals else []
            args += ["--check-interval=100"] if DEFAULTS in {p for p, _ in plain} else []
            out.append((args, {("legacy" if p == DEFAULTS else p, s): p for p, s in plain}))
        if any(p == "legacy" for p, _ in configs):
            args = ["--gil-policy=legacy", "--check-interval=100"] + ([f"--gil-tick={tick}"] if tick else [])
            out.append((args, {("legacy", "check100"): "legacy" if tick else DEFAULTS}))
        return out

    def run_group(self, group, configs: set[tuple[str, str]], tick: Optional[int], sizes: dict,
                  meter: "LoadMeter") -> list[dict]:
        """The model's measurements of one group: {figure, policy, value, waits, entry, command, load}."""
        kind, c = group.kind, group.threads
        if kind == "cpu":
            base = ["--modes=serial,gil", "--kernels=sum", f"--workers=1,{c}"] + sizes.get("model_n", [])
        elif kind == "handoff":
            base = ["--modes=gil", "--kernels=sum", "--workers=2"] + sizes.get("model_n", [])
        elif kind == "convoy":
            base = ["--modes=gil", "--kernels=convoy", f"--n={sizes['waits']}", f"--workers={c + 1}"]
        else:
            base = ["--modes=gil", f"--kernels={group.stem}", f"--n={sizes['io_ms']}",
                    f"--workers={c + group.io_threads}"]
        out = []
        for args, wanted in self.invocations(configs, tick):
            with meter.span() as span:
                entries, cmd = self.json_run(base + args)
            serial = next((b for b in entries if b["name"].split("/")[1] == "serial"), None)
            runs: dict[tuple, dict] = {}
            for b in entries:
                parts = b["name"].split("/")
                if parts[1] != "gil":
                    continue
                fields = dict(p.split(":", 1) for p in parts[2:] if ":" in p)
                key = (fields["policy"], setting_of_entry(fields))
                if key in wanted:
                    runs.setdefault(key, {})[int(b["threads"])] = b
            for key, by_threads in runs.items():
                policy, setting = wanted[key], key[1]
                for figure, value, entry in self.values(group, setting, by_threads, serial):
                    out.append({"figure": figure, "policy": policy, "value": value, "entry": entry,
                                "waits": waits_of(entry), "command": cmd, "load": span.result,
                                "setting": setting})
        return out

    @staticmethod
    def values(group, setting: str, by_threads: dict, serial: Optional[dict]) -> list[tuple[str, Optional[float], dict]]:
        c = group.threads
        # against gil at 1 thread (docs/DESIGN.md, GIL policies: CPU denominator), and the post's:
        # against serial
        if group.kind == "cpu":
            main, one = by_threads[c], by_threads[1]
            t = points.entry_time_s(main)
            return [(f"cpu:{c}", t / points.entry_time_s(one), main),
                    (f"seed:{c}", t / points.entry_time_s(serial), main)]
        (entry,) = by_threads.values()
        if group.kind == "convoy":
            return [(f"convoy:{c}:{setting}", entry.get("io_latency_s"), entry)]
        if group.kind == "ioconvoy":
            return [(f"{group.stem}:{c}:{setting}", entry.get("io_ops_per_s"), entry)]
        t = points.entry_time_s(entry)   # handoff: no switch in the whole run: at least the run's time
        return [(f"handoff:{setting}", t / entry["gil_switches"] if entry.get("gil_switches") else t, entry)]


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
    """The machine's CPU time from /proc/stat over a span, against our own (this process
    and its children, from getrusage): what others used is the rest."""

    FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    HZ = os.sysconf("SC_CLK_TCK")

    @staticmethod
    def sample() -> Optional[list[int]]:
        try:
            with open("/proc/stat") as f:
                return [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None

    @staticmethod
    def own_cpu_s() -> float:
        return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                     resource.getrusage(resource.RUSAGE_CHILDREN)))

    @staticmethod
    def loadavg() -> str:
        try:
            return " ".join(f"{x:.2f}" for x in os.getloadavg())
        except OSError:
            return "unknown"

    def __init__(self):
        self.start, self.start_own, self.start_t = self.sample(), self.own_cpu_s(), time.monotonic()

    def shares(self, a, b, own_s: Optional[float] = None, wall_s: Optional[float] = None) -> Optional[dict]:
        """Shares of the machine's CPU time: user, nice, system, idle, steal, busy (all but
        idle and iowait), and, given our own CPU seconds, others' (busy less ours)."""
        if not a or not b or sum(b) - sum(a) <= 0:
            return None
        total = sum(b) - sum(a)
        d = {k: (y - x) / total for k, x, y in zip(self.FIELDS, a, b)}
        out = {k: round(d[k], 3) for k in ("user", "nice", "system", "idle", "steal")}
        out["busy"] = round(1 - d["idle"] - d["iowait"], 3)
        if own_s is not None:
            busy_s = (1 - d["idle"] - d["iowait"]) * total / self.HZ
            out["others"] = round(max(0.0, busy_s - own_s) / (total / self.HZ), 3)
            out["noisy"] = out["others"] > NOISY_OTHERS
        if wall_s is not None:
            out["wall_s"] = round(wall_s, 3)
        return out

    @contextlib.contextmanager
    def span(self):
        class Span:
            result = None
        s, a, own, t = Span(), self.sample(), self.own_cpu_s(), time.monotonic()
        yield s
        s.result = self.shares(a, self.sample(), self.own_cpu_s() - own, time.monotonic() - t)

    def wait_quiet(self, timeout_s: float, max_busy: float = 0.05, window_s: float = 1.0) -> tuple[Optional[dict], bool]:
        """Waits until a window (while we run nothing) shows the whole machine under
        `max_busy` busy, niced or not; the last window's shares and whether it was quiet
        (False after timeout_s)."""
        deadline = time.monotonic() + timeout_s
        while True:
            a, own = self.sample(), self.own_cpu_s()
            time.sleep(window_s)
            shares = self.shares(a, self.sample(), self.own_cpu_s() - own)
            if shares is None or shares["others"] < max_busy:
                return shares, True
            if time.monotonic() >= deadline:
                return shares, False

    def whole(self) -> dict:
        return {"shares": self.shares(self.start, self.sample(), self.own_cpu_s() - self.start_own,
                                      time.monotonic() - self.start_t), "loadavg": self.loadavg()}
