"""Issue 10, "Tests": a generated-input test of the Python entry points. Black-box.

Random and malformed results.csv rows, status.json / manifest.json / sweep.json files and
flag values are fed to runners/sweep.py, reports/report.py, reports/compare.py and
slurm/submit_sweep.py. Each generated case must end with:

  - an exit status the command documents for that situation: 0 or 2 (usage error /
    unusable input); 1 only where it is a documented result (compare.py: a significant
    change; sweep.py: some point not ok);
  - at most one line on stderr (exactly one when the exit status is 2), never a Python
    traceback, never killed by a signal, never still running after 30 s;
  - no file created, changed or removed outside --out (the sandbox that holds the inputs
    is compared before and after, and $TMPDIR, a private folder, must end empty);
  - no input file changed (inputs that are not under --out are compared byte for byte).

Issue 22 added three kinds (generated_more.py, with their own checks): status.json fields
of every JSON type (the resumed sweep's results.csv stays readable), paths whose names
are not UTF-8 (exit 2, one line), and SIGHUP in the middle of a sweep (exit 129, no
orphan, nothing written after, the manifest says interrupted, a resume completes).

Reproducible: the seed is fixed (DEFAULT_SEED, so CI runs the same cases in the same
order; how many depends on the machine's speed) and printed at the start (stderr) and in
every failure. HARDENING_SEED=N runs another seed (HARDENING_SEED=random: a fresh one,
printed), HARDENING_CASE=K only case K of that seed. HARDENING_BUDGET_S (default 25)
bounds the time spent generating cases; shrinking failures gets at most 10 s more. A failing case is
shrunk (mutations dropped one at a time while it still fails) and shown with its
mutations, the command, and the output, so it can be turned into a regression test.
"""

import csv
import io
import json
import os
import random
import re
import shutil
import sys
import time
import unittest
from pathlib import Path

import generated_more
from blackbox import (FAKE_SUMBENCH, PYTHON, TRACEBACK, HardeningCase, clean_env,
                      read_csv, remove_template_sweep, run, snapshot,
                      template_sweep, tree_diff)
from driver_cases import (gen_mpmd_case, gen_topology_case, mpmd_problems,
                          topology_problems)
from launches import MarkedCase, mpi_launcher, topology_inputs

BUDGET_S = float(os.environ.get("HARDENING_BUDGET_S", "25"))
DEFAULT_SEED = 20261129
CASE_TIMEOUT_S = 30
# The first cases of every seed: one of each of issue 22's kinds, whatever the budget.
FIRST_KINDS = ("sighup", "status_types", "odd_path")
NASTY = ["", " ", "nan", "NaN", "inf", "-inf", "-1", "0", "-0", "1e-300", "1e308", "1e309",
         "9" * 30, "1.5", "0x10", "abc", "é", "ok", "failed", "bogus", "True", "1,2", '"',
         "\n", "\t", "2^62", "4611686018427387905", "1e6", "x" * 300]
def tearDownModule():
    remove_template_sweep()


# --------------------------------------------------------------- generation

def nasty(rng) -> str:
    r = rng.random()
    if r < 0.6:
        return rng.choice(NASTY)
    if r < 0.8:
        return str(rng.choice([-1, 1]) * 10 ** rng.randint(0, 25))
    if r < 0.9:
        return ",".join(rng.choice(NASTY[:12]) for _ in range(rng.randint(1, 3)))
    return "".join(chr(rng.randint(1, 0x2FF)) for _ in range(rng.randint(1, 8)))


def random_json(rng, depth=0):
    kinds = ["null", "bool", "int", "float", "str", "list", "dict"]
    kind = rng.choice(kinds if depth < 2 else kinds[:5])
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, -1, 1, 3, 2 ** 63, -(10 ** 20)])
    if kind == "float":
        return rng.choice([0.0, -1.5, 1e-300, 1e308, 0.5])
    if kind == "str":
        return rng.choice(["ok", "failed", "invalid", "timeout", "bogus", "", "é"])
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ["status", "point_id", "point", "cv", "unstable", "launch_s", "run_id", "seed",
            "repetitions", "order", "counts", "runs", "extra_args", "quick", "sumbench"]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def gen_csv_ops(rng, header, nrows):
    ops = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choices(["set", "short", "long", "dup", "del", "header", "cut"],
                           [10, 1, 1, 1, 1, 1, 1])[0]
        if kind == "set":
            ops.append({"file": "results.csv", "op": "set", "row": rng.randrange(nrows),
                        "col": rng.choice(header), "value": nasty(rng)})
        elif kind in ("short", "long", "dup", "del"):
            ops.append({"file": "results.csv", "op": kind, "row": rng.randrange(nrows)})
        elif kind == "header":
            ops.append({"file": "results.csv", "op": "header", "col": rng.choice(header),
                        "value": rng.choice(["", "time_s", "x", header[0]])})
        else:
            ops.append({"file": "results.csv", "op": "cut", "frac": round(rng.random(), 3)})
    return ops


