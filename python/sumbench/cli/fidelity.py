"""runners/fidelity.py: sumbench's gil policies against the real interpreters they model.

    python3 runners/fidelity.py --out DIR [--python all] [--figures LIST] [--repetitions 15]
                                [--quiet-wait S] [--quick]

Runs, interleaved in one run, the same GIL experiments in sumbench's gil mode and in
every interpreter given (default: every CPython found on PATH and under pyenv): the CPU
ratio at 2 and 3 threads against one thread and against the serial loop (the post's),
the convoy's added I/O latency at C = 1, 2, 3 CPU threads, Beazley's I/O convoy (I/O
operations per second beside C = 1, 2, 3 CPU threads, one or two I/O threads), each at 1
ms and 5 ms switch intervals and Python 2's check interval 100, and the GIL hand-off
(sumbench.fidelity.figures), with the C = 0 runs they are judged against. Each figure is
judged for its policy (legacy against Python 2.7, calibrated each repetition and with
sumbench's defaults; cpython against 3.11, the other 3.x the spread) and for the controls
fifo, none and the crossed pairing, by one rule (sumbench.fidelity.verdict: a bootstrap
CI of the model/real ratio inside [0.8, 1.25]); a figure discriminates when its policy
passes and every control fails. It prints the table and writes the raw JSON (every run,
convoy's per-wait samples, the load during each run) and the tidy rows into
DIR/points/fidelity/ (DIR new, empty, or a sweep folder it then joins, as the CPython
baseline does), after each repetition: a stopped run resumes with the same settings; a
complete one is never overwritten. reports/report.py DIR shows the same table.

During every run the machine's busy time (/proc/stat) is compared with our own
(getrusage): a run during which others used more than 10% of the machine is marked
noisy, and the table says how many were. --quiet-wait S makes each group of each
repetition first wait up to S seconds for a 1 s window in which others use under 5% of
the machine. The run prints its estimated duration, and its progress with an ETA.

Exit status: 0 the run completed (whatever the verdicts), 1 an experiment failed (the
repetitions done so far are kept), 2 usage error (one line), 3 runtime error,
129/130/143 interrupted.
"""

from __future__ import annotations

import os
import platform
import sys

from .. import builds, interpreters, machine, paths
from ..catalogue import Catalogue
from ..errors import ArgParser, UsageError, run_main, say_error
from ..fidelity import experiment, figures, runs, text

PROG = "fidelity.py"


def parse_args(argv):
    p = ArgParser(prog=PROG, description="sumbench's gil policies against the real interpreters they model",
                  exits=((0, "the run completed, whatever the verdicts"),
                         (1, "an experiment failed: the complete repetitions are kept, the same "
                             "command resumes")))
    a = p.add_argument
    a("--out", required=True, metavar="DIR", help="new or empty folder, or a sweep folder to join")
    a("--sumbench", default=None, help="the sumbench binary (default: $SUMBENCH, else build/sumbench)")
    a("--python", default="all", metavar="LIST",
      help="interpreters: paths, names, versions (2.7, 3.11) or all (default: every CPython found)")
    a("--figures", default="", help="comma list of figure ids or prefixes: cpu, cpu:2, seed, convoy:2, "
                                    "convoy:2:1ms, ioconvoy, ioconvoy2:1:5ms, handoff:5ms ... (default: all)")
    a("--repetitions", default="15", help="interleaved repetitions (default 15: the verdict needs 5 or more)")
    a("--waits", default="100", help="convoy: 1 ms waits per run (default 100)")
    a("--cpu-seconds", default="0.25", help="cpu: the loop's serial seconds per run (default 0.25)")
    a("--io-seconds", default="0.25", help="ioconvoy: each run's seconds of I/O operations (default 0.25)")
    a("--quiet-wait", default="0", metavar="S", help="wait up to S s for a quiet window (the machine "
                                                     "under 5%% busy) before each group (default 0: do not wait)")
    a("--plan", action="store_true", help="print what each repetition runs and the estimated duration, "
                                           "then exit (nothing is run or written)")
    a("--quick", action="store_true", help="a smoke run: 1 repetition, 10 waits, small sizes (no verdict: "
                                            "too few runs), and a few figures unless --figures names them")
    ns = p.parse_args(argv)

    def number(name, kind, low, high):
        text_ = getattr(ns, name.replace("-", "_"))
        try:
            value = kind(text_)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise UsageError(f"--{name}={text_}: allowed are {'whole ' if kind is int else ''}numbers from {low} to {high}")
        return value
    cfg = {"repetitions": number("repetitions", int, 1, 1000), "waits": number("waits", int, 1, 100000),
           "cpu_seconds": number("cpu-seconds", float, 0.001, 60.0), "quiet_wait": number("quiet-wait", float, 0, 3600),
           "io_seconds": number("io-seconds", float, 0.01, 60.0), "quick": ns.quick}
    if ns.quick:
        cfg.update(repetitions=1, waits=10, cpu_seconds=0.05, io_seconds=0.05)
    return ns, cfg


