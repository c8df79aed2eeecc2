"""Whether the mpi and hybrid points of one worker count run on the same cores.

A speedup of hybrid 2x4 over mpi 8x1 means something only if both ran on the same 8
cores. The launchers' rules see to it where they can: under --cpus=hwthreads workers that
fit the cores get a core each in both modes, beyond the cores both pack hardware threads
(launchers.prefix); Open MPI maps mpi Wx1 per socket exactly when it maps a layout RxT so
(launchers.per_socket). What remains is a layout whose ranks cannot share the sockets
evenly (3x2 on 2 sockets fills cores 0-5, where mpi 6x1 takes 3 cores of each socket): the
run says so, in the manifest ("binding") and the report, instead of comparing them
silently. Checked against the real mpirun and mpiexec (tests/runners/test_mapping.py).
"""

from __future__ import annotations

from .launchers import per_socket


def mismatches(points, machine) -> list[str]:
    """One line per worker count whose mpi and hybrid points are placed differently."""
    launcher = machine.launcher
    if launcher is None or launcher.kind != "openmpi" or machine.nodes != 1 or machine.sockets < 2:
        return []   # Hydra and srun (one node) fill cores in order for every layout
    by_workers = {}
    for p in points:
        if p.multi_process and p.workers <= machine.cores:
            by_workers.setdefault(p.workers, {})[p.layout] = per_socket(p.ranks, p.threads, machine)
    out = []
    for w, layouts in sorted(by_workers.items()):
        if len(set(layouts.values())) > 1:
            spread = sorted(l for l, s in layouts.items() if s)
            packed = sorted(l for l, s in layouts.items() if not s)
            out.append(f"{w} workers: {', '.join(spread)} spread over the {machine.sockets} "
                       f"sockets, {', '.join(packed)} fill cores 0-{w - 1} (its ranks cannot "
                       f"share the sockets evenly): not the same cores, so their times "
                       f"compare placements too")
    return out
