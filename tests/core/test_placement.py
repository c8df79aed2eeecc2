"""sumbench's topology (hwloc) end to end, on synthetic machines: the catalogue, the JSON
context and the oversubscription labels; and the world-size check against another MPI's
launcher (SUMBENCH_EXPECT_RANKS).

Run by CTest with SUMBENCH, MPIEXEC and MPIEXEC_KIND in the environment (see test_driver.py).
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from test_driver import MPIEXEC_KIND, SUMBENCH, entries, mpiexec, run, run_json

SMT = "pack:2 core:16 pu:2"            # 2 sockets x 16 cores x 2 hardware threads
NUMA = "pack:2 [numa] core:16 pu:2"    # the same with one NUMA node per socket
PLAIN = "pack:1 core:2 pu:1"
SLEEP = ["--kernels=sleep", "--sleep-ms=1", "--benchmark_repetitions=1", "--benchmark_min_time=0"]


def synthetic(desc, **more):
    return {"HWLOC_SYNTHETIC": desc, **more}


def catalogue(env):
    proc = run(["--list=json"], env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def labels(doc):
    """(mode, ranks, threads) -> oversubscribed (0/1)."""
    return {(b["name"].split("/")[1], b["ranks"], b["threads"]): b["oversubscribed"] for b in entries(doc)}


class TopologyCatalogue(unittest.TestCase):
    def test_synthetic_machines(self):
        for desc, want in ((SMT, (2, 1, 32, 64)), (NUMA, (2, 2, 32, 64)), (PLAIN, (1, 1, 2, 2))):
            with self.subTest(desc=desc):
                t = catalogue(synthetic(desc))["topology"]
                self.assertEqual((t["packages"], t["numa_nodes"], t["cores"], t["pus"]), want)
                self.assertFalse(t["this_system"])
                self.assertEqual((t["allowed_cores"], t["allowed_pus"]), want[2:])  # another machine: all of it
                self.assertIn("synthetic", t["source"])

    def test_xml_file_and_this_machine(self):
        lstopo = shutil.which("lstopo-no-graphics")
        if not lstopo:
            self.skipTest("lstopo-no-graphics not installed (apt-get install hwloc)")
        with tempfile.TemporaryDirectory() as tmp:
            xml = os.path.join(tmp, "numa.xml")
            subprocess.run([lstopo, "-i", NUMA, "--of", "xml", xml], check=True, capture_output=True)
            t = catalogue({"HWLOC_XMLFILE": xml})["topology"]
            self.assertEqual((t["numa_nodes"], t["cores"], t["pus"]), (2, 32, 64))
            self.assertEqual(t["source"], "xml: " + xml)
        real = catalogue({})
        self.assertTrue(real["topology"]["this_system"])
        self.assertEqual(real["topology"]["allowed_pus"], len(os.sched_getaffinity(0)))
        self.assertEqual(real["mpi"]["kind"], MPIEXEC_KIND)

    def test_default_workers_count_cores(self):
        self.assertEqual(catalogue(synthetic(SMT))["context"]["workers"], [32])
        self.assertEqual(run(["--list=json", "--cpus=hwthreads"], env=synthetic(SMT)).returncode, 0)
        doc = json.loads(run(["--list=json", "--cpus=hwthreads"], env=synthetic(SMT)).stdout)
        self.assertEqual(doc["context"]["workers"], [64])
        bad = run(["--list=json", "--cpus=threads"])
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--cpus=threads is not allowed; use cores or hwthreads", bad.stderr)


class TopologyLabels(unittest.TestCase):
    def test_threads_on_an_smt_node(self):
        args = SLEEP + ["--modes=omp", "--workers=32,33,64", "--n=64"]
        cores, _ = run_json(self, args, env=synthetic(SMT))
        self.assertEqual(labels(cores), {("omp", 1, 32): 0, ("omp", 1, 33): 1, ("omp", 1, 64): 1})
        ctx = cores["context"]
        self.assertEqual(ctx["cpus"], "cores")
        self.assertEqual((ctx["topology_packages"], ctx["topology_numa_nodes"], ctx["topology_cores"],
                          ctx["topology_pus"]), ("2", "1", "32", "64"))
        self.assertEqual(ctx["topology_source"], "synthetic: " + SMT)
        self.assertEqual(ctx["rank_cores"].split(":", 1)[1], "0-31")
        self.assertIn("64 threads on the 32 core(s)", ctx["placement_warnings"])
        hw, _ = run_json(self, args + ["--cpus=hwthreads"], env=synthetic(SMT))
        self.assertEqual(labels(hw), {("omp", 1, 32): 0, ("omp", 1, 33): 0, ("omp", 1, 64): 0})
        self.assertEqual(hw["context"]["cpus"], "hwthreads")

    def test_bound_ranks_on_an_smt_node(self):
        """Each rank bound to one core (two hardware threads), as mpirun -n 2 does."""
        env = synthetic(SMT, SUMBENCH_TEST_CPUSETS="0-1;2-3")
        args = SLEEP + ["--modes=mpi,hybrid", "--workers=2,4", "--hybrid=2x1,2x2", "--n=8"]
        doc, proc = run_json(self, args, ranks=2, env=env)
        self.assertEqual(labels(doc), {("mpi", 2, 1): 0, ("hybrid", 2, 1): 0, ("hybrid", 2, 2): 1})
        self.assertEqual(doc["context"]["rank_cores"], "0@{0}:0;1@{0}:1".format(doc["context"]["hosts"]))
        self.assertIn("test_cpusets", doc["context"])
        self.assertIn("SUMBENCH_TEST_CPUSETS", proc.stderr)
        hw, _ = run_json(self, args + ["--cpus=hwthreads"], ranks=2, env=env)
        self.assertEqual(labels(hw)[("hybrid", 2, 2)], 0)

    def test_plain_and_numa_nodes(self):
        args = SLEEP + ["--modes=omp", "--workers=2,3", "--n=6"]
        plain, _ = run_json(self, args, env=synthetic(PLAIN))
        self.assertEqual(labels(plain), {("omp", 1, 2): 0, ("omp", 1, 3): 1})
        hw, _ = run_json(self, args + ["--cpus=hwthreads"], env=synthetic(PLAIN))
        self.assertEqual(labels(hw), {("omp", 1, 2): 0, ("omp", 1, 3): 1})  # no SMT: the same
        numa, _ = run_json(self, SLEEP + ["--modes=omp", "--workers=32", "--n=32"], env=synthetic(NUMA))
        self.assertEqual(numa["context"]["topology_numa_nodes"], "2")
        self.assertEqual(labels(numa), {("omp", 1, 32): 0})

    def test_bad_hook_is_one_line(self):
        proc = run(SLEEP + ["--modes=serial"], env={"SUMBENCH_TEST_CPUSETS": "0-x"})
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("SUMBENCH_TEST_CPUSETS='0-x'", proc.stderr)


class ExpectRanks(unittest.TestCase):
    def test_world_size_checked(self):
        self.assertEqual(run(["--launch-only"], env={"SUMBENCH_EXPECT_RANKS": "1"}).returncode, 0)
        for value, needle in (("3", "has 1 rank(s) but the launcher was asked for 3"), ("x", "not a rank count"),
                              ("0", "not a rank count")):
            with self.subTest(value=value):
                proc = run(["--launch-only"], env={"SUMBENCH_EXPECT_RANKS": value})
                self.assertEqual(proc.returncode, 2, proc.stderr)
                lines = [l for l in proc.stderr.splitlines() if l.startswith("sumbench: error")]
                self.assertEqual(len(lines), 1, proc.stderr)
                self.assertIn(needle, lines[0])
        ok = run(["--launch-only"], ranks=2, env={"SUMBENCH_EXPECT_RANKS": "2"})
        self.assertEqual(ok.returncode, 0, ok.stderr)

    def test_another_mpis_launcher_is_caught(self):
        """An Open MPI sumbench under Hydra (or an MPICH one under Open MPI's mpirun) runs as
        N worlds of one, each exiting 0; with SUMBENCH_EXPECT_RANKS each stops with exit 2."""
        other = {"openmpi": ["mpiexec.mpich", "-n", "2"],
                 "mpich": ["mpirun.openmpi", "--bind-to", "none", "-n", "2"]}[MPIEXEC_KIND]
        if not shutil.which(other[0]):
            self.skipTest(f"{other[0]} not installed")
        cmd = other + [SUMBENCH, "--launch-only"]
        alone = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertEqual(alone.returncode, 0, "without the check the mismatch goes unnoticed")
        self.assertEqual(alone.stdout.count("1 rank(s)"), 2, alone.stdout)
        env = dict(os.environ, SUMBENCH_EXPECT_RANKS="2")
        caught = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        self.assertNotEqual(caught.returncode, 0)
        self.assertIn("has 1 rank(s) but the launcher was asked for 2 (SUMBENCH_EXPECT_RANKS)", caught.stderr)


if __name__ == "__main__":
    unittest.main()