def gen_json_ops(rng, points):
    ops = []
    for _ in range(rng.randint(1, 2)):
        target = rng.choice(["status", "status", "manifest.json", "sweep.json", "raw"])
        if target == "status":
            f = f"points/{rng.choice(points)}/status.json"
        elif target == "raw":
            f = f"points/{rng.choice(points)}/raw.json"
        else:
            f = target
        kind = rng.choice(["replace", "field", "cut"])
        if kind == "replace":
            ops.append({"file": f, "op": "json", "value": random_json(rng)})
        elif kind == "field":
            ops.append({"file": f, "op": "field", "key": rng.choice(
                ["status", "point", "seed", "repetitions", "run_id", "order", "benchmarks",
                 "context", "extra_args", "runs", "cv"]), "value": random_json(rng, 1)})
        else:
            ops.append({"file": f, "op": "cut", "frac": round(rng.random(), 3)})
    return ops


SWEEP_FLAGS = ["--kernels", "--modes", "--workers", "--scaling", "--hybrid", "--repetitions",
               "--n", "--timeout", "--seed", "--cv-threshold", "--max-reruns", "--gil-policy",
               "--switch-interval", "--launcher", "--extra-args", "--cores"]
SUBMIT_FLAGS = ["--nodes", "--layouts", "--scaling", "--time", "--combine-time", "--sweep-args",
                "--sbatch-args", "--combine-sbatch-args", "-p", "-A"]


def gen_case(seed, index):
    """A case is data: the tool, how to build its inputs (ops), and its flags."""
    rng = random.Random(f"{seed}:{index}")
    header, rows = read_csv(template_sweep() / "results.csv")
    points = sorted({r["point_id"] for r in rows})
    kind = FIRST_KINDS[index] if index < len(FIRST_KINDS) else \
        rng.choices(["csv", "json", "sweep_flags", "compare_flags", "submit_flags", "config",
                     "status_types", "odd_path", "sighup"], [4, 3, 3, 1, 2, 1, 2, 2, 1])[0]
    if kind == "status_types":
        return generated_more.gen_status_types(rng, points)
    if kind == "odd_path":
        return generated_more.gen_odd_path(rng)
    if kind == "sighup":
        return generated_more.gen_sighup(rng)
    if kind == "csv":
        tool = rng.choices(["compare", "report"], [3, 1])[0]
        return {"tool": tool, "ops": gen_csv_ops(rng, header, len(rows)), "flags": []}
    if kind == "json":
        tool = rng.choices(["sweep", "report", "compare"], [2, 1, 1])[0]
        return {"tool": tool, "ops": gen_json_ops(rng, points), "flags": []}
    if kind == "sweep_flags":
        flags = [f"{f}={nasty(rng)}" for f in rng.sample(SWEEP_FLAGS, rng.randint(1, 3))]
        return {"tool": "sweep_dry", "ops": [], "flags": flags}
    if kind == "compare_flags":
        flags = [f"--{f}={nasty(rng)}" for f in rng.sample(["threshold", "alpha"],
                                                           rng.randint(1, 2))]
        return {"tool": "compare", "ops": [], "flags": flags}
    if kind == "submit_flags":
        flags = [f"{f}={nasty(rng)}" for f in rng.sample(SUBMIT_FLAGS, rng.randint(1, 3))]
        return {"tool": "submit_dry", "ops": [], "flags": flags}
    cfg = random_json(rng)
    if rng.random() < 0.7:
        cfg = {rng.choice(["kernels", "modes", "workers", "n", "repetitions", "timeout",
                           "switch_interval", "extra_args", "cores", "hybrid", "seed",
                           "quick", "order", "bogus"]): random_json(rng, 1)}
    return {"tool": "sweep_config", "ops": [], "flags": [], "config": cfg}


