"""The launchers' own rules on synthetic machines (no process is started but `--version`),
their choice (auto, a known mismatch refused), the runner's topology fallbacks, and small
real sweeps with the launcher of the MPI sumbench is built with.
"""

import json
import os
import shutil
import subprocess
import textwrap
import unittest
from unittest import mock

from support import TempDirMixin, clean_env, read_json, real_sumbench, run_sweep, sweep_cmd
from sumbench import topology
from sumbench.errors import UsageError
from sumbench.runner import launchers
from sumbench.runner.launch import Machine
from sumbench.runner.launchers import Launcher, prefix

SMT = dict(cores_per_node=32, pus_per_node=64, sockets=2)
OMPI = Launcher("openmpi", "mpirun", mpi_kind="openmpi")
HYDRA = Launcher("mpich", "mpiexec.mpich", mpi_kind="mpich")
SRUN = Launcher("srun", "srun", "pmi2", mpi_kind="mpich")
CATALOGUE_MPI = json.loads(subprocess.run([real_sumbench(), "--list=json"], capture_output=True,
                                          text=True).stdout)["mpi"] if real_sumbench() else {}


def plan(launcher, r, t, **machine):
    return prefix(launcher, r, t, Machine(**{**SMT, **machine}))


class OpenMpiRules(unittest.TestCase):
    def test_cores_mode_on_smt(self):
        p = plan(OMPI, 32, 1)  # 16 a socket, as 2x16 (ppr:1:socket:PE=16): the same cores
        self.assertEqual(p.argv[:7], ["mpirun", "-n", "32", "--map-by", "ppr:16:socket:PE=1",
                                      "--bind-to", "core"])
        self.assertEqual(plan(OMPI, 3, 1).argv[3:5], ["--bind-to", "core"])  # 3: cores 0-2
        self.assertFalse(p.oversubscribed or p.oversubscribe_flag)
        p = plan(OMPI, 4, 8)  # 2 ranks per socket, 8 cores each: no rank straddles
        self.assertIn("ppr:2:socket:PE=8", p.argv)
        p = plan(OMPI, 3, 10)  # not a multiple of the sockets
        self.assertIn("slot:PE=10", p.argv)
        for r, t in ((2, 32), (8, 8), (16, 4), (32, 2), (64, 1), (48, 1)):  # issue 12's refusals
            with self.subTest(layout=f"{r}x{t}"):
                p = plan(OMPI, r, t)
                self.assertTrue(p.oversubscribed)
                self.assertIn("none", p.argv)
                self.assertEqual("--oversubscribe" in p.argv, r > 32)
                self.assertEqual(p.env["OMP_PROC_BIND"], "false")

    def test_hwthread_mode(self):
        p = plan(OMPI, 64, 1, cpus="hwthreads")  # beyond the cores: packed, as 32x2's PE=2
        self.assertEqual(p.argv[3:8], ["--use-hwthread-cpus", "--map-by", "hwthread", "--bind-to", "hwthread"])
        p = plan(OMPI, 4, 2, cpus="hwthreads")   # within them: a core a worker, as mpi 8x1
        self.assertEqual(p.argv[3:7], ["--map-by", "ppr:2:socket:PE=2", "--bind-to", "core"])
        self.assertEqual(p.env["OMP_PLACES"], "cores")
        self.assertFalse(p.oversubscribed)
        self.assertNotIn("--oversubscribe", p.argv)
        p = plan(OMPI, 2, 32, cpus="hwthreads")
        self.assertIn("slot:PE=32", p.argv)
        self.assertEqual(p.env["OMP_PLACES"], "threads")
        self.assertTrue(any("share cores" in w for w in p.warnings))
        p = plan(OMPI, 65, 1, cpus="hwthreads")
        self.assertTrue(p.oversubscribed and p.oversubscribe_flag)

    def test_environment_forwarded_with_x(self):
        p = plan(OMPI, 2, 2, is_root=True)
        forwarded = [p.argv[i + 1] for i, a in enumerate(p.argv) if a == "-x"]
        self.assertEqual(sorted(forwarded), sorted(k for k in p.env if not k.startswith("OMPI_")))
        self.assertEqual(p.env["SUMBENCH_EXPECT_RANKS"], "2")
        self.assertEqual(p.env["OMPI_ALLOW_RUN_AS_ROOT"], "1")

    def test_slots_in_slurm_are_tasks(self):
        self.assertIn("--oversubscribe", plan(OMPI, 4, 1, tasks=2).argv)
        self.assertNotIn("--oversubscribe", plan(OMPI, 2, 1, tasks=2).argv)


