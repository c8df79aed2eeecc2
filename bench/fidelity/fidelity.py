#!/usr/bin/env python3
"""Model against real interpreter: sumbench's gil policies beside every Python found.

Runs, interleaved in one run, the same GIL experiments in sumbench's gil mode and in
each real interpreter (bench/fidelity/gilchild.py, one JSON spec in, JSON lines out):

  cpu:K        the post's loop split over K threads, time against serial (K = 2, 3)
  convoy:C:I   mean added latency of one I/O thread's 1 ms sleeps beside C spinning
               threads (C = 1, 2, 3), at switch interval I (1 ms, 5 ms; Python 3) or
               at Python 2's default check interval (check100)
  handoff:I    seconds per GIL hand-off between two spinning threads

legacy is compared with Python 2.7 (its bytecode calibrated at each repetition: Python
2.7's seconds per tick of the loop over sumbench's seconds per sum element, passed as
--gil-tick), cpython with Python 3 (3.11 is the reference; the
other 3.x medians are shown as the spread across versions). Each repetition runs every
figure once in every interpreter and once in the model, so drifts in machine load hit
both. Then it prints the table: interpreter median and IQR, model median, ratio and
verdict against the targets (within 25% of the interpreter's median; below 0.5 ms,
within 0.25 ms; where the interpreter's own IQR is wider than that band, inside it).

"others" is the median share of the CPUs that other users' niced jobs took during a
figure's runs (from /proc/stat): their load moves wake-up latencies by whole scheduler
ticks, so read a figure measured beside them with care. Standard library only; runs on
Debian's python3 (>= 3.9). Exit status: 0 the run
completed (whatever the verdicts), 1 an experiment failed, 2 bad usage.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

sys.dont_write_bytecode = True  # the folder is in the source tree
import fidelity_runs as runs  # noqa: E402  (this folder: interpreters, children, sumbench)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REFERENCE = {"2": "2.7", "3": "3.11"}  # the interpreter each policy is judged against
MODEL = {"2": "legacy", "3": "cpython"}


def figures(quick):
    """The figure table: (id, family, unit, real spec, model spec)."""
    out = []
    for fam in ("2", "3"):
        for k in (2, 3):
            out.append((f"cpu:{k}", fam, "x", {"experiment": "cpu", "threads": k}, {"figure": "cpu", "threads": k}))
    intervals = [("check100", "2", {"check_interval": 100}, {"check_interval": 100})]
    intervals += [(f"{ms}ms", "3", {"switch_interval_s": ms / 1000}, {"switch_interval": f"{ms}ms"}) for ms in (1, 5)]
    for name, fam, real, model in intervals:
        for c in (1, 2, 3):
            out.append((f"convoy:{c}:{name}", fam, "s", dict(real, experiment="convoy", threads=c),
                        dict(model, figure="convoy", threads=c)))
    for name, fam, real, model in intervals:
        out.append((f"handoff:{name}", fam, "s", dict(real, experiment="handoff"), dict(model, figure="handoff")))
    if quick:
        out = [f for f in out if f[0] in ("cpu:2", "convoy:2:check100", "convoy:2:1ms", "handoff:5ms")]
    return out


def verdict(real, model, unit):
    """(text, passed) for a model median against the interpreter's values."""
    med, q1, q3 = runs.median_iqr(real)
    tol = 0.25 * abs(med)
    if unit == "s" and med < 0.5e-3:
        tol = 0.25e-3
    if abs(model - med) <= tol:
        return "PASS", True
    if q3 - q1 > 2 * tol and q1 <= model <= q3:
        return "PASS (inside IQR)", True
    return ("FAIL: model too high" if model > med else "FAIL: model too low"), False


def fmt(value, unit):
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:.2f}x"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.0f} us"


class Parser(argparse.ArgumentParser):
    def error(self, message):  # bad usage: one line naming the value, exit 2
        self.exit(2, f"fidelity.py: error: {message}\n")


