"""Every command the runner plans is accepted by the real launchers, on synthetic machines.

The machines (hwloc XML files made with lstopo-no-graphics): 2 sockets x 16 cores x 2
hardware threads; the same with one NUMA node per socket; a plain 1 x 2 x 1. For each, and
for --cpus=cores and --cpus=hwthreads, the runner's own code plans every mpi and hybrid
point of workers 1..64 (the hybrid layouts it chooses, plus 2x32, 8x8, 16x4, 32x2, 64x1),
with sumbench's catalogue read on that machine, and the launcher's part of each command
is run mapping only:
- Open MPI: ``mpirun --mca hwloc_base_topo_file F --mca rtc ^hwloc --mca rmaps_base_verbose
  10 ... sleep 1`` computes and checks the binding without applying it (the PUs do not
  exist here); `sleep 1`, not `true`: mpirun 4.1.4 sometimes hangs with 32 or more
  children that exit at once. Each mpirun takes about a second, so the commands are
  grouped into classes (same flags, numbers aside, same fit) and three of each run (the
  smallest, the largest, one drawn with a fixed seed, and the layouts named in `sample`);
  SUMBENCH_MAPPING_ALL=1 runs all.
- MPICH: ``HYDRA_TOPO_DEBUG=1 HWLOC_XMLFILE=F mpiexec.mpich ... sleep 0.2`` prints each
  process's binding. Sampled the same way: every command (588, up to 64 ranks each) was
  about 13,000 processes, and Hydra's proxy and those processes took half of both CPUs
  for ~4 minutes of the suite (perf, 2026-12-07); sampled, 74 commands, ~1,400 processes.
  `sleep 0.2`, not `true`: under load
  (ctest -j3 on 2 cores) mpiexec.mpich 4.0.2 died of SIGPIPE (-13) on 2 commands whose
  ranks all exit at once (`-n 1` and `-n 5 true`, 2026-12-07).
Every launcher runs with stdin from /dev/null, as the runner starts its points: a launcher
forwards its stdin to rank 0, and CTest passes its own stdin on to the tests, so a ctest
whose stdin holds data (a script read from a pipe or a here-document) made
mpiexec.mpich die of SIGPIPE (-13) or exit 255 ("process reading stdin too slowly")
when rank 0 (`true`) exited first (issue 22 item 14).
SUMBENCH_MAPPING_MACHINES=plain,smt runs the named machines only (default: all).
Checked: the launcher accepts it (exit 0); a command that binds gives every rank its own
CPUs (T cores, or T hardware threads with --cpus=hwthreads), none shared, ranks of a
per-socket mapping inside one socket; a command that does not bind is one the runner
marked oversubscribed.
"""

import os
import random
import re
import shutil
import subprocess
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from support import real_sumbench
from sumbench import topology
from sumbench.catalogue import Catalogue
from sumbench.runner import binding, config
from sumbench.runner.allocation import cpu_ids
from sumbench.runner.launch import detect_machine, point_command
from sumbench.runner.launchers import Launcher
from sumbench.runner.plan import enumerate_points

MACHINES = {"smt": "pack:2 core:16 pu:2", "numa": "pack:2 [numa] core:16 pu:2", "plain": "pack:1 core:2 pu:1"}
EXTRA_LAYOUTS = "2x32,8x8,16x4,32x2,64x1"
WORKERS = ",".join(str(w) for w in range(1, 65))
ALL = os.environ.get("SUMBENCH_MAPPING_ALL") == "1"
ONLY = [m for m in os.environ.get("SUMBENCH_MAPPING_MACHINES", "").split(",") if m] or list(MACHINES)
ROOT = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
SUMBENCH = real_sumbench()


def planned(xml, unit, launcher, counts=WORKERS, layouts=EXTRA_LAYOUTS):
    """(machine, [(point, command)]) of the runner for mpi and hybrid points on `xml`."""
    env = dict(os.environ, HWLOC_XMLFILE=xml)
    env.pop("HWLOC_SYNTHETIC", None)
    commands = []
    for hybrid in ([], [f"--hybrid={layouts}"]):
        cfg = config.resolve(["--sumbench", SUMBENCH, "--kernels=sum", "--modes=mpi,hybrid",
                              f"--workers={counts}", f"--cpus={unit}", *hybrid])[0]
        cfg = config.check_cpus(cfg, Catalogue.from_sumbench(SUMBENCH, env=env))
        workers = cfg["workers"]
        cat = Catalogue.from_sumbench(SUMBENCH, config.catalogue_args(cfg, workers), env=env)
        cfg = config.validate(cfg, cat)
        machine = detect_machine(topology.detect(cat.doc), env={}, euid=0, cpus=unit, launcher=launcher)
        points, _ = enumerate_points(cfg, cat, workers)
        commands += [(p, point_command(p, cfg, machine, "/x/raw.json")) for p in points]
    return machine, commands


def launcher_part(cmd):
    """The launcher's argv (before sumbench), without -n and the environment passing."""
    argv = cmd.argv[:cmd.argv.index(SUMBENCH)]
    return argv


