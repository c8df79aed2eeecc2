"""Multi-node outside Slurm: the commands the runner plans for a two-host hostfile, run by
the real mpirun (Open MPI) and mpiexec.mpich (Hydra).

Each host is a UTS namespace of this machine named after it: the launchers start their
remote daemons through their own remote-start path (Open MPI's plm_rsh_agent, Hydra's
-launcher ssh -launcher-exec), with a stand-in for ssh that runs the daemon under
`unshare --uts` with the host's name. The daemons then place and bind the ranks as on two
nodes of 2 cores each (this machine's). Each rank prints its host and its CPUs. Checked:
R/N ranks on each host (both hosts used), T CPUs of its own for each rank, none shared on
a host, and unbound ranks exactly where the runner planned oversubscription.
Needs root (unshare) and the launchers; skipped otherwise.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from sumbench.runner.hosts import read
from sumbench.runner.allocation import cpu_ids
from sumbench.runner.launch import detect_machine, point_command
from sumbench.runner.launchers import Launcher
from sumbench.runner.plan import Point
from sumbench.topology import Topology

RSH = """#!/bin/bash
# ssh's stand-in: run the command "on" the host, a UTS namespace named after it
while [[ "$1" == -* ]]; do shift; done
host=$1; shift
exec unshare --uts sh -c 'hostname "$0"; eval "$*"' "$host" "$@"
"""
PROBE = ["sh", "-c", 'echo "RANK ${OMPI_COMM_WORLD_RANK:-$PMI_RANK} $(hostname) '
                     '$(awk \'/Cpus_allowed_list/ {print $2}\' /proc/self/status)"']
LAYOUTS = [("mpi", 4, 1), ("mpi", 2, 1), ("hybrid", 2, 2), ("hybrid", 4, 1), ("mpi", 8, 1)]
CFG = {"sumbench": "/x/sumbench", "repetitions": 1, "quick": True, "extra_args": [], "cpus": "cores"}


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare"), "needs root and unshare")
class TwoHosts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="sumbench-hosts-"))
        cls.rsh = cls.tmp / "rsh"
        cls.rsh.write_text(RSH)
        cls.rsh.chmod(0o755)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check(self, launcher, agent, hostfile_text):
        path = self.tmp / f"hosts-{launcher.kind}"
        path.write_text(hostfile_text)
        machine = detect_machine(Topology(1, 1, 2, 2, 2, 2, "test"), env={}, euid=0,
                                 launcher=launcher, hostfile=read(str(path)))
        self.assertEqual((machine.nodes, machine.cores), (2, 4))
        for mode, r, t in LAYOUTS:
            point = Point("sum", mode, r, t, "strong", multi_process=True,
                          layout_flag="--hybrid" if mode == "hybrid" else None)
            cmd = point_command(point, CFG, machine, "/x/raw.json")
            argv = cmd.argv[:cmd.argv.index("/x/sumbench")]
            argv = argv[:1] + agent + argv[1:] + PROBE
            with self.subTest(launcher=launcher.kind, command=" ".join(cmd.argv[:12])):
                proc = subprocess.run(argv, env=dict(os.environ, **cmd.env), capture_output=True,
                                      text=True, timeout=120, stdin=subprocess.DEVNULL)
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr[-2000:])
                ranks = re.findall(r"^RANK (\d+) (\S+) (\S+)$", proc.stdout, re.M)
                self.assertEqual(sorted(int(x) for x, _, _ in ranks), list(range(r)), proc.stdout)
                by_host = {}
                for _, host, allowed in ranks:
                    by_host.setdefault(host, []).append(set(cpu_ids(allowed)))
                self.assertEqual(sorted(by_host), ["nodeA", "nodeB"], proc.stdout)
                self.assertEqual([len(v) for v in by_host.values()], [r // 2, r // 2])
                if cmd.oversubscribed:   # 8 ranks on 4 cores: not bound
                    self.assertTrue(all(len(c) == 2 for v in by_host.values() for c in v))
                    continue
                for host, masks in by_host.items():
                    seen = set()
                    for mask in masks:
                        self.assertEqual(len(mask), t, (host, masks))
                        self.assertFalse(seen & mask, (host, masks))
                        seen |= mask

    @unittest.skipUnless(shutil.which("mpirun"), "Open MPI's mpirun not installed")
    def test_open_mpi_hostfile(self):
        self.check(Launcher("openmpi", "mpirun", mpi_kind="openmpi"),
                   ["--mca", "plm_rsh_agent", str(self.rsh)], "nodeA slots=2\nnodeB slots=2\n")

    @unittest.skipUnless(shutil.which("mpiexec.mpich"), "MPICH's mpiexec.mpich not installed")
    def test_hydra_hosts(self):
        self.check(Launcher("mpich", "mpiexec.mpich", mpi_kind="mpich"),
                   ["-launcher", "ssh", "-launcher-exec", str(self.rsh)], "# MPICH's form\nnodeA:2\nnodeB:2\n")

    def test_bad_hostfile(self):
        from sumbench.errors import UsageError
        for text, why in (("", "names no host"), ("a slots=x\n", "is not"), ("a\na\n", "twice")):
            path = self.tmp / "bad"
            path.write_text(text)
            with self.assertRaisesRegex(UsageError, why):
                read(str(path))


if __name__ == "__main__":
    unittest.main()