def parse_args(argv):
    p = Parser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sumbench", default=os.path.join(REPO, "build", "sumbench"), help="the sumbench binary")
    p.add_argument("--python", default="", help="comma list of interpreters (paths); default: discover "
                   "pyenv's and PATH's CPython 2.7 and 3.6-3.13")
    p.add_argument("--repetitions", type=int, default=5, help="interleaved repetitions (default 5)")
    p.add_argument("--waits", type=int, default=100, help="convoy: 1 ms waits per run (default 100)")
    p.add_argument("--cpu-seconds", type=float, default=0.25, help="cpu: serial seconds per run (default 0.25)")
    p.add_argument("--figures", default="", help="comma list of figure ids or prefixes (default all)")
    p.add_argument("--quick", action="store_true", help="a smoke run: few figures, 1 repetition, 10 waits")
    p.add_argument("--out", default="", help="write every measurement and the table as JSON here")
    p.add_argument("--quiet-wait", type=float, default=0, metavar="S",
                   help="before each figure of each repetition, wait up to S seconds for other users' "
                        "niced jobs to use < 5%% of the CPUs (default 0: do not wait); says how many were quiet")
    ns = p.parse_args(argv)
    if ns.quick:
        ns.repetitions, ns.waits, ns.cpu_seconds = 1, 10, 0.05
    for name, low in (("repetitions", 1), ("waits", 1)):
        if getattr(ns, name) < low:
            p.error(f"--{name}={getattr(ns, name)}: must be >= {low}")
    if not 0.001 <= ns.cpu_seconds <= 60:
        p.error(f"--cpu-seconds={ns.cpu_seconds}: must be 0.001 to 60")
    if not (os.path.isfile(ns.sumbench) and os.access(ns.sumbench, os.X_OK)):
        p.error(f"--sumbench={ns.sumbench}: not an executable file (build it: cmake --build --preset release)")
    if ns.out and os.path.isdir(ns.out):
        p.error(f"--out={ns.out}: is a folder; give a file name")
    if ns.out and os.path.lexists(ns.out):  # never overwrite what the harness did not just write
        p.error(f"--out={ns.out}: exists; give a new file name")
    folder = os.path.dirname(os.path.abspath(ns.out)) if ns.out else ""
    if ns.out and not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
        p.error(f"--out={ns.out}: its folder {folder} does not exist or is not writable")
    return ns


def main(argv):
    ns = parse_args(argv)
    try:
        interps, missing = runs.find_interpreters([s for s in ns.python.split(",") if s])
    except runs.ExperimentError as e:  # a --python that is no interpreter: bad usage
        print(f"fidelity.py: error: {e}", file=sys.stderr)
        return 2
    for line in missing:
        print("not found:", line, flush=True)
    by_fam = {"2": [i for i in interps if i["version"].startswith("2.")],
              "3": [i for i in interps if i["version"].startswith("3.") and i["gil"] != "free-threaded"]}
    figs = [f for f in figures(ns.quick) if by_fam[f[1]]]
    if ns.figures:
        want = ns.figures.split(",")
        figs = [f for f in figs if any(f[0] == w or f[0].startswith(w + ":") for w in want)]
    if not figs:
        print("nothing to run: no interpreter of a needed kind found, or --figures matched nothing", file=sys.stderr)
        return 2
    load = runs.LoadMeter()
    sb = runs.Sumbench(ns.sumbench)
    print(f"machine: {platform.node()} {runs.cpu_model()}, {os.cpu_count()} CPUs; load {load.loadavg()}", flush=True)
    for i in interps:
        print(f"interpreter: {i['implementation']} {i['version']} ({i['gil']} GIL) {i['executable']}", flush=True)

    # The loop's size per interpreter (for cpu: about --cpu-seconds serially).
    cal = {i["executable"]: runs.child(i, {"experiment": "calibrate", "n": 1000000, "repetitions": 3}) for i in interps}
    rows = []
    quiet_reps = []
    t0 = time.time()
    ticks = []
    for rep in range(ns.repetitions):
        tick = None
        if by_fam["2"]:  # legacy's bytecode, measured again each repetition (load moves both sides)
            if ns.quiet_wait > 0:
                load.wait_quiet(ns.quiet_wait)
            tick, s_tick, s_elem = runs.calibrate_legacy(by_fam["2"][0], sb)
            ticks.append(tick)
            print(f"calibration: Python {by_fam['2'][0]['version']}: {s_tick * 1e9:.2f} ns per tick (bytecode); "
                  f"sumbench sum: {s_elem * 1e12:.1f} ps per element; legacy --gil-tick={tick}", flush=True)
        for fid, fam, unit, real_spec, model_spec in figs:
            quiet = None
            if ns.quiet_wait > 0:  # per figure: its interpreter and model runs take seconds
                quiet = load.wait_quiet(ns.quiet_wait)[1]
                quiet_reps.append(quiet)
            for interp in by_fam[fam]:
                spec = dict(real_spec)
                if spec["experiment"] == "cpu":
                    per_it = statistics.median(r["s_per_iteration"] for r in cal[interp["executable"]])
                    spec["n"] = max(1000, int(ns.cpu_seconds / per_it))
                if spec["experiment"] == "convoy":
                    spec["waits"] = ns.waits
                if spec["experiment"] == "handoff":
                    spec["duration_s"] = 0.1 if ns.quick else 0.5
                with load.span() as span:
                    result = runs.child(interp, spec)[0]
                rows.append({"figure": fid, "family": fam, "source": interp["version"], "repetition": rep,
                             "value": runs.real_value(spec["experiment"], result), "load": span.result,
                             "quiet_before": quiet, "raw": result})
            with load.span() as span:
                value, raw = sb.run(dict(model_spec, policy=MODEL[fam], tick=tick if fam == "2" else None,
                                         waits=ns.waits, quick=ns.quick))
            rows.append({"figure": fid, "family": fam, "source": "model:" + MODEL[fam], "repetition": rep,
                         "value": value, "load": span.result, "quiet_before": quiet, "raw": raw})
        print(f"repetition {rep + 1}/{ns.repetitions} done ({time.time() - t0:.0f} s; load {load.loadavg()})",
              flush=True)

    table = build_table(figs, rows, by_fam)
    print_table(table)
    whole = load.whole()
    whole["quiet_figure_runs"] = f"{sum(quiet_reps)} of {len(quiet_reps)}" if quiet_reps else "not checked"
    print(f"load over the run: {whole}")
    if ns.out:
        runs.write_json_atomic(ns.out, {"schema": "sumbench.fidelity/1", "command": [sys.executable] + sys.argv,
                                        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                        "machine": {"node": platform.node(), "cpu": runs.cpu_model(),
                                                    "cpus": os.cpu_count()},
                                        "interpreters": interps, "not_found": missing, "legacy_ticks": ticks,
                                        "load": whole, "rows": rows, "table": table})
    return 0