def body(argv) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    ns, cfg = parse_args(argv)
    binary = paths.find_sumbench(ns.sumbench)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        raise UsageError(f"--sumbench {binary}: not an executable file (build it: scripts/build.sh)")
    figs = figures.select(ns.figures, ns.quick)
    if not figs:
        raise UsageError(f"--figures={ns.figures}: matches no figure; ids: "
                         + ",".join(dict.fromkeys(f.id for f in figures.judged())))
    chosen, notes = interpreters.select(ns.python)
    interps = [{"implementation": i.implementation, "version": i.version, "executable": i.path,
                "gil": i.gil, "where": i.where} for i in chosen]
    kinds = {i["gil"] for i in interps}
    for policy, kind, what in (("legacy", "old", "CPython 2.7"), ("cpython", "new", "CPython 3")):
        if any(f.policy == policy for f in figs) and kind not in kinds:
            notes.append(f"no {what} given or found: the {policy} figures are skipped")
    figs = [f for f in figs if any(figures.POLICY_OF_GIL.get(k) == f.policy for k in kinds)]
    if not figs:
        raise UsageError("nothing to run: no interpreter of the GIL kind the chosen figures need "
                         f"(--python {ns.python}: {', '.join(i['version'] for i in interps)})")
    cfg.update(figures=[f"{f.id} {f.policy}" for f in figs], sumbench=binary,
               interpreters=[f"{i['version']} {i['executable']}" for i in interps])
    if ns.plan:
        run = experiment.Run(cfg, figs, interps, notes, runs.Model(binary), None, ns.out, [], print)
        for line in text.plan_lines(run):
            print(line)
        return 0
    cat = Catalogue.from_sumbench(binary)
    build = builds.identity(binary, cat)
    prev = experiment.check_out(ns.out, cfg, build)       # before anything runs
    missing = {f.policy for f in figs} - set(cat.policy_names())
    if missing:
        raise UsageError(f"--sumbench {binary} has no gil policy {', '.join(sorted(missing))}; rebuild it")
    # The figures are sumbench's sum, convoy and ioconvoy kernels beside the interpreter's same loops.
    kernels = {"sum"} | {f.stem for f in figs if f.kind in ("convoy", "ioconvoy")}
    absent = kernels - set(cat.kernel_names())
    if absent:
        raise UsageError(f"--sumbench {binary} has no kernel {', '.join(sorted(absent))} (a binary built with "
                         "NO_BUILTIN_KERNELS?); the fidelity figures need sumbench's own kernels")
    print(f"machine: {platform.node()} {machine.cpu_model()}, {os.cpu_count()} CPUs; load {runs.LoadMeter.loadavg()}",
          flush=True)
    for line in notes:
        print(f"note: {line}", flush=True)
    for i in interps:
        print(f"interpreter: {i['implementation']} {i['version']} ({i['gil']} GIL) {i['executable']}", flush=True)
    say = lambda line: print(line, flush=True)  # noqa: E731
    run = experiment.Run(cfg, figs, interps, notes, runs.Model(binary), cat, ns.out,
                         [sys.executable, sys.argv[0]] + argv, say, build)
    judged = [f for f in figs if not f.baseline]
    print(f"plan: {len(judged)} figures, {len(run.groups)} groups per repetition, {cfg['repetitions']} "
          f"repetitions; estimated {run.estimate_s() / 60:.0f} min on a quiet machine", flush=True)
    doc = run.start(prev)
    try:
        doc = run.run(doc)
    except runs.ExperimentError as e:
        say_error(PROG, f"an experiment failed: {e}; the {doc['repetitions_done']} complete "
                        f"repetition(s) are kept in {experiment.point_dir(run.out)}, and the same command resumes")
        return 1
    run.save(doc, final=True)
    print()
    for line in text.table_lines(doc["table"], doc.get("main_thread"), doc.get("load")):
        print(line)
    print(f"load over the run: {doc['load']}")
    print(f"{PROG}: wrote {experiment.point_dir(run.out)} and {os.path.join(run.out, 'results.csv')}")
    return 0


def main(argv=None) -> int:
    return run_main(PROG, body, argv)