def class_key(cmd, machine):
    argv = launcher_part(cmd)
    flags, skip = [], False
    for i, a in enumerate(argv[1:], 1):
        if skip:
            skip = False
            continue
        if a in ("-x", "-genvlist", "-n"):
            skip = True
            continue
        flags.append(re.sub(r"\d+", "N", a))
    return (" ".join(flags), cmd.oversubscribed, cmd.oversubscribe_flag)


def sample(commands, machine, every):
    """Three of each class, or all of them (`every`); one per launcher part."""
    unique = {}
    for p, cmd in commands:
        unique.setdefault(tuple(launcher_part(cmd)), (p, cmd))
    if every:
        return list(unique.values())
    classes = {}
    for p, cmd in unique.values():
        classes.setdefault(class_key(cmd, machine), []).append((p, cmd))
    rng, out = random.Random(12), []
    # and one rank on more cores than a socket has (1x17, 1x31): MPICH's -bind-to core:N class
    # mixes them with 2xT, and a draw from it may miss them
    must = {(32, 2), (2, 32), (8, 8), (16, 4), (64, 1), (48, 1), (1, 17), (1, 31)}
    for members in classes.values():
        members.sort(key=lambda pc: (pc[0].workers, pc[0].ranks))
        picked = {0, len(members) - 1, rng.randrange(len(members))}
        picked |= {i for i, (p, _) in enumerate(members) if (p.ranks, p.threads) in must}
        out += [members[i] for i in sorted(picked)]
    return out


def run_openmpi(cmd, xml):
    argv = launcher_part(cmd)
    probe = [argv[0], "--mca", "hwloc_base_topo_file", xml, "--mca", "rtc", "^hwloc",
             "--mca", "rmaps_base_verbose", "10", *argv[1:], "sleep", "1"]
    env = {**os.environ, **cmd.env, **ROOT}
    proc = subprocess.run(probe, capture_output=True, text=True, timeout=120, env=env,
                          stdin=subprocess.DEVNULL)
    text = proc.stdout + proc.stderr
    bound = {}
    for m in re.finditer(r"PROC \[\[\d+,\d+\],(\d+)\] BITMAP ([0-9,-]+)", text):
        bound[int(m.group(1))] = set(cpu_ids(m.group(2)))
    for m in re.finditer(r"BOUND PROC \[\[\d+,\d+\],(\d+)\]\S* TO ([0-9,-]+)\[", text):
        bound.setdefault(int(m.group(1)), set(cpu_ids(m.group(2))))
    return proc.returncode, bound, probe, text


def run_mpich(cmd, xml):
    argv = launcher_part(cmd)
    env = dict(os.environ, **cmd.env, HYDRA_TOPO_DEBUG="1", HWLOC_XMLFILE=xml)
    proc = subprocess.run(argv + ["sleep", "0.2"], capture_output=True, text=True, timeout=60, env=env,
                          stdin=subprocess.DEVNULL)
    text = proc.stdout + proc.stderr
    bound = {int(m.group(1)): {i for i, c in enumerate(m.group(2)) if c == "1"}
             for m in re.finditer(r"process (\d+) binding: ([01]+)", text)}
    return proc.returncode, bound, argv + ["sleep", "0.2"], text


