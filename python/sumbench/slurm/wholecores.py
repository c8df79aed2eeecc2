"""Whole cores on SMT nodes: how a sweep's jobs ask Slurm for cores, not hardware threads.

Slurm counts a hardware thread as a CPU. On a 2 x 2 x 2 node (test cluster, Slurm 22.05,
CR_Core) 4 tasks x 1 CPU get CPU_IDs=0-1,4-5: 2 cores, and the layout 4x1 would share
them. --hint=nomultithread (or --threads-per-core=1) makes each CPU a core: CPU_IDs=0-7,
4 cores. Sites differ in which of the two they take (--hint conflicts with a site's
--cpu-bind or --ntasks-per-core defaults, some select plugins ignore it), so "auto" asks
Slurm itself: sbatch --test-only with --hint=nomultithread, else --threads-per-core=1.
With --cpus=hwthreads in --sweep-args the jobs ask for hardware threads
(--hint=multithread), which overrides sumbench.sbatch's own #SBATCH --hint=nomultithread.
"""

from __future__ import annotations

import os
import subprocess

CHOICES = ("auto", "hint", "threads-per-core", "threads")
HINT = "--hint=nomultithread"
TPC = "--threads-per-core=1"
THREADS = "--hint=multithread"
_USER_FLAGS = ("--hint", "--threads-per-core", "--ntasks-per-core", "--cores-per-socket",
               "-B", "--extra-node-info")


def _given(options: list[str]) -> bool:
    return any(o == n or o.startswith(n + "=") for o in options for n in _USER_FLAGS)


def flags(choice: str, hwthreads: bool, extra: list[str]) -> tuple[list[str], str]:
    """(sbatch flags, the line that says what they ask for)."""
    if _given(extra):
        return [], "cores or hardware threads: as --sbatch-args asks"
    if hwthreads or choice == "threads":
        return [THREADS], (f"hardware threads: {THREADS} (--cpus=hwthreads: every hardware "
                           "thread of a core counts as a CPU)")
    if choice == "threads-per-core":
        return [TPC], f"whole cores: {TPC} (--smt threads-per-core)"
    return [HINT], f"whole cores: {HINT}" + (" (--smt hint)" if choice == "hint" else "")


def _accepted(argv: list[str], env_add: dict) -> tuple[bool, str]:
    """Whether sbatch --test-only takes `argv` (nothing is queued), and its words."""
    test = [argv[0], "--test-only"] + [a for a in argv[1:] if a != "--parsable"]
    try:
        proc = subprocess.run(test, env=dict(os.environ, **env_add), capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        return False, str(e)
    text = (proc.stderr or proc.stdout).strip().splitlines()
    return proc.returncode == 0, text[-1] if text else ""


def probe(choice: str, argv: list[str], env_add: dict) -> tuple[list[str], str]:
    """("auto" only) The flag the site takes for whole cores, asked of sbatch --test-only
    with the first job's own line: (flags to use instead of --hint, what happened)."""
    if choice != "auto" or HINT not in argv:
        return [HINT] if HINT in argv else [], ""
    ok, said = _accepted(argv, env_add)
    if ok:
        return [HINT], f"sbatch --test-only took {HINT}"
    other = [TPC if a == HINT else a for a in argv]
    ok2, said2 = _accepted(other, env_add)
    if ok2:
        return [TPC], f"sbatch --test-only refused {HINT} ({said}), took {TPC}"
    if said == said2:  # not the flag's fault
        return [HINT], f"sbatch --test-only refused the job with either flag ({said})"
    return [HINT], (f"sbatch --test-only refused {HINT} ({said}) and {TPC} ({said2}); "
                    f"submitting with {HINT}")