# ------------------------------------------------------------------- running

def apply_ops(sweep: Path, ops):
    for op in ops:
        path = sweep / op["file"]
        if not path.exists():
            continue
        if op["file"] == "results.csv" and op["op"] not in ("cut",):
            header, rows = read_csv(path)
            text_rows = [[r.get(c, "") for c in header] for r in rows]
            i = op.get("row", 0) % max(1, len(text_rows)) if text_rows else 0
            if op["op"] == "set" and text_rows and op["col"] in header:  # (an earlier
                text_rows[i][header.index(op["col"])] = op["value"]  # "header" op renamed it)
            elif op["op"] == "short" and text_rows:
                text_rows[i] = text_rows[i][:-1]
            elif op["op"] == "long" and text_rows:
                text_rows[i] = text_rows[i] + ["extra"]
            elif op["op"] == "dup" and text_rows:
                text_rows.insert(i, list(text_rows[i]))
            elif op["op"] == "del" and text_rows:
                del text_rows[i]
            elif op["op"] == "header":
                header = [op["value"] if c == op["col"] else c for c in header]
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(header)
            w.writerows(text_rows)
            path.write_text(buf.getvalue(), encoding="utf-8")
        elif op["op"] == "cut":
            data = path.read_bytes()
            path.write_bytes(data[:int(len(data) * op["frac"])])
        elif op["op"] == "json":
            path.write_text(json.dumps(op["value"]) + "\n")
        elif op["op"] == "field":
            try:
                doc = json.loads(path.read_text())
            except ValueError:
                continue
            if isinstance(doc, dict):
                doc[op["key"]] = op["value"]
                path.write_text(json.dumps(doc) + "\n")


