"""The driver-input cases of the generated-input test (test_generated_inputs.py,
GeneratedDriverInputs; issue 22): topology inputs given to sumbench and to sweep.py
--dry-run, and MPMD launches whose ranks see different environments. A case is data
(gen_*), run by *_problems, which returns what ran and the contract it broke:

  - topology: within CASE_TIMEOUT_S, exit 0 (then planned on the input itself) or 2 with
    one line naming the variable, no --out from --dry-run, no process left behind;
  - MPMD: within twice that, every rank with the same status (0, 1 or 2), rank 0's stderr
    one line when it is 2, nothing printed by any other rank, no process left behind.
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from pathlib import Path

from blackbox import TRACEBACK, clean_env, real_sumbench, run
from launches import HUGE, MARK, ONE_NODE, kill_marked, mpmd, topology_inputs

CASE_TIMEOUT_S = 30


def gen_synthetic(rng) -> str:
    """An hwloc synthetic description: plausible levels, wrong ones, huge ones, noise."""
    if rng.random() < 0.25:  # noise
        return rng.choice(["", " ", "abc", "é", "\n", "x" * 300, "1,2", "pu", ":", "()", "[]"])
    types = ["pack:", "Package:", "numa:", "core:", "l3:", "group:", "pu:", "", "bogus:", "pu"]
    arities = ["1", "2", "3", "16", "0", "-1", "x", "0x10", "010", "1e3", str(10 ** rng.randint(2, 12))]
    levels = [rng.choice(types) + rng.choice(arities) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.7:
        levels.append("pu:" + rng.choice(arities[:4]))
    if rng.random() < 0.2:
        levels.insert(rng.randrange(len(levels) + 1), rng.choice(["[numa]", "(memory=1GB)", "[numa(memory=1GB)]"]))
    if rng.random() < 0.15:
        levels[-1] += rng.choice(["(indexes=0,5000)", "(indexes=1,0)", "("])
    return " ".join(levels)


def gen_xml(rng, folder: Path) -> str:
    """The path of an hwloc XML topology: a real one mutated, or no file one can read."""
    inputs = topology_inputs(folder)
    kind = rng.choice(["node", "cut", "flip", "os_index", "no_pu", "existing"])
    if kind == "existing":
        return inputs[rng.choice([k for k in inputs if k.startswith("xml_")])][1]
    node = inputs.get("xml_ok", ("", str(folder / "node.xml"), True))[1]
    try:
        text = Path(node).read_text()
    except OSError:
        return node
    path = folder / f"mutated{rng.randrange(10 ** 6)}.xml"
    if kind == "cut":
        text = text[:int(len(text) * rng.random())]
    elif kind == "flip":
        chars = list(text)
        for _ in range(rng.randint(1, 5)):
            chars[rng.randrange(len(chars))] = rng.choice('<>"=x0 \n')
        text = "".join(chars)
    elif kind == "os_index":
        text = text.replace('type="PU" os_index="1"', f'type="PU" os_index="{rng.choice([1023, 1024, 5000, -1])}"')
    elif kind == "no_pu":
        text = "\n".join(line for line in text.splitlines() if 'type="PU"' not in line)
    path.write_text(text)
    return str(path)


def gen_topology_case(seed, index, folder: Path) -> dict:
    rng = random.Random(f"topology:{seed}:{index}")
    env = {}
    if rng.random() < 0.6:
        env["HWLOC_SYNTHETIC"] = gen_synthetic(rng)
    if not env or rng.random() < 0.3:
        env["HWLOC_XMLFILE"] = gen_xml(rng, folder)
    return {"env": env, "tool": rng.choice(["sumbench", "sumbench", "sweep_dry"])}


def topology_problems(case, box: Path, _inputs: Path, token: str):
    """Runs a topology case; (what ran, problems)."""
    env = clean_env(**{MARK: token}, **case["env"])
    if case["tool"] == "sumbench":
        t0 = time.monotonic()
        try:
            proc = subprocess.run([real_sumbench(), "--list=json"], capture_output=True, text=True, env=env,
                                  timeout=CASE_TIMEOUT_S, start_new_session=True)
            rc, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired:
            rc, out, err = None, "", ""
        wall = time.monotonic() - t0
    else:
        res = run("sweep", f"--sumbench={real_sumbench()}", "--kernels=sum", "--modes=serial,mpi",
                  "--workers=1,2", f"--out={box / 'out'}", "--dry-run", env=env, timeout=CASE_TIMEOUT_S)
        rc, out, err, wall = res.rc, res.stdout, res.stderr, res.wall_s
    problems = []
    left = kill_marked(token)
    if rc is None:
        problems.append(f"still running after {CASE_TIMEOUT_S} s")
    elif rc not in (0, 2):
        problems.append(f"exit {rc}, expected 0 or 2")
    lines = [line for line in err.splitlines() if line.strip()]
    if rc == 2 and (len(lines) != 1 or not any(name in lines[0] for name in case["env"])):
        problems.append(f"exit 2 with {len(lines)} line(s), not one naming the variable")
    given = next((name for name in ("HWLOC_SYNTHETIC", "HWLOC_XMLFILE") if case["env"].get(name)), None)
    if rc == 0 and case["tool"] == "sumbench":  # the input hwloc's order takes (empty: unset)
        source = json.loads(out)["topology"]["source"]
        want = {"HWLOC_SYNTHETIC": "synthetic: ", "HWLOC_XMLFILE": "xml: ", None: "this system"}[given]
        if not source.startswith(want):
            problems.append(f"exit 0 but planned on {source!r}")
    if TRACEBACK in err:
        problems.append("traceback")
    if left:
        problems.append(f"{len(left)} process(es) outlived it")
    if (box / "out").exists():
        problems.append("--dry-run created --out")
    return f"{case['tool']} with {case['env']!r} ({wall:.1f} s): {err[-400:]}", problems


MPMD_POOL = {
    "SUMBENCH_EXPECT_RANKS": ["{R}", "{R1}", "1", "0", "abc", "", "99999999"],
    "BENCHMARK_REPETITIONS": ["1", "2", "abc", "-1", "0x10"],
    "BENCHMARK_FILTER": ["sum", "(", "^nothing$", "serial"],
    "BENCHMARK_MIN_TIME": ["0", "0.001", "abc", "1e400"],
    "BENCHMARK_OUT": ["{box}/out.json", "{box}", "/proc/sumbench.json"],
    "BENCHMARK_FORMAT": ["json", "xml"],
    "BENCHMARK_CONTEXT": ["a=1", "=", "a=1,", "host_name=x"],
    "BENCHMARK_PERF_COUNTERS": ["CYCLES", ","],
    "BENCHMARK_ENABLE_RANDOM_INTERLEAVING": ["true", "maybe"],
    "BENCHMARK_LIST_TESTS": ["true", "x"],
    "V": ["0", "abc", "99999999999"],
    "HWLOC_SYNTHETIC": ["garbage", ONE_NODE, HUGE, ""],
    "HWLOC_XMLFILE": ["{box}/missing.xml", "{box}", "{inputs}/nocpus.xml", "{inputs}/node.xml"],
    "SUMBENCH_TEST_CPUSETS": ["0-x", "0;1", "0-1;0-1;0-1"],
    "SUMBENCH_TEST_CORRUPT": ["1"],
    "SUMBENCH_TEST_DELAY_MS": ["abc", "5"],
    "SUMBENCH_TEST_WRITE_DELAY_MS": ["abc", "5"],
    "OMP_PROC_BIND": ["false", "close"],
}
# Left out on purpose: an invalid OMP_* value (libgomp prints its own line when the library
# loads, before sumbench runs: not sumbench's to stop), V of 1 or more (Google Benchmark's
# log, asked for), and values that make a run long (BENCHMARK_MIN_TIME=3600).


# The variables a rank draws, weighted towards those read before MPI starts (issue 22's hang).
MPMD_WEIGHTS = {name: 4 if name.startswith(("SUMBENCH_EXPECT", "HWLOC_")) else 1 for name in MPMD_POOL}


def gen_mpmd_case(seed, index, _inputs: Path) -> dict:
    """2 or 3 ranks; rank 0 and one other rank draw variables, the others draw too, copy
    rank 0's (variables that agree) or have none."""
    rng = random.Random(f"mpmd:{seed}:{index}")
    ranks = rng.choice([2, 2, 3])
    drawn = {0, rng.randrange(1, ranks)}
    envs = []
    for r in range(ranks):
        how = "draw" if r in drawn else rng.choice(["draw", "copy", "none"])
        if how == "copy":
            envs.append(dict(envs[0]))
            continue
        count = 0 if how == "none" else rng.choice([0, 1, 1, 2]) if r == 0 else rng.choice([1, 1, 2])
        names = set(rng.choices(list(MPMD_WEIGHTS), list(MPMD_WEIGHTS.values()), k=count))
        envs.append({name: rng.choice(MPMD_POOL[name]) for name in sorted(names)})
    return {"ranks": ranks, "envs": envs}


