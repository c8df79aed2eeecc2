"""Issue 22's kinds of generated cases, for test_generated_inputs.py: status.json fields
of every JSON type, paths whose names are not UTF-8, and SIGHUP in the middle of a sweep.
Black-box, as the rest: the commands run as subprocesses.

Each generator returns a case (data: tool, ops, flags, and what else it needs); each
runner builds it in `box` and returns (Result, [problems]) with the contract of the
generated-input test, plus its own:
  - status_types (tool "sweep", a resume): after exit 0 or 1, results.csv is readable
    (summary.py exits 0): a badly typed status.json field never reaches results.csv;
  - odd_path: exit 2, exactly one line that shows the bad byte as \\xNN, nothing created;
  - sighup: the runner exits 129 (or 0 when it finished first), none of its processes
    outlives it, nothing is written after it, no temporary file or running.json stays,
    manifest.json says interrupted, and the same command then completes (exit 0).
"""

import json
import os
import signal
import time
from pathlib import Path

from blackbox import (FAKE_SUMBENCH, Result, alive, clean_env, descendants, run, snapshot,
                      start, template_sweep, tmp_leftovers, tree_diff)

STATUS_KEYS = ["cv", "launch_s", "wall_s", "exit_code", "attempts", "unstable", "oversubscribed",
               "point_id", "reason", "timeout_s", "slurm_attempt", "outcome", "stderr_tail", "env",
               "detail", "cv_history", "history", "warnings", "load_before", "started", "source"]
POINT_KEYS = ["kernel", "mode", "ranks", "threads", "workers", "nodes", "scaling", "n",
              "gil_policy", "check_interval"]
TYPED = ["x", "", "0", "fast", "é", -1, -1.5, 0, 1.5, 3, 1e308, 2 ** 63, True, False, None, [],
         {}, [1, "a"], {"a": 1}]
# Bytes that make a name invalid UTF-8: a lone continuation byte, 0xff, an overlong
# lead, a truncated sequence, an encoded surrogate.
BAD_BYTES = [b"\xff", b"\xfe", b"\x80", b"\xc0\xaf", b"\xc3", b"\xed\xa0\x80"]
ODD_TOOLS = ["sweep --out", "sweep --dry-run --out", "sweep cwd", "sweep --save-config",
             "baseline --out", "report --out", "compare --csv", "summary --out"]
SWEEP = ["--kernels=sum", "--modes=serial,omp", "--workers=1,2", "--repetitions=2", "--seed=1"]


def gen_status_types(rng, points):
    ops = []
    for _ in range(rng.randint(1, 3)):
        f = f"points/{rng.choice(points)}/status.json"
        if rng.random() < 0.3:
            value = {rng.choice(POINT_KEYS): rng.choice(TYPED) for _ in range(rng.randint(1, 3))}
            ops.append({"file": f, "op": "field", "key": "point", "value": value})
        else:
            ops.append({"file": f, "op": "field", "key": rng.choice(STATUS_KEYS),
                        "value": rng.choice(TYPED)})
    return {"tool": "sweep", "ops": ops, "flags": []}


def bad_name(rng) -> str:
    letters = bytes(rng.choice(b"abcxyz-_. ") for _ in range(rng.randint(0, 6)))
    name = letters + rng.choice(BAD_BYTES) + bytes(rng.choice(b"abc") for _ in range(rng.randint(0, 3)))
    return name.hex()   # JSON-safe in the case; decoded by odd_path()


def gen_odd_path(rng):
    return {"tool": "odd_path", "ops": [], "flags": [rng.choice(ODD_TOOLS)], "name": bad_name(rng),
            "depth": rng.randint(0, 2)}


def gen_sighup(rng):
    return {"tool": "sighup", "ops": [], "flags": [], "sleep_s": rng.choice([0.3, 0.6, 1.0]),
            "delay_s": round(rng.uniform(0.0, 2.5), 2)}


def odd_path(box: Path, case) -> Path:
    """box/in/[sub/...]<name> for the case's name that is not UTF-8 (surrogate escapes)."""
    name = os.fsdecode(bytes.fromhex(case["name"]))
    return box / "in" / Path(*(["sub"] * case["depth"])) / name


