"""Summarizes a bench/overhead.sh folder: python3 bench/overhead_summary.py FOLDER

Medians over the runs of: the default run's wall time (before, after); the after build's
measured share, run-level and per kernel, and where the rest went; every case's timed
figure (median real_time over all repetitions of all runs) before and after, at the same
min time and at each build's default; combine at 2 ranks: combine_s against mpi_reduce_s.
Standard library only.
"""
import glob
import json
import os
import statistics
import sys


def load(folder, pattern):
    docs = []
    for path in sorted(glob.glob(os.path.join(folder, pattern))):
        try:
            with open(path) as f:
                docs.append(json.load(f))
        except (OSError, ValueError) as e:
            print(f"note: skipped {path}: {e}")
    return docs


def walls(folder, prefix):
    values = []
    for path in sorted(glob.glob(os.path.join(folder, prefix + "-[0-9]*.wall"))):
        with open(path) as f:
            lines = [line for line in f.read().split() if line]
        try:
            values.append(float(lines[-1]))
        except (IndexError, ValueError):
            pass
    return values


def entries(doc):
    return [b for b in doc.get("benchmarks", []) if b.get("run_type") == "iteration"]


def seconds(b):
    """An entry's real_time in seconds (its unit is --benchmark_time_unit's)."""
    return b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]


def case(name):
    return name.replace("/manual_time", "")


def medians(docs):
    """Median real_time in ms per case."""
    values = {}
    for doc in docs:
        for b in entries(doc):
            if "real_time" in b and not b.get("error_occurred"):
                values.setdefault(case(b["name"]), []).append(seconds(b) * 1e3)
    return {k: statistics.median(v) for k, v in values.items()}


def fmt(values):
    if not values:
        return "-"
    return f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}, {len(values)} runs)"


def compare(title, before, after):
    print(f"\n{title} (ms, median real_time over every repetition of every run)")
    print(f"  {'case':58s} {'before':>9s} {'after':>9s} {'after/before':>12s}")
    for name in before:
        if name in after:
            print(f"  {name[:58]:58s} {before[name]:9.3f} {after[name]:9.3f} {after[name] / before[name]:12.3f}")


def main(folder):
    print(f"default run wall, before: {fmt(walls(folder, 'default-before'))}")
    print(f"default run wall, after:  {fmt(walls(folder, 'default-after'))}")
    print(f"default run wall, after at min time 0.01 s: {fmt(walls(folder, 'default-after-mt0.01'))}")
    after = load(folder, "default-after-[0-9]*.json")
    keys = ["measured_share", "run_wall_s", "measured_s", "setup_s", "teardown_s", "validate_s",
            "mpi_reduce_reference_s"]
    for label, docs in [("after", after), ("after at min time 0.01 s", load(folder, "default-after-mt0.01-*.json"))]:
        contexts = [d["context"] for d in docs if "measured_share" in d.get("context", {})]
        if not contexts:
            continue
        print(f"\n{label}: medians over {len(contexts)} runs")
        print("  " + ", ".join(f"{k} {statistics.median(float(c[k]) for c in contexts):.3f}" for k in keys))
        shares = {}
        for c in contexts:
            for item in c["measured_share_by_kernel"].split(","):
                kernel, value = item.split(":")
                shares.setdefault(kernel, []).append(float(value))
        print("  measured share per kernel: " + ", ".join(
            f"{k} {statistics.median(v):.2f} (min {min(v):.2f})" for k, v in shares.items()))
    print("\neach kernel alone (mpirun -n 4 --kernels=K): reported timed regions / wall, medians over runs")
    for kernel in ["sum", "sleep", "triad", "combine"]:
        cells = []
        for who in ["before", "after"]:
            shares, wall_times = [], walls(folder, f"kernel-{kernel}-{who}")
            for doc, wall in zip(load(folder, f"kernel-{kernel}-{who}-*.json"), wall_times):
                timed = sum(seconds(b) * b["iterations"] for b in entries(doc))
                shares.append(timed / wall)
            if shares:
                cells.append(f"{who} wall {statistics.median(wall_times):.2f} s, share {statistics.median(shares):.2f}")
        if cells:
            print(f"  {kernel:8s} " + "; ".join(cells))
    before = medians(load(folder, "default-before-*.json"))
    compare("timed figures, each build at its default min time", before, medians(after))
    compare("timed figures at the same min time (0.01 s)", before,
            medians(load(folder, "default-after-mt0.01-*.json")))
    compare("timed figures in steady state (triad and combine, min time 0.2 s)",
            medians(load(folder, "steady-before-*.json")), medians(load(folder, "steady-after-*.json")))
    print("\ncombine/mpi at 2 ranks (ms; median over every repetition of every run)")
    for who in ["before", "after"]:
        docs = load(folder, f"combine2-{who}-*.json")
        figures = {}
        for key in ["real_time", "combine_s", "combine_wait_s", "mpi_reduce_s"]:
            values = [(seconds(b) if key == "real_time" else b[key]) * 1e3 for d in docs for b in entries(d) if key in b]
            if values:
                figures[key] = (statistics.median(values), min(values))
        line = ", ".join(f"{k} {m:.3f} (best {b:.3f})" for k, (m, b) in figures.items())
        if "combine_s" in figures and "mpi_reduce_s" in figures:
            line += f"; combine_s / mpi_reduce_s = {figures['combine_s'][0] / figures['mpi_reduce_s'][0]:.2f}"
        print(f"  {who}: {line}")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: python3 bench/overhead_summary.py FOLDER (a bench/overhead.sh folder)")
    main(sys.argv[1])