def mpmd_problems(case, box: Path, inputs: Path, token: str):
    r = case["ranks"]
    envs = [{k: v.format(R=r, R1=r + 1, box=box, inputs=inputs) for k, v in env.items()} for env in case["envs"]]
    launch = mpmd(envs, ["--quick", "--kernels=sum", "--modes=serial,mpi", f"--workers=1,{r}", "--n=1000"],
                  box / "ranks", token, timeout=2 * CASE_TIMEOUT_S)
    problems = []
    left = kill_marked(token)
    if launch.hung:
        problems.append(f"hung for {2 * CASE_TIMEOUT_S} s")
    elif None in launch.statuses or len(set(launch.statuses)) != 1:
        problems.append(f"ranks exited with {launch.statuses}, not one status")
    elif launch.statuses[0] not in (0, 1, 2):
        problems.append(f"exit {launch.statuses[0]}, expected 0, 1 or 2")
    elif launch.statuses[0] == 2 and (len((launch.errors[0] or "").splitlines()) != 1
                                      or not launch.errors[0].startswith("sumbench: error: ")):
        problems.append(f"exit 2 and rank 0 printed {launch.errors[0]!r}, not one line")
    if any(launch.errors[1:]):
        problems.append("a rank other than 0 printed: " + "; ".join(repr(e[-200:]) for e in launch.errors[1:] if e))
    if left:
        problems.append(f"{len(left)} process(es) outlived it")
    return f"{r} ranks, environments {envs!r} ({launch.wall_s:.1f} s): {(launch.errors[0] or '')[-400:]}", problems
