#!/usr/bin/env python3
"""Run every command of slurm/README.md's ```sh blocks (tests/slurm/test_readme.sh starts
the cluster they need: partition "compute", 8 nodes of 2 x 32 x 2, SBATCH_PARTITION and
SBATCH_ACCOUNT exported as the README shows).

    readme_examples.py README WORKDIR

- `sbatch ...` runs as `sbatch --test-only ...`: Slurm itself takes or refuses the line
  (nothing is queued: the examples ask for 64 cores of 2 x 32 x 2 nodes);
- `submit_sweep.py ...` runs with --dry-run (its own checks: values, the runner's rules,
  sumbench's catalogue), then every array's sbatch line it prints goes to --test-only;
- everything else runs as written, "from the repository root": WORKDIR/root, whose
  entries link to the repository's, so that what a command writes (node.xml) lands there;
- builds (scripts/build.sh, cmake) are the test suite's own and are listed, not run; a
  command of another kind fails the test, so that a new example gets a rule.
Prints each command and what happened; exits 1 at the first that fails.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]
BUILDS = ("scripts/build.sh", "cmake")


def commands(text: str) -> list[str]:
    """The commands of the ```sh blocks: continuation lines joined, comments dropped."""
    out = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = re.sub(r"\s{2,}#.*$", "", line).strip()
            if line and not line.startswith("#"):
                out.append(line)
    return out


def words(line: str) -> tuple[dict, list[str]]:
    """(VAR=value assignments before the program, the rest)."""
    argv = shlex.split(line)
    env = {}
    while argv and re.match(r"^[A-Z_][A-Z0-9_]*=", argv[0]):
        k, v = argv.pop(0).split("=", 1)
        env[k] = v
    return env, argv


def root_in(work: Path) -> Path:
    """WORKDIR/root: a link to every top-level entry of the repository, except build/: that
    is the build folder of the sumbench under test ($SUMBENCH's), since the README's
    scripts/build.sh is the suite's own build (listed, not run), and a clean clone's suite
    builds in a folder of no preset (scripts/test.sh), with no build/ in the tree."""
    root = work / "root"
    root.mkdir(exist_ok=True)
    built = os.environ.get("SUMBENCH")
    if built and not (root / "build").exists():
        (root / "build").symlink_to(Path(built).resolve().parent)
    for entry in SRC.iterdir():
        if not entry.name.startswith(".") and not (root / entry.name).exists():
            (root / entry.name).symlink_to(entry)
    return root


def run(line: str, env: dict) -> subprocess.CompletedProcess:
    print(f"  $ {line}", flush=True)
    return subprocess.run(["bash", "-c", line], cwd=env["PWD"], env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_only(line: str, env: dict) -> None:
    """An sbatch line, with --test-only after sbatch (and no --parsable, no dependency)."""
    line = re.sub(r"\bsbatch\b", "sbatch --test-only", line, count=1)
    line = line.replace(" --parsable", "")
    line = re.sub(r" '?--dependency=[^ ]*'?", "", line)
    proc = run(line, env)
    said = (proc.stderr.strip().splitlines() or [""])[-1]
    if proc.returncode != 0 or "to start at" not in said:
        fail(f"sbatch refused it: {proc.stderr.strip()[-800:]}")
    print(f"    slurm: {said}")


def fail(msg: str) -> None:
    print(f"readme_examples.py: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    readme, work = Path(sys.argv[1]), Path(sys.argv[2])
    env = dict(os.environ, PWD=str(root_in(work)))
    ran = skipped = 0
    for line in commands(readme.read_text(encoding="utf-8")):
        assigns, argv = words(line)
        program = argv[0] if argv else ""
        if program == "cd":
            print(f"  (cd: the commands run from the repository root) {line}")
            continue
        if program == "export":
            for item in argv[1:]:
                k, _, v = item.partition("=")
                env[k] = v
            print(f"  (exported) {line}")
            continue
        if program in BUILDS:
            print(f"  (a build: the test suite's own) {line}")
            skipped += 1
            continue
        if program == "sbatch":
            test_only(line, env)
        elif "submit_sweep.py" in " ".join(argv[:2]) or program == "sumbench-submit":
            dry = line if "--dry-run" in argv else line.replace("submit_sweep.py", "submit_sweep.py --dry-run", 1)
            proc = run(dry, env)
            if proc.returncode != 0:
                fail(f"exit {proc.returncode}: {proc.stderr.strip()[-800:]}")
            lines = [l for l in proc.stdout.splitlines() if " sbatch --parsable " in f" {l} "]
            if not lines:
                fail(f"no sbatch line in its dry run:\n{proc.stdout}")
            for sbatch_line in lines:
                test_only(sbatch_line, env)
        else:
            proc = run(line, env)
            if proc.returncode != 0:
                fail(f"exit {proc.returncode}: {proc.stderr.strip()[-800:]}")
            print(f"    ok ({len(proc.stdout.splitlines())} lines of output)")
        ran += 1
    if ran < 10:
        fail(f"only {ran} commands found in {readme}")
    print(f"readme_examples.py: ok: {ran} commands of {readme.name} ran, {skipped} builds listed")


if __name__ == "__main__":
    main()
