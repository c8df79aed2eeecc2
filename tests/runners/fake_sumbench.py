#!/usr/bin/env python3
"""A stand-in for build/sumbench with controllable failures, for the runner and hardening tests.

Accepts sumbench's flags and writes Google Benchmark-shaped JSON (rank 0 only when run
under mpirun). Behaviour is steered by environment variables, each a comma list of
kernels it applies to (or "*"):
    FAKE_FAIL      exit 1 with a message on stderr, no JSON (runtime failure)
    FAKE_ERROR     exit 1 with sumbench's own error line, no JSON (a case does not fit)
    FAKE_USAGE     exit 2 with sumbench's own error line, no JSON (bad usage)
    FAKE_INVALID   write an error_occurred entry, exit 1 (result failed validation)
    FAKE_CRASH     die from SIGSEGV
    FAKE_HANG      sleep for an hour (for --timeout)
    FAKE_NOISY     repetition times that vary by ~50%
FAKE_SLEEP_S: seconds each run sleeps (default 0). FAKE_LOG: append one line per call
(--list calls are not logged: they run nothing). FAKE_TIME_NS: the real_time of every
repetition, parsed with float() ("-5", "0", "nan", "inf", "1e-291" ...). FAKE_VERSION: the
sumbench_version in the JSON context (default "fake").
FAKE_LAUNCH_FAIL: make --launch-only exit 3. FAKE_FILL=PATH:BYTES: before writing raw.json,
fill the disk of PATH (a file it creates) until BYTES are left; FAKE_RAW_PAD=BYTES pads
raw.json's context; raw.json that cannot be written gives sumbench's own line ("could not
write --benchmark_out=PATH: No space left on device") and exit 1, as sumbench does. --list and --list=json are answered by the
real sumbench (FAKE_REAL_SUMBENCH, else build/sumbench), so the catalogue is the real one.
"""

import json
import os
import signal
import sys
import time
from pathlib import Path


def flag(args, name, default=None):
    for a in args:
        if a == name:
            return True
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default


def applies(var, kernel):
    value = os.environ.get(var, "")
    return value == "*" or kernel in value.split(",")


def fill_disk(path, leave):
    """Fill the file system of `path` with that file, then give `leave` bytes back."""
    with open(path, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    os.truncate(path, max(0, os.path.getsize(path) - int(leave)))


def main(args):
    if any(a == "--list" or a.startswith("--list=") for a in args):
        real = os.environ.get("FAKE_REAL_SUMBENCH") or \
            str(Path(__file__).resolve().parents[2] / "build" / "sumbench")
        os.execv(real, [real] + args)
    if os.environ.get("FAKE_LOG"):
        with open(os.environ["FAKE_LOG"], "a") as f:
            f.write(" ".join(args) + "\n")
    if flag(args, "--launch-only"):
        if os.environ.get("FAKE_LAUNCH_FAIL"):
            print("fake sumbench: launch failed", file=sys.stderr)
            return 3
        return 0
    rank = int(os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMI_RANK", "0")))
    size = int(os.environ.get("OMPI_COMM_WORLD_SIZE", "1"))
    kernel = flag(args, "--kernels", "sum")
    mode = flag(args, "--modes", "serial")
    workers = int(flag(args, "--workers", "1"))
    reps = int(flag(args, "--benchmark_repetitions", "3"))
    out = flag(args, "--benchmark_out")
    n = int(flag(args, "--n", "1000"))
    time.sleep(float(os.environ.get("FAKE_SLEEP_S", "0")))
    if applies("FAKE_HANG", kernel):
        time.sleep(3600)
    if applies("FAKE_CRASH", kernel):
        os.kill(os.getpid(), signal.SIGSEGV)
    if applies("FAKE_ERROR", kernel):
        print(f"sumbench: error: {kernel}/{mode} does not fit in memory: it needs 1 PiB",
              file=sys.stderr)
        return 1
    if applies("FAKE_USAGE", kernel):
        print(f"sumbench: error: bad --n={n} for {kernel}", file=sys.stderr)
        return 2
    if applies("FAKE_FAIL", kernel):
        print(f"fake sumbench: cannot allocate n={n} for {kernel}", file=sys.stderr)
        return 1
    if rank != 0:
        return 0
    ranks, threads = (size, 1) if mode == "mpi" else (1, workers)
    if mode == "hybrid":
        ranks, threads = (int(x) for x in flag(args, "--hybrid").split("x"))
    base = f"{kernel}/{mode}/ranks:{ranks}/threads:{threads}/n:{n}"
    names = [(base, 1.0)]   # (name, time factor)
    if mode == "gil" and flag(args, "--gil-policy", "cpython") == "legacy":
        # As sumbench: one benchmark per --check-interval value (no switch interval);
        # each check interval its own time, so that merging them changes the medians.
        checks = str(flag(args, "--check-interval", "100")).split(",")
        names = [(f"{base}/policy:legacy/check:{c}", 1.0 + 0.5 * k) for k, c in enumerate(checks)]
    elif mode == "gil":
        interval = flag(args, "--switch-interval", "5ms")
        us = float(interval.rstrip("usm")) * {"us": 1, "ms": 1000, "s": 1e6}[
            "us" if interval.endswith("us") else "ms" if interval.endswith("ms") else "s"]
        names = [(f"{base}/policy:{flag(args, '--gil-policy', 'cpython')}/interval:{int(us)}us", 1.0)]
    invalid = applies("FAKE_INVALID", kernel)
    forced = os.environ.get("FAKE_TIME_NS")
    benchmarks = []
    for (name, factor), i in ((nf, i) for nf in names for i in range(reps)):
        t = factor * 1.0e6 * (1 + (0.5 * (i % 2) if applies("FAKE_NOISY", kernel) else 0.001 * i))
        if forced is not None:
            t = float(forced)
        entry = {"name": name + "/manual_time", "run_name": name + "/manual_time",
                 "run_type": "iteration", "repetitions": reps, "repetition_index": i,
                 "threads": threads, "iterations": 1, "real_time": t, "cpu_time": t,
                 "time_unit": "ns", "ranks": ranks, "workers": ranks * threads, "n": n,
                 "nodes": 1, "valid": 0 if invalid else 1,
                 "oversubscribed": int(ranks * threads > (os.cpu_count() or 1)),
                 "items_per_second": n / (t * 1e-9) if t != 0.0 and t == t else 0.0,
                 "combine_bytes": 8 * ranks}
        if invalid:
            entry.update(error_occurred=True, error_message="invalid result: checksum mismatch")
        benchmarks.append(entry)
    doc = {"context": {"sumbench_version": os.environ.get("FAKE_VERSION", "fake"), "schema_version": 1, "hosts": ["fakehost"],
                       "nodes": 1, "scaling": flag(args, "--scaling", "strong")},
           "benchmarks": benchmarks}
    if os.environ.get("FAKE_RAW_PAD"):
        doc["context"]["padding"] = "x" * int(os.environ["FAKE_RAW_PAD"])
    if os.environ.get("FAKE_FILL"):
        fill_disk(*os.environ["FAKE_FILL"].rsplit(":", 1))
    if out:
        try:
            with open(out + ".tmp", "w") as f:
                json.dump(doc, f)
            os.replace(out + ".tmp", out)
        except OSError as e:
            Path(out + ".tmp").unlink(missing_ok=True)
            print(f"sumbench: error: could not write --benchmark_out={out}: {e.strerror}",
                  file=sys.stderr)
            return 1
    print(f"{names[0][0]} {benchmarks[0]['real_time']} ns")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
