"""runners/sweep.py: run a sumbench sweep, one process and one folder per point.

    python3 runners/sweep.py --kernels=sum,sleep --modes=serial,omp,mpi --workers=1,2 \\
        --repetitions=1 --quick --out results/smoke

See ``--help`` and docs/DESIGN.md ("Runners -> point folders -> results.csv").
Exit status: 0 all points ok, 1 some point not ok, 2 usage error, 3 runtime error
(disk full, I/O), 129/130/143 interrupted (docs/DESIGN.md, "Exit codes").
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

from .. import builds, folders, topology
from ..catalogue import Catalogue
from ..errors import RuntimeFailure, UsageError, os_error_text, run_main
from ..io import atomic_write_json
from ..machine import default_workers
from ..runner import binding, config, engine, hosts, launchers
from ..runner.launch import detect_machine
from ..runner.plan import enumerate_points, shuffled
from ..runner.progress import say

PROG = "sweep.py"


def prepare(argv):
    """Everything before the first file is written: the settings, checked by the runner
    and by sumbench itself, and the points. Raises UsageError."""
    cfg, given, ns = config.resolve(argv)
    cfg["retry_failed"] = ns.retry_failed
    topology.check_input()  # before sumbench (or a launcher) builds a topology it describes
    # The plain catalogue first: the node's topology (hwloc) and sumbench's MPI.
    plain = Catalogue.from_sumbench(cfg["sumbench"])
    cfg = config.check_cpus(cfg, plain)
    hostfile = hosts.read(cfg["hostfile"]) if cfg["hostfile"] else None
    machine = detect_machine(topology.detect(plain.doc), cores_override=cfg["cores"], cpus=cfg["cpus"],
                             hostfile=hostfile)
    if hostfile and machine.in_slurm:
        raise UsageError("--hostfile inside a Slurm allocation: its nodes are the allocation's "
                         "(srun places the ranks); drop --hostfile")
    workers = cfg["workers"] or default_workers(machine.slots)
    cfg, cat = config.with_catalogue(cfg, workers, plain)
    if ns.save_config:
        folders.check_output_file(ns.save_config, "--save-config")
        try:   # checked above: a failure now is the disk's (full, I/O): exit 3
            atomic_write_json(ns.save_config, config.as_file(given))
        except OSError as e:
            raise RuntimeFailure(f"cannot write --save-config {os_error_text(e)}; nothing "
                                 f"written") from None
        print(f"saved config to {ns.save_config}")
        return None
    points, notes = enumerate_points(cfg, cat, workers)
    if not points:
        raise UsageError("no points: every kernel/mode combination was left out "
                         f"({'; '.join(notes)})")
    notes = list(machine.notes) + notes
    if any(p.multi_process for p in points):  # a missing or mismatched launcher: exit 2 now
        launcher = launchers.resolve(cfg["launcher"], cat.doc.get("mpi") or {}, machine.in_slurm,
                                     cfg["mpirun"], cfg["srun_mpi"], strict=not ns.dry_run)
        if hostfile and launcher.kind == "srun":
            raise UsageError("--hostfile with --launcher=srun: srun takes the allocation's nodes; "
                             "use --launcher=openmpi or mpich")
        machine = dataclasses.replace(machine, launcher=launcher)
        notes += list(launcher.notes)
        notes += [engine.BINDING + line for line in binding.mismatches(points, machine)]
    out = Path(cfg["out"] or f"results/sweep-{time.strftime('%Y%m%d-%H%M%S')}").resolve()
    cfg["out"] = str(out)
    return cfg, cat, ns, machine, out, points, notes


def resume(cfg: dict, cat: Catalogue, out: Path, pts: list) -> tuple[dict, dict, list]:
    """(sumbench build, manifest, point order): an earlier run into the same folder must
    have had the same settings and build; it keeps its seed, and so its order."""
    build = builds.identity(cfg["sumbench"], cat)
    previous, manifest = engine.read_previous(out)
    engine.check_resume(cfg, previous, out, build)
    if cfg["seed"] is None:  # a new sweep seeds from the clock
        seed = previous.get("seed")
        cfg["seed"] = seed if isinstance(seed, int) and not isinstance(seed, bool) \
            else time.time_ns() % 2**32
    return build, manifest, shuffled(pts, cfg["seed"])


def body(argv) -> int:
    prepared = prepare(argv)
    if prepared is None:
        return 0
    cfg, cat, ns, machine, out, pts, notes = prepared
    if ns.dry_run:
        folders.check(out, accept=folders.SWEEP_FOLDERS)
        _, _, order = resume(cfg, cat, out, pts)
        return engine.dry_run(order, cfg, machine, out, notes)
    engine.open_out(out)   # ours, and locked: from here on no other runner writes in it
    build, manifest, order = resume(cfg, cat, out, pts)
    manifest = engine.start(out, cfg, cat, build, order, machine, notes, manifest,
                           sys.argv[1:] if argv is None else list(argv))
    say(f"sweep: {len(order)} points, {machine.cpus}={machine.slots}, seed={cfg['seed']}, out={out}")
    for note in notes:
        say(f"note: {note}")
    code = engine.run_sweep(order, cfg, machine, out, manifest)
    if code in (0, 1):
        say_answer(out)
    return code


def say_answer(out: Path) -> None:
    """The report's answer, one sentence per kernel, as the sweep's last lines."""
    from ..report.analysis import RunAnalysis
    from ..report.answer import answers
    from ..report.data import load_sweep
    try:
        found = answers(RunAnalysis(load_sweep(str(out))))
    except Exception as e:  # noqa: BLE001 - the sweep is done: its exit status stays its own
        say(f"no answer ({type(e).__name__}: {e}); reports/summary.py {out} --format answer says why")
        return
    if found:
        say("answer (as at the top of the report):")
    for a in found:
        say(f"  {a['text']}")


def main(argv=None) -> int:
    return run_main(PROG, body, argv)