def run_case(case, box: Path):
    """Build the case in box, run it; return (result, problems list, argv shown)."""
    inp, out, tmpdir = box / "in", box / "out", box / "tmp"
    for d in (inp, out, tmpdir):
        d.mkdir(parents=True)
    env = clean_env(TMPDIR=tmpdir, SUMBENCH_RESULTS=out)
    tool = case["tool"]
    if tool in ("odd_path", "sighup"):
        res, problems = getattr(generated_more, f"run_{tool}")(case, box)
        if any(tmpdir.iterdir()):
            problems.append(f"left in $TMPDIR: {sorted(os.listdir(tmpdir))[:5]}")
        return res, problems
    sweep = inp / "sweep"
    shutil.copytree(template_sweep(), sweep, symlinks=True)
    apply_ops(sweep, case["ops"])
    allowed_out, inputs = out, [inp]
    if tool == "compare":
        other = Path(shutil.copytree(template_sweep(), inp / "other", symlinks=True))
        pair = [other, sweep] if len(case["ops"]) % 2 else [sweep, other]
        args = ["compare", *pair, "--csv", out / "c.csv", "--html", out / "c.html",
                *case["flags"]]
        ok_rc = (0, 1, 2)
    elif tool == "report":
        args = ["report", sweep, "--out", out / "report"]
        allowed_out = out / "report"
        ok_rc = (0, 2)
    elif tool == "sweep":
        args = ["sweep", f"--sumbench={FAKE_SUMBENCH}", "--kernels=sum,sleep",
                "--modes=serial,omp", "--workers=1,2", "--repetitions=3", "--seed=1",
                f"--out={sweep}", "--timeout=20"]
        allowed_out, inputs = sweep, []
        ok_rc = (0, 1, 2)
    elif tool == "sweep_dry":
        args = ["sweep", f"--sumbench={FAKE_SUMBENCH}", f"--out={out / 'sweep'}", "--dry-run",
                *case["flags"]]
        allowed_out = None      # a dry run writes nothing
        ok_rc = (0, 2)
    elif tool == "sweep_config":
        cfg = inp / "config.json"
        cfg.write_text(json.dumps(case["config"]) + "\n")
        args = ["sweep", f"--sumbench={FAKE_SUMBENCH}", f"--out={out / 'sweep'}", "--dry-run",
                f"--config={cfg}"]
        allowed_out = None
        ok_rc = (0, 2)
    else:   # submit_dry
        args = ["submit", f"--out={out / 'sub'}", "--dry-run", *case["flags"]]
        allowed_out = None
        ok_rc = (0, 2)
    before = {str(d): snapshot(d) for d in inputs}
    box_before = snapshot(box)
    res = run(*args, env=env, timeout=CASE_TIMEOUT_S)
    problems = []
    if res.timed_out:
        problems.append(f"still running after {CASE_TIMEOUT_S} s")
    elif res.rc is not None and res.rc < 0:
        problems.append(f"killed by signal {-res.rc}")
    elif res.rc not in ok_rc:
        problems.append(f"exit {res.rc}, expected one of {ok_rc}")
    if TRACEBACK in res.stderr + res.stdout:
        last = [ln for ln in res.stderr.splitlines() if ln.strip()][-1:] or ["?"]
        problems.append(f"traceback ({last[0].strip()[:160]})")
    lines = res.err_lines
    if res.rc == 2 and len(lines) != 1:
        problems.append(f"exit 2 with {len(lines)} lines on stderr")
    elif len(lines) > 1 and TRACEBACK not in res.stderr:
        problems.append(f"{len(lines)} lines on stderr")
    for d in inputs:
        changed = tree_diff(before[str(d)], snapshot(Path(d)))
        if changed:
            problems.append(f"input changed: {changed[:5]}")
    rel_out = None if allowed_out is None else str(allowed_out.relative_to(box))
    outside = [c for c in tree_diff(box_before, snapshot(box))
               if not (rel_out and (c.split(" ", 1)[1] == rel_out
                                    or c.split(" ", 1)[1].startswith(rel_out + "/")))
               and not c.split(" ", 1)[1].startswith("in/")]
    if outside:
        problems.append(f"written outside --out: {outside[:5]}")
    if any(tmpdir.iterdir()):
        problems.append(f"left in $TMPDIR: {sorted(os.listdir(tmpdir))[:5]}")
    if tool == "sweep" and res.rc in (0, 1):   # issue 22 item 10: results.csv stays usable
        summary = run("summary", sweep, env=env, timeout=CASE_TIMEOUT_S)
        if summary.rc != 0:
            problems.append(f"results.csv refused after the sweep (summary.py exit {summary.rc}: "
                            f"{(summary.err_lines or ['?'])[0][:160]})")
    return res, problems


def describe(seed, index, case, res, problems):
    cmd = " ".join(map(str, res.argv)) if res else "?"
    return (f"\n--- seed {seed} case {index}: {'; '.join(problems)}"
            f"\n  replay: HARDENING_SEED={seed} HARDENING_CASE={index} {PYTHON} -m unittest "
            f"-v test_generated_inputs"
            f"\n  tool: {case['tool']}  flags: {case['flags']!r}"
            + (f"\n  config.json: {json.dumps(case['config'])}" if "config" in case else "")
            + "".join(f"\n  {k}: {case[k]!r}" for k in ("name", "depth", "sleep_s", "delay_s")
                      if k in case)
            + "".join(f"\n  mutation: {json.dumps(op, ensure_ascii=False)}" for op in case["ops"])
            + f"\n  command: {cmd}\n  exit: {res.rc if res else '?'}"
            + f"\n  stderr (tail): {res.stderr[-600:] if res else ''}")