class HydraRules(unittest.TestCase):
    def test_binding_and_environment(self):
        p = plan(HYDRA, 8, 4)
        self.assertEqual(p.argv[:3], ["mpiexec.mpich", "-bind-to", "core:4"])
        self.assertEqual(p.argv[-2:], ["-n", "8"])
        self.assertIn("SUMBENCH_EXPECT_RANKS", p.argv[p.argv.index("-genvlist") + 1].split(","))
        self.assertNotIn("-x", p.argv)
        self.assertNotIn("--oversubscribe", p.argv)
        self.assertNotIn("OMPI_ALLOW_RUN_AS_ROOT", plan(HYDRA, 2, 1, is_root=True).env)
        self.assertEqual(plan(HYDRA, 32, 1).argv[1:3], ["-bind-to", "core"])
        self.assertEqual(plan(HYDRA, 48, 1, cpus="hwthreads").argv[1:3], ["-bind-to", "hwthread"])
        self.assertEqual(plan(HYDRA, 4, 2, cpus="hwthreads").argv[1:3], ["-bind-to", "core:2"])
        self.assertEqual(plan(HYDRA, 16, 4, cpus="hwthreads").argv[1:3], ["-bind-to", "hwthread:4"])

    def test_never_refused_so_judged_here(self):
        for r, t in ((33, 1), (8, 8), (2, 32), (65, 1)):
            p = plan(HYDRA, r, t)
            self.assertTrue(p.oversubscribed, f"{r}x{t}")
            self.assertFalse(p.oversubscribe_flag)
            self.assertFalse(any(a.startswith("-bind-to") for a in p.argv), "Hydra would wrap around and overlap")


class SrunRules(unittest.TestCase):
    def test_mpi_type_and_binding(self):
        p = plan(SRUN, 4, 8, slurm_job_id="7")
        self.assertEqual(p.argv[:5], ["srun", "--mpi=pmi2", "-n", "4", "--cpus-per-task=8"])
        self.assertIn("--threads-per-core=1", p.argv)  # SMT: one thread per core
        self.assertIn("--cpu-bind=threads", plan(SRUN, 8, 8, cpus="hwthreads").argv)   # beyond the cores
        self.assertIn("--cpu-bind=cores", plan(SRUN, 4, 8, cpus="hwthreads").argv)    # within: cores
        self.assertNotIn("--threads-per-core=1", plan(SRUN, 2, 1, pus_per_node=32).argv)
        self.assertEqual(plan(Launcher("srun", "srun"), 2, 1).argv[:3], ["srun", "-n", "2"])
        over = plan(SRUN, 64, 1)
        self.assertIn("--overcommit", over.argv)


