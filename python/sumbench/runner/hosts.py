"""Several nodes outside Slurm: a hostfile, and how each launcher spreads ranks over it.

--hostfile FILE names the nodes, one a line, in Open MPI's form ("node1 slots=32") or
MPICH's ("node1:32") or alone ("node1"); '#' starts a comment. The runner plans R ranks x
T threads as R/N ranks on each of the N nodes (each node taken to be shaped like this one,
whose topology it read), and passes the file on:

  Open MPI  mpirun --hostfile FILE --map-by ppr:R/N:node:PE=T --bind-to core
            (--use-hwthread-cpus ... --bind-to hwthread beyond the cores, --bind-to none
            when the workers do not fit; --host A:n,B:n for a file in MPICH's form)
  Hydra     mpiexec -hosts A:n,B:n -ppn R/N -bind-to core:T (hwthread:T; none), the
            hosts from the file in either form

R not a multiple of N: the launcher's own order (Open MPI fills each node's slots, Hydra
round-robin). Checked with the real mpirun and mpiexec.mpich on two hosts, each a UTS
namespace of this machine reached through the launchers' own remote start
(tests/runners/test_hosts.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional

from ..errors import UsageError

_LINE = re.compile(r"^(?P<host>[A-Za-z0-9][A-Za-z0-9._-]*)(?::(?P<n>\d+)|\s+slots=(?P<slots>\d+))?"
                   r"(?:\s+max_slots=\d+)?\s*$")


@dataclass(frozen=True)
class Hostfile:
    path: str               # absolute: the commands may run from another folder
    hosts: tuple            # names, in order
    slots: tuple            # slots per host (None: not given)
    mpich_form: bool = False  # some line is HOST:N, which Open MPI's --hostfile does not read

    def host_list(self) -> str:
        """A:n,B:n (or A,B): the hosts as --host / -hosts take them."""
        return ",".join(h + (f":{n}" if n else "") for h, n in zip(self.hosts, self.slots))

    @property
    def total_slots(self) -> Optional[int]:
        return sum(self.slots) if all(s is not None for s in self.slots) else None


def read(path: str) -> Hostfile:
    """The hostfile's hosts; UsageError (one line) for a missing file or a bad line."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"--hostfile {path!r} cannot be read: {getattr(e, 'strerror', None) or e}")
    hosts, slots, colon = [], [], False
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _LINE.match(line)
        if m is None:
            raise UsageError(f"--hostfile {path!r} line {number}: {raw.strip()!r} is not 'HOST', "
                             f"'HOST slots=N' or 'HOST:N'")
        if m.group("host") in hosts:
            raise UsageError(f"--hostfile {path!r} line {number}: {m.group('host')} is given twice")
        n = m.group("n") or m.group("slots")
        colon = colon or m.group("n") is not None
        hosts.append(m.group("host"))
        slots.append(int(n) if n else None)
    if not hosts:
        raise UsageError(f"--hostfile {path!r} names no host")
    return Hostfile(os.path.abspath(path), tuple(hosts), tuple(slots), colon)


def openmpi_flags(hostfile: Hostfile, r: int, t: int, hw: bool, fits: bool) -> list[str]:
    """mpirun's placement over the hostfile's nodes (replaces its single-node mapping)."""
    n = len(hostfile.hosts)
    argv = ["--host", hostfile.host_list()] if hostfile.mpich_form else ["--hostfile", hostfile.path]
    if not fits:
        return argv + ["--bind-to", "none"]
    where = f"ppr:{r // n}:node:PE={t}" if r % n == 0 else f"slot:PE={t}"
    if hw:
        return argv + ["--use-hwthread-cpus", "--map-by", where, "--bind-to", "hwthread"]
    return argv + ["--map-by", where, "--bind-to", "core"]


def hydra_flags(hostfile: Hostfile, r: int) -> list[str]:
    n = len(hostfile.hosts)
    return ["-hosts", hostfile.host_list()] + (["-ppn", str(r // n)] if r % n == 0 else [])