@unittest.skipUnless(SUMBENCH, "sumbench is not built")
@unittest.skipUnless(shutil.which("lstopo-no-graphics"), "lstopo-no-graphics not installed (apt-get install hwloc)")
class Mapping(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="sumbench-mapping-")
        cls.xml = {}
        for name, desc in MACHINES.items():
            cls.xml[name] = str(Path(cls._tmp.name) / f"{name}.xml")
            subprocess.run(["lstopo-no-graphics", "-i", desc, "--of", "xml", cls.xml[name]], check=True,
                           capture_output=True)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def run_all(self, run, chosen, name):
        """run(command, machine's XML) of every (point, command), four at a time (each
        mpirun mostly waits: about a second, most of it its ranks' `sleep 1`)."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda pc: run(pc[1], self.xml[name]), chosen))

    def check(self, name, unit, launcher, run):
        machine, commands = planned(self.xml[name], unit, launcher)
        self.assertGreater(len(commands), 64)
        chosen = sample(commands, machine, ALL)
        pus_per_socket = machine.pus_per_node // max(1, machine.sockets)
        checked = 0
        for (point, cmd), (rc, bound, probe, text) in zip(chosen, self.run_all(run, chosen, name)):
            with self.subTest(machine=name, unit=unit, command=" ".join(probe)):
                self.assertEqual(rc, 0, text[-3000:])
                binds = "none" not in launcher_part(cmd) and (launcher.kind == "openmpi" or
                                                              "-bind-to" in launcher_part(cmd))
                self.assertEqual(binds, not cmd.oversubscribed, "binds exactly the points that fit")
                if not binds:
                    continue
                self.assertEqual(sorted(bound), list(range(point.ranks)), text[-2000:])
                seen = set()
                # A core a worker, also under --cpus=hwthreads while the workers fit the cores;
                # beyond them, a hardware thread a worker.
                per_pu = 1 if unit == "hwthreads" and point.workers > machine.cores else machine.threads_per_core
                for rank, pus in bound.items():
                    self.assertEqual(len(pus), point.threads * per_pu, f"rank {rank}: {sorted(pus)}")
                    self.assertFalse(seen & pus, f"rank {rank} shares CPUs {sorted(seen & pus)}")
                    seen |= pus
                    if any(":socket:" in a for a in launcher_part(cmd)):
                        self.assertEqual(len({pu // pus_per_socket for pu in pus}), 1, f"rank {rank} straddles")
                self.assertLessEqual(max(seen), machine.pus_per_node - 1)
                checked += 1
        return len(chosen), checked

    def check_all(self, what, launcher, run):
        done = [self.check(name, unit, launcher, run) for name in ONLY for unit in ("cores", "hwthreads")]
        print(f"{what}: {sum(d[0] for d in done)} {launcher.program} commands run, {sum(d[1] for d in done)} "
              f"with their bindings checked")

    def same_cores(self, launcher, run):
        """--cpus=hwthreads on 2 x 16 x 2: mpi Wx1 and every hybrid RxT with R x T = W run
        on the same cores (W of them while W <= 32, W/2 beyond), except at the worker
        counts that the run's binding notes name (binding.mismatches), where they do not."""
        machine, commands = planned(self.xml["smt"], "hwthreads", launcher)
        warned = {int(line.split()[0]) for line in binding.mismatches([p for p, _ in commands], machine)}
        for w in (8, 12, 32, 48, 64):
            at_w = [(p, c) for p, c in commands if p.workers == w and not c.oversubscribed
                    and (p.mode == "mpi" or p.threads > 1)]
            at_w = list({tuple(launcher_part(c)): (p, c) for p, c in at_w}.values())
            self.assertGreaterEqual(len({p.threads for p, _ in at_w}), 2, (w, at_w))
            used = {}
            for (point, _), (rc, bound, _, text) in zip(at_w, self.run_all(run, at_w, "smt")):
                self.assertEqual(rc, 0, text[-2000:])
                used[point.layout] = sorted({pu // 2 for pus in bound.values() for pu in pus})
            with self.subTest(launcher=launcher.kind, workers=w, warned=w in warned, cores=used):
                self.assertEqual(len({tuple(c) for c in used.values()}) > 1, w in warned, used)
                for cores in used.values():
                    self.assertEqual(len(cores), w if w <= 32 else w // 2, used)
        return warned

    @unittest.skipUnless(shutil.which("mpirun"), "Open MPI's mpirun not installed")
    def test_same_cores_open_mpi(self):
        self.same_cores(Launcher("openmpi", "mpirun", mpi_kind="openmpi"), run_openmpi)

    @unittest.skipUnless(shutil.which("mpirun"), "Open MPI's mpirun not installed")
    def test_different_cores_are_named(self):
        """3x2 cannot share 2 sockets evenly: mpirun places it elsewhere than mpi 6x1 and
        2x3, and the run's binding note says so (the check above can fail)."""
        mpirun = Launcher("openmpi", "mpirun", mpi_kind="openmpi")
        machine, commands = planned(self.xml["smt"], "cores", mpirun, "6", "3x2,2x3")
        notes = binding.mismatches([p for p, _ in commands], machine)
        self.assertEqual(len(notes), 1, notes)
        self.assertTrue(notes[0].startswith("6 workers: 2x3, 6x1 spread") and "3x2 fill" in notes[0], notes)
        used = {}
        chosen = list({p.layout: (p, c) for p, c in commands}.values())
        for (point, _), (rc, bound, _, text) in zip(chosen, self.run_all(run_openmpi, chosen, "smt")):
            self.assertEqual(rc, 0, text[-2000:])
            used[point.layout] = sorted({pu // 2 for pus in bound.values() for pu in pus})
        self.assertEqual(used["6x1"], used["2x3"])
        self.assertEqual(used["3x2"], [0, 1, 2, 3, 4, 5])
        self.assertNotEqual(used["6x1"], used["3x2"])

    @unittest.skipUnless(shutil.which("mpiexec.mpich"), "MPICH's mpiexec.mpich not installed")
    def test_same_cores_mpich(self):
        self.same_cores(Launcher("mpich", "mpiexec.mpich", mpi_kind="mpich"), run_mpich)

    @unittest.skipUnless(shutil.which("mpirun"), "Open MPI's mpirun not installed")
    def test_open_mpi(self):
        self.check_all("Open MPI", Launcher("openmpi", "mpirun", mpi_kind="openmpi"), run_openmpi)

    @unittest.skipUnless(shutil.which("mpiexec.mpich"), "MPICH's mpiexec.mpich not installed")
    def test_mpich_hydra(self):
        self.check_all("MPICH", Launcher("mpich", "mpiexec.mpich", mpi_kind="mpich"), run_mpich)


if __name__ == "__main__":
    unittest.main()
