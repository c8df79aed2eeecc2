"""Slurm time limits (sbatch --time) and the deadline of a sweep's benchmark jobs.

Why a deadline: the combine/report job waits for every benchmark job to end
(--dependency=afterany). A job whose nodes fail is requeued, and while they stay down
it stays PENDING, so the report would wait forever; neither --kill-on-invalid-dep nor a
--deadline on the report job itself helps (Slurm does not check a job's deadline
while it waits on a dependency). A --deadline on the benchmark jobs does: Slurm ends a
job DEADLINE once it can no longer start and finish before it, which satisfies
afterany, and the report runs and says so. Measured on Slurm 22.05 (two-node test
cluster): after a node failure the job is held for the credential lifetime (120 s by
default, slurm.conf cred_expire), then ends DEADLINE at the first scheduling pass.

  deadline = submission + time limit + margin (--deadline-margin)

The margin is how long a job may wait in the queue, a requeue after a node failure
included; "none" submits without a deadline (the report then waits as long as the jobs).
"""

from __future__ import annotations

import re
import time
from typing import Optional

from ..errors import UsageError

# Slurm's time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S (sbatch --time).
_SLURM_TIME = re.compile(r"(?:(\d+)-(\d+)(?::(\d+)(?::(\d+))?)?|(\d+)(?::(\d+)(?::(\d+))?)?)")
NO_LIMIT = ("INFINITE", "UNLIMITED")
NO_DEADLINE = ("NONE",)
DEFAULT_MARGIN = "1-00:00:00"
ALLOWED = "minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS"


def parse_time(flag: str, text: str) -> str:
    """A positive Slurm time limit (M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, or INFINITE);
    UsageError otherwise. Slurm reads -1 and 0 as no limit: refused, say INFINITE."""
    allowed = f"{flag} takes a positive Slurm time limit: {ALLOWED} or INFINITE"
    if text.upper() in NO_LIMIT:
        return text
    m = _SLURM_TIME.fullmatch(text)
    if not m:
        raise UsageError(f"{flag}={text} is not a time limit; {allowed}")
    if not any(int(g) for g in m.groups() if g is not None):
        raise UsageError(f"{flag}={text} is zero (Slurm: no limit); {allowed}")
    return text


def seconds(text: str) -> Optional[int]:
    """A Slurm time as seconds (None for INFINITE). Assumes parse_time accepted it,
    or a margin of 0."""
    if text.upper() in NO_LIMIT:
        return None
    m = _SLURM_TIME.fullmatch(text)
    if m is None:
        raise ValueError(f"not a Slurm time: {text!r}")
    d, dh, dm, ds, a, b, c = m.groups()
    if d is not None:   # D-H[:M[:S]]
        return ((int(d) * 24 + int(dh)) * 60 + int(dm or 0)) * 60 + int(ds or 0)
    if c is not None:   # H:M:S
        return (int(a) * 60 + int(b)) * 60 + int(c)
    return int(a) * 60 + int(b or 0)   # M or M:S


def parse_margin(text: str) -> Optional[int]:
    """--deadline-margin in seconds: a Slurm time (0 allowed), or None for "none"."""
    if text.upper() in NO_DEADLINE:
        return None
    if _SLURM_TIME.fullmatch(text) is None:
        raise UsageError(f"--deadline-margin={text} is not a time; use {ALLOWED} (0 allowed), "
                         f"or none for no deadline")
    return seconds(text)


def sbatch_time(flag: str, options: list[str]) -> Optional[str]:
    """The last time limit given inside sbatch options (--time=T, --time T, -t T, -tT),
    each checked; None when there is none."""
    found = None
    for i, opt in enumerate(options):
        value = None
        if opt.startswith("--time="):
            value = opt.split("=", 1)[1]
        elif opt in ("--time", "-t"):
            value = options[i + 1] if i + 1 < len(options) else ""
        elif opt.startswith("-t") and not opt.startswith("--"):
            value = opt[2:]
        if value is not None:
            found = parse_time(f"{flag}: --time", value)
    return found


def has_deadline(options: list[str]) -> bool:
    return any(o == "--deadline" or o.startswith("--deadline=") for o in options)


def deadline(time_limit: str, margin: Optional[int], now: Optional[float] = None
             ) -> tuple[Optional[str], str]:
    """(sbatch --deadline value or None, one line saying what it means) of one job."""
    limit = seconds(time_limit)
    return deadline_after(None if limit is None or margin is None else limit + margin,
                          time_limit, margin, now)


def deadline_after(span: Optional[int], time_limit: str, margin: Optional[int],
                   now: Optional[float] = None) -> tuple[Optional[str], str]:
    """(sbatch --deadline value or None, what it means): `span` seconds from now, which
    covers k rounds of (time limit + margin) (arrays.deadline_span)."""
    if margin is None:
        return None, ("no deadline (--deadline-margin none): the report job waits as long as "
                      "the benchmark jobs do; a job whose nodes stay down holds it back until "
                      "you scancel that job")
    limit = seconds(time_limit)
    if limit is None or span is None:
        return None, ("no deadline: the time limit is INFINITE; the report job waits as long "
                      "as the benchmark jobs do (scancel a job that cannot run to let it go on)")
    at = (time.time() if now is None else now) + span
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(at))
    rounds = max(1, round(span / max(1, limit + margin)))
    each = f"time limit {time_limit} + --deadline-margin {_hms(margin)}"
    each = f"{rounds} x ({each}): {rounds} rounds of tasks (--throttle)" if rounds > 1 else each
    return text, (f"deadline {text} ({each}): a benchmark job that cannot start and end by then (its "
                  f"nodes down, a long queue) is ended DEADLINE by Slurm, and the report job "
                  f"then runs without it")


def _hms(s: int) -> str:
    d, s = divmod(s, 86400)
    return (f"{d}-" if d else "") + f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
