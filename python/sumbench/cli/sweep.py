"""runners/sweep.py: run a sumbench sweep, one process and one folder per point.

    python3 runners/sweep.py --kernels=sum,sleep --modes=serial,omp,mpi --workers=1,2 \\
        --repetitions=1 --quick --out results/smoke

See ``--help`` and docs/DESIGN.md ("Runners -> point folders -> results.csv").
Exit status: 0 all points ok, 1 some point not ok, 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ..catalogue import Catalogue
from ..errors import UsageError, run_main
from ..io import atomic_write_json
from ..machine import default_workers
from ..runner import config, sweep
from ..runner.launch import detect_machine
from ..runner.plan import enumerate_points, shuffled
from ..runner.progress import say

PROG = "sweep.py"


def prepare(argv):
    """Everything before the first point: the settings, checked by the runner and by
    sumbench itself, the points, the folder. Raises UsageError."""
    cfg, given, ns = config.resolve(argv)
    cfg["retry_failed"] = ns.retry_failed
    machine = detect_machine(cores_override=cfg["cores"])
    workers = cfg["workers"] or default_workers(machine.cores)
    cat = Catalogue.from_sumbench(cfg["sumbench"], config.catalogue_args(cfg, workers))
    cfg = config.validate(cfg, cat)
    if ns.save_config:
        try:
            atomic_write_json(ns.save_config, given)
        except OSError as e:
            raise UsageError(f"cannot write --save-config {ns.save_config!r}: {e.strerror}")
        print(f"saved config to {ns.save_config}")
        return None
    points, notes = enumerate_points(cfg, cat, workers)
    if not points:
        raise UsageError("no points: every kernel/mode combination was left out "
                         f"({'; '.join(notes)})")
    out = Path(cfg["out"] or f"results/sweep-{time.strftime('%Y%m%d-%H%M%S')}").resolve()
    previous, manifest = sweep.read_previous(out)
    if previous:
        sweep.check_resume(cfg, previous, out)
    if cfg["seed"] is None:
        # Resuming keeps the earlier order; a new sweep seeds from the clock.
        cfg["seed"] = previous.get("seed") if isinstance(previous.get("seed"), int) \
            else time.time_ns() % 2**32
    order = shuffled(points, cfg["seed"])
    cfg["out"] = str(out)
    return cfg, cat, ns, machine, out, order, notes, manifest


def body(argv) -> int:
    prepared = prepare(argv)
    if prepared is None:
        return 0
    cfg, cat, ns, machine, out, order, notes, manifest = prepared
    if ns.dry_run:
        return sweep.dry_run(order, cfg, machine, out, notes)
    sweep.check_tools(cfg, order, machine)
    sweep.make_out(out)
    sweep.lock_out(out)
    manifest = sweep.start(out, cfg, cat, order, machine, notes, manifest,
                           sys.argv[1:] if argv is None else list(argv))
    say(f"sweep: {len(order)} points, cores={machine.cores}, seed={cfg['seed']}, out={out}")
    for note in notes:
        say(f"note: {note}")
    return sweep.run_sweep(order, cfg, machine, out, manifest)


def main(argv=None) -> int:
    try:
        return run_main(PROG, body, argv)
    except BrokenPipeError:  # dry-run piped into head: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
