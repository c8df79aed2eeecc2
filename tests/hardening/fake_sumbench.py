#!/usr/bin/env python3
"""A stand-in for build/sumbench for the hardening tests (thread modes only, no MPI).

Accepts the flags runners/sweep.py passes and writes Google Benchmark-shaped JSON to
--benchmark_out, like tests/runners/fake_sumbench.py, plus knobs for issue 10:
    FAKE_TIME_NS   real_time of every repetition (parsed with float(): "-5", "0", "nan",
                   "inf", "1e-291" ...); default about 1 ms
    FAKE_VERSION   sumbench_version in the JSON context (default "fake-1")
    FAKE_LOG       append one line per call: the arguments (--list calls are not logged:
                   they run nothing)
    FAKE_FAIL      exit 1 without JSON for these kernels (comma list or "*")
    FAKE_SLEEP_S   seconds each measured run sleeps first (default 0)
It rejects an unknown flag with exit 2 and one line, as sumbench does. --list and
--list=json are answered by the real sumbench (FAKE_REAL_SUMBENCH, which blackbox.clean_env
sets), since the runner takes every name and value rule from sumbench's catalogue.
"""

import json
import os
import sys
import time

KNOWN = ("--kernels", "--modes", "--workers", "--hybrid", "--scaling", "--n", "--quick",
         "--gil-policy", "--switch-interval", "--launch-only", "--sleep-ms", "--gil-tick",
         "--list", "--cpus")


def flag(args, name, default=None):
    for a in args:
        if a == name:
            return True
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default


def main(args):
    if flag(args, "--list"):
        real = os.environ.get("FAKE_REAL_SUMBENCH")
        if not real:
            print("fake sumbench: FAKE_REAL_SUMBENCH is not set (the real build answers --list)",
                  file=sys.stderr)
            return 1
        os.execv(real, [real] + args)
    for a in args:
        name = a.split("=", 1)[0]
        if name not in KNOWN and not name.startswith("--benchmark_"):
            print(f"sumbench: error: unknown argument '{a}'", file=sys.stderr)
            return 2
    if os.environ.get("FAKE_LOG"):
        with open(os.environ["FAKE_LOG"], "a") as f:
            f.write(" ".join(args) + "\n")
    if flag(args, "--launch-only"):
        return 0
    time.sleep(float(os.environ.get("FAKE_SLEEP_S", "0")))
    kernel = flag(args, "--kernels", "sum")
    mode = flag(args, "--modes", "serial")
    fail = os.environ.get("FAKE_FAIL", "")
    if fail == "*" or kernel in fail.split(","):
        print(f"fake sumbench: {kernel} failed", file=sys.stderr)
        return 1
    workers = int(flag(args, "--workers", "1"))
    reps = int(flag(args, "--benchmark_repetitions", "3"))
    n = int(flag(args, "--n", "1000"))
    name = f"{kernel}/{mode}/ranks:1/threads:{workers}/n:{n}"
    if mode == "gil":
        name += f"/policy:{flag(args, '--gil-policy', 'cpython')}/interval:5000us"
    forced = os.environ.get("FAKE_TIME_NS")
    benchmarks = []
    for i in range(reps):
        t = float(forced) if forced is not None else 1.0e6 / workers * (1 + 0.001 * i)
        benchmarks.append({
            "name": name + "/manual_time", "run_name": name + "/manual_time",
            "run_type": "iteration", "repetitions": reps, "repetition_index": i,
            "threads": workers, "iterations": 1, "real_time": t, "cpu_time": t,
            "time_unit": "ns", "ranks": 1, "workers": workers, "n": n, "nodes": 1,
            "valid": 1, "oversubscribed": 0,
            "items_per_second": (n / (t * 1e-9)) if t not in (0.0,) and t == t else 0.0})
    doc = {"context": {"sumbench_version": os.environ.get("FAKE_VERSION", "fake-1"),
                       "schema_version": 1, "hosts": ["fakehost"], "nodes": 1,
                       "scaling": flag(args, "--scaling", "strong")},
           "benchmarks": benchmarks}
    out = flag(args, "--benchmark_out")
    if out:
        with open(out + ".part", "w") as f:
            json.dump(doc, f)
        os.replace(out + ".part", out)
    print(f"{name} {benchmarks[0]['real_time']} ns")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