class GeneratedInputs(HardeningCase):
    """Issue 10 "Tests": generated inputs; exit 0/2, one line, no traceback, no stray files."""

    def test_generated_inputs(self):
        env_seed = os.environ.get("HARDENING_SEED") or str(DEFAULT_SEED)
        seed = random.SystemRandom().randrange(10 ** 9) if env_seed == "random" \
            else int(env_seed)
        only = os.environ.get("HARDENING_CASE")
        print(f"\n[generated inputs] seed={seed} budget={BUDGET_S:g}s "
              f"(replay: HARDENING_SEED={seed})", file=sys.stderr, flush=True)
        template_sweep()
        start = time.monotonic()
        failures, signatures, index, ran = [], set(), 0, 0
        indices = [int(only)] if only is not None else None
        while True:
            if indices is not None:
                if not indices:
                    break
                index = indices.pop()
            elif time.monotonic() - start > BUDGET_S:
                break
            case = gen_case(seed, index)
            box = self.tmp / f"case{index}"
            res, problems = run_case(case, box)
            ran += 1
            if problems:
                # One report per tool and kind of problem (a traceback: per exception type).
                sig = (case["tool"], tuple(re.sub(r"^(traceback \(\w+).*", r"\1", p)
                                           if p.startswith("traceback") else p.split("(")[0][:40]
                                           for p in problems))
                if sig not in signatures:
                    signatures.add(sig)
                    left = BUDGET_S + 10 - (time.monotonic() - start)
                    case, res, problems = self.shrink(case, res, problems, index,
                                                      min(6.0, max(0.0, left)))
                    failures.append(describe(seed, index, case, res, problems))
            shutil.rmtree(box, ignore_errors=True)
            index += 1
        print(f"[generated inputs] seed={seed}: {ran} cases in "
              f"{time.monotonic() - start:.1f}s, {len(failures)} distinct failure(s)",
              file=sys.stderr, flush=True)
        if failures:
            self.fail(f"generated inputs broke the contract (seed {seed}, {len(failures)} "
                      f"distinct failure(s), each shrunk):" + "".join(failures))

    def shrink(self, case, res, problems, index, budget_s=6.0):
        """Drop mutations and flags one at a time while the case still fails."""
        t0 = time.monotonic()
        for key in ("ops", "flags"):
            i = 0
            while i < len(case[key]) and len(case[key]) > 1 and time.monotonic() - t0 < budget_s:
                trial = dict(case, **{key: case[key][:i] + case[key][i + 1:]})
                box = self.tmp / f"shrink{index}"
                r2, p2 = run_case(trial, box)
                shutil.rmtree(box, ignore_errors=True)
                if p2:
                    case, res, problems = trial, r2, p2
                else:
                    i += 1
        return case, res, problems


class GeneratedDriverInputs(MarkedCase):
    """Issue 22: generated topology inputs (sumbench and sweep.py --dry-run) and MPMD
    launches whose ranks see different environments. Every case ends within its timeout,
    with exit 0/2 (MPMD: 0/1/2, the same on every rank), exactly one line when it is 2
    (from rank 0 only), a topology planned on only when it is the one given, and no
    process left behind (each carries a mark in its environment: launches.py)."""

    def generate(self, name, gen, check, needs_launcher=False):
        if needs_launcher and mpi_launcher() is None:
            self.skipTest("no launcher of the built sumbench's MPI (MPIEXEC)")
        env_seed = os.environ.get("HARDENING_SEED") or str(DEFAULT_SEED)
        seed = random.SystemRandom().randrange(10 ** 9) if env_seed == "random" else int(env_seed)
        only = os.environ.get("HARDENING_CASE")
        print(f"\n[generated {name}] seed={seed} budget={BUDGET_S:g}s (replay: HARDENING_SEED={seed})",
              file=sys.stderr, flush=True)
        inputs = self.tmp / "inputs"
        topology_inputs(inputs)
        start, failures, index, ran = time.monotonic(), [], 0, 0
        indices = [int(only)] if only is not None else None
        while (indices is None and time.monotonic() - start < BUDGET_S) or indices:
            index = indices.pop() if indices else index
            box = self.tmp / f"case{index}"
            box.mkdir()
            what, problems = check(gen(seed, index, inputs), box, inputs, self.token)
            ran += 1
            if problems:
                failures.append(f"\n--- seed {seed} case {index}: {'; '.join(problems)}\n  replay: "
                                f"HARDENING_SEED={seed} HARDENING_CASE={index}\n  {what}")
            shutil.rmtree(box, ignore_errors=True)
            index += 1
        print(f"[generated {name}] seed={seed}: {ran} cases in {time.monotonic() - start:.1f}s, "
              f"{len(failures)} failure(s)", file=sys.stderr, flush=True)
        if failures:
            self.fail(f"generated {name} inputs broke the contract:" + "".join(failures[:8]))

    def test_topology_inputs(self):
        self.generate("topology", gen_topology_case, topology_problems)

    def test_mpmd_launches(self):
        self.generate("mpmd", gen_mpmd_case, mpmd_problems, needs_launcher=True)


if __name__ == "__main__":
    unittest.main()