def run_odd_path(case, box: Path):
    env = clean_env(TMPDIR=box / "tmp")
    base = template_sweep()
    bad = odd_path(box, case)
    what = case["flags"][0]
    cwd = None
    args = {"sweep --out": ["sweep", f"--sumbench={FAKE_SUMBENCH}", *SWEEP, f"--out={bad}"],
            "sweep --dry-run --out": ["sweep", f"--sumbench={FAKE_SUMBENCH}", *SWEEP, "--dry-run",
                                      f"--out={bad}"],
            "sweep cwd": ["sweep", f"--sumbench={FAKE_SUMBENCH}", *SWEEP],
            "sweep --save-config": ["sweep", f"--sumbench={FAKE_SUMBENCH}", *SWEEP,
                                    f"--save-config={bad}"],
            "baseline --out": ["baseline", "--kernels=sum", "--modes=serial", "--workers=1",
                               "--scaling=strong", "--n=1000", "--repetitions=1", f"--out={bad}"],
            "report --out": ["report", base, "--out", bad],
            "compare --csv": ["compare", base, base, "--csv", bad],
            "summary --out": ["summary", base, "--out", bad]}[what]
    if what == "sweep cwd":
        bad.mkdir(parents=True)
        cwd = bad
    elif case["depth"]:
        bad.parent.mkdir(parents=True)   # the parent exists; the bad name is the new part
    before = snapshot(box)
    res = run(*args, env=env, cwd=cwd, timeout=30)
    problems = []
    if res.timed_out:
        problems.append("still running after 30 s")
    elif res.rc != 2:
        problems.append(f"exit {res.rc}, expected 2")
    if "Traceback (most recent call last)" in res.stderr + res.stdout:
        problems.append("traceback")
    lines = res.err_lines
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr")
    elif "\\x" not in lines[0]:
        problems.append("the line does not show the bad name")
    created = tree_diff(before, snapshot(box))
    if created:
        problems.append(f"created or changed: {created[:5]}")
    return res, problems


def _state(out: Path) -> dict:
    try:
        return json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def run_sighup(case, box: Path):
    out = box / "out" / "sweep"
    env = clean_env(TMPDIR=box / "tmp", FAKE_SLEEP_S=case["sleep_s"])
    args = [f"--sumbench={FAKE_SUMBENCH}", *SWEEP, f"--out={out}"]
    t0 = time.monotonic()
    proc = start("sweep", *args, env=env)
    problems, pids = [], []
    try:
        deadline = time.monotonic() + 30
        while not (out / "manifest.json").exists() and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(case["delay_s"])
        pids = descendants(proc.pid)
        proc.send_signal(signal.SIGHUP)
        stdout, stderr = proc.communicate(timeout=30)
    except Exception:   # noqa: BLE001 - a hang: reported below, the tree killed
        proc.kill()
        stdout, stderr = proc.communicate()
        problems.append("still running 30 s after SIGHUP")
    res = Result(proc.args, proc.returncode, stdout, stderr, time.monotonic() - t0)
    if proc.returncode == 0:
        return res, problems   # it finished before the signal
    if proc.returncode != 128 + signal.SIGHUP:
        problems.append(f"exit {proc.returncode} after SIGHUP, expected 129")
    if "Traceback (most recent call last)" in stderr:
        problems.append("traceback")
    deadline = time.monotonic() + 5
    while [p for p in pids if alive(p)] and time.monotonic() < deadline:
        time.sleep(0.05)
    if [p for p in pids if alive(p)]:
        problems.append(f"processes outlive the runner: {[p for p in pids if alive(p)]}")
    if out.exists():
        before = snapshot(out)
        time.sleep(case["sleep_s"] + 0.5)   # a surviving child would write its raw.json now
        if tree_diff(before, snapshot(out)):
            problems.append(f"written after the runner ended: {tree_diff(before, snapshot(out))[:3]}")
        if tmp_leftovers(out) or list(out.glob("points/*/running.json")):
            problems.append(f"left behind: {tmp_leftovers(out)[:3]} "
                            f"{[p.parent.name for p in out.glob('points/*/running.json')]}")
        runs = _state(out).get("runs") or [{}]
        if (out / "manifest.json").exists() and not runs[-1].get("interrupted"):
            problems.append("manifest.json does not say interrupted")
    again = run("sweep", *args, env=clean_env(TMPDIR=box / "tmp"), timeout=60)
    counts = _state(out).get("counts") or {}
    if again.rc != 0 or counts.get("ok") != counts.get("total"):
        problems.append(f"the resume did not complete (exit {again.rc}, counts {counts})")
    return res, problems