class Choice(unittest.TestCase):
    def test_auto_follows_sumbench_and_slurm(self):
        ompi = {"library": "Open MPI v4.1.4", "kind": "openmpi"}
        mpich = {"library": "MPICH Version: 4.0.2", "kind": "mpich"}
        found = launchers.resolve("auto", ompi, False, strict=False)
        self.assertEqual(found.kind, "openmpi")
        found = launchers.resolve("auto", mpich, False, strict=False)
        self.assertEqual(found.kind, "mpich")
        if shutil.which("mpiexec.mpich"):
            self.assertEqual(launchers.program_kind(shutil.which(found.program))[0], "mpich")
        if shutil.which("srun"):
            found = launchers.resolve("auto", mpich, True, env={"SLURM_MPI_TYPE": "pmix"})
            self.assertEqual((found.kind, found.srun_mpi), ("srun", "pmix"))
            self.assertTrue(any("--srun-mpi=pmi2" in n for n in found.notes), found.notes)
            found = launchers.resolve("srun", mpich, True, srun_mpi="pmi2", env={})
            self.assertEqual(found.srun_mpi, "pmi2")

    def test_srun_mpi_type(self):
        """The site's default, except pmi2 for MPICH where the site's is PMIx; the user's wins."""
        site = lambda kind: (lambda env: (kind, "the site's MpiDefault"))
        with mock.patch.object(launchers, "site_mpi_default", site("pmix")):
            self.assertEqual(launchers.srun_mpi_type("openmpi", env={})[0], "pmix")
            mpi_type, notes = launchers.srun_mpi_type("mpich", env={})
            self.assertEqual(mpi_type, "pmi2")
            self.assertIn("the site's default is pmix", notes[0])
            mpi_type, notes = launchers.srun_mpi_type("mpich", "pmix", env={})  # told: obeyed, warned
            self.assertEqual(mpi_type, "pmix")
            self.assertTrue(any("--srun-mpi=pmi2" in n for n in notes), notes)
            self.assertEqual(launchers.srun_mpi_type("", env={})[0], "pmix")
        with mock.patch.object(launchers, "site_mpi_default", site("pmi2")):
            mpi_type, notes = launchers.srun_mpi_type("openmpi", env={})  # a site's Open MPI may speak PMI-2
            self.assertEqual(mpi_type, "pmi2")
            self.assertTrue(any(n.startswith("warning:") for n in notes), notes)
            self.assertEqual(launchers.srun_mpi_type("mpich", env={})[0], "pmi2")
        with mock.patch.object(launchers, "site_mpi_default", site("")):
            self.assertEqual(launchers.srun_mpi_type("mpich", env={})[0], "")  # nothing known: srun's own

    def test_known_mismatch_refused(self):
        ompi = {"library": "Open MPI v4.1.4", "kind": "openmpi"}
        with self.assertRaises(UsageError) as cm:
            launchers.resolve("mpich", ompi, False, strict=False)
        self.assertIn("--launcher=mpich cannot start this sumbench", str(cm.exception))
        self.assertIn("--launcher=openmpi", str(cm.exception))
        if shutil.which("mpiexec.mpich"):
            with self.assertRaises(UsageError) as cm:
                launchers.resolve("openmpi", ompi, False, mpirun="mpiexec.mpich")
            self.assertIn("is MPICH", str(cm.exception))

    def test_mismatch_reason(self):
        line = ("sumbench: error: MPI_COMM_WORLD has 1 rank(s) but the launcher was asked for 2 "
                "(SUMBENCH_EXPECT_RANKS): it does not ...")
        why = launchers.mismatch_reason("noise\n" + line, SRUN)
        self.assertTrue(why.startswith(launchers.MISMATCH))
        self.assertIn("--srun-mpi=pmi2", why)
        self.assertIsNone(launchers.mismatch_reason("sumbench: error: --n=0", OMPI))


class TopologyFallbacks(TempDirMixin, unittest.TestCase):
    def test_catalogue_then_lstopo_then_sys(self):
        doc = {"topology": {"packages": 2, "numa_nodes": 2, "cores": 32, "pus": 64, "allowed_cores": 4,
                            "allowed_pus": 8, "source": "this system", "this_system": True}}
        t = topology.detect(doc)
        self.assertEqual((t.allowed("cores"), t.allowed("hwthreads"), t.threads_per_core), (4, 8, 2))
        self.assertEqual(t.note, "")
        old = topology.detect({})  # a sumbench before hwloc
        self.assertIn("no topology from sumbench's catalogue" if shutil.which("lstopo-no-graphics")
                      else "/sys", old.note)
        cpu = self.tmp / "cpu"
        for i, (pkg, core) in enumerate([(0, 0), (0, 0), (0, 1), (0, 1)]):
            (cpu / f"cpu{i}" / "topology").mkdir(parents=True)
            (cpu / f"cpu{i}" / "topology" / "physical_package_id").write_text(f"{pkg}\n")
            (cpu / f"cpu{i}" / "topology" / "core_id").write_text(f"{core}\n")
        t = topology.from_sys({0, 1, 2, 3}, self.tmp)
        self.assertEqual((t.cores, t.pus, t.allowed_cores), (2, 4, 2))

    def test_lstopo_xml(self):
        lstopo = shutil.which("lstopo-no-graphics")
        if not lstopo:
            self.skipTest("lstopo-no-graphics not installed")
        xml = subprocess.run([lstopo, "-i", "pack:2 [numa] core:16 pu:2", "--of", "xml"],
                             capture_output=True, text=True, check=True).stdout
        t = topology.from_lstopo_xml(xml, {0, 1, 2, 3, 62}, "test")
        self.assertEqual((t.packages, t.numa_nodes, t.cores, t.pus, t.allowed_cores, t.allowed_pus),
                         (2, 2, 32, 64, 3, 5))