def build_table(figs, rows, by_fam):
    table = []
    for fid, fam, unit, _, _ in figs:
        def values(source):
            return [r["value"] for r in rows if r["figure"] == fid and r["source"] == source and r["value"] is not None]
        ref = next((i["version"] for i in by_fam[fam] if i["version"].startswith(REFERENCE[fam] + ".")),
                   by_fam[fam][0]["version"])
        real, model = values(ref), values("model:" + MODEL[fam])
        nice = [r["load"]["nice"] for r in rows if r["figure"] == fid and r.get("load")]
        row = {"figure": fid, "unit": unit, "policy": MODEL[fam], "reference": ref,
               "versions": {i["version"]: runs.median_iqr(values(i["version"]))[0] for i in by_fam[fam]},
               "others_cpu_share": statistics.median(nice) if nice else None}
        if real and model:
            med, q1, q3 = runs.median_iqr(real)
            mmed, mq1, mq3 = runs.median_iqr(model)
            text, ok = verdict(real, mmed, unit)
            row.update(real_median=med, real_q1=q1, real_q3=q3, model_median=mmed, model_q1=mq1, model_q3=mq3,
                       ratio=mmed / med if med else None, verdict=text, passed=ok)
        else:
            row.update(verdict="no data", passed=False)
        table.append(row)
    return table


def print_table(table):
    print()
    print(f"{'figure':20} {'policy':8} {'real':9} {'real median [IQR]':30} {'model median [IQR]':30} "
          f"{'ratio':>6} {'others':>6}  verdict")
    for r in table:
        u = r["unit"]
        real = f"{fmt(r.get('real_median'), u)} [{fmt(r.get('real_q1'), u)}, {fmt(r.get('real_q3'), u)}]"
        model = f"{fmt(r.get('model_median'), u)} [{fmt(r.get('model_q1'), u)}, {fmt(r.get('model_q3'), u)}]"
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") else "-"
        others = f"{r['others_cpu_share']:.0%}" if r.get("others_cpu_share") is not None else "-"
        print(f"{r['figure']:20} {r['policy']:8} {r['reference']:9} {real:30} {model:30} {ratio:>6} {others:>6}  "
              f"{r['verdict']}")
        others = [v for k, v in r["versions"].items() if v is not None]
        if len(others) > 1:
            print(f"{'':20} across versions: " + ", ".join(f"{k} {fmt(v, u)}" for k, v in r["versions"].items())
                  + f"  (range {fmt(min(others), u)} to {fmt(max(others), u)})")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except runs.ExperimentError as e:
        print(f"fidelity: {e}", file=sys.stderr)
        sys.exit(1)