FAKE_LAUNCHER = textwrap.dedent("""\
    #!/bin/sh
    # Says it is the launcher of sumbench's MPI, but starts each rank alone: what another
    # MPI's launcher does (N worlds of one, each exiting 0 without the check).
    if [ "$1" = --version ]; then printf '%b\\n' "$FAKE_VERSION"; exit 0; fi
    n=1
    while [ $# -gt 0 ] && [ "$1" != "$FAKE_TARGET" ]; do [ "$1" = -n ] && n=$2; shift; done
    i=0; rc=0; while [ $i -lt $n ]; do "$@" || rc=$?; i=$((i + 1)); done; exit $rc
    """)
VERSIONS = {"openmpi": "mpirun (Open MPI) 4.1.4", "mpich": "HYDRA build details:\\n    Version: 4.0.2"}


@unittest.skipUnless(real_sumbench(), "sumbench is not built")
class RealSweeps(TempDirMixin, unittest.TestCase):
    """A small sweep with the launcher of the MPI sumbench is built with (Open MPI's mpirun
    in build/, MPICH's mpiexec in build-mpich/), from a relative --sumbench."""

    def test_sweep_with_its_own_launcher(self):
        binary = os.path.relpath(real_sumbench(), self.tmp)
        env = clean_env()
        proc = subprocess.run(sweep_cmd("--sumbench", binary, "--kernels=sum", "--modes=mpi,hybrid", "--workers=2",
                                        "--repetitions=1", "--quick", "--timeout=120", "--out", "out"),
                              cwd=self.tmp, env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        manifest = read_json(self.tmp / "out" / "manifest.json")
        self.assertEqual(manifest["machine"]["launcher"]["kind"], CATALOGUE_MPI["kind"])
        self.assertEqual(manifest["machine"]["cpus"], "cores")
        self.assertIn("cores", manifest["machine"]["topology"])
        for point in (self.tmp / "out" / "points").iterdir():
            status = read_json(point / "status.json")
            self.assertEqual(status["launcher"], CATALOGUE_MPI["kind"])
            self.assertEqual(status["env"]["SUMBENCH_EXPECT_RANKS"], str(status["point"]["ranks"]))
            self.assertTrue(read_json(point / "command.json")["argv"][0].startswith(
                "mpirun" if CATALOGUE_MPI["kind"] == "openmpi" else "mpiexec"))
        rows = (self.tmp / "out" / "results.csv").read_text().splitlines()
        self.assertIn("cpus,node_packages,node_numa,node_cores,node_pus", rows[0])

    def test_a_launcher_that_starts_singletons_stops_the_sweep(self):
        kind = CATALOGUE_MPI.get("kind")
        if kind not in VERSIONS:
            self.skipTest("sumbench's MPI is neither Open MPI nor MPICH")
        fake = self.tmp / "mpirun"
        fake.write_text(FAKE_LAUNCHER)
        fake.chmod(0o755)
        env = clean_env(FAKE_TARGET=real_sumbench(), FAKE_VERSION=VERSIONS[kind])
        proc = run_sweep("--sumbench", real_sumbench(), "--mpirun", str(fake), f"--launcher={kind}",
                         "--kernels=sum", "--modes=mpi", "--workers=2", "--repetitions=1", "--quick",
                         "--out", self.tmp / "out", env=env)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        lines = [l for l in proc.stderr.splitlines() if "error" in l]
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertIn("launcher/MPI mismatch: MPI_COMM_WORLD has 1 rank(s) but the launcher was asked for 2", lines[0])
        [point] = list((self.tmp / "out" / "points").iterdir())
        self.assertEqual(read_json(point / "status.json")["status"], "failed")

    def test_the_other_mpis_launcher_is_refused_before_anything_runs(self):
        other = {"openmpi": "mpich", "mpich": "openmpi"}.get(CATALOGUE_MPI.get("kind"))
        if other is None:
            self.skipTest("sumbench's MPI is neither Open MPI nor MPICH")
        proc = run_sweep("--sumbench", real_sumbench(), f"--launcher={other}", "--kernels=sum", "--modes=mpi",
                         "--workers=2", "--quick", "--out", self.tmp / "out")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn(f"--launcher={other} cannot start this sumbench", proc.stderr)
        self.assertFalse((self.tmp / "out").exists(), "nothing is created")


if __name__ == "__main__":
    unittest.main()
