"""Unit tests: config validation, point enumeration, launcher choice, tidy rows."""

import csv
import json
import unittest

from support import TempDirMixin, real_sumbench
from sumbench import schema, tidy_table
from sumbench.catalogue import Catalogue
from sumbench.errors import UsageError
from sumbench.machine import default_workers
from sumbench.runner import config
from sumbench.runner.execute import coefficient_of_variation
from sumbench.runner.launch import Machine, detect_machine, launch_only_command, point_command
from sumbench.runner.launchers import Launcher
from sumbench.topology import Topology
from sumbench.runner.plan import Point, enumerate_points, layout_flag, shuffled

CATALOGUE = Catalogue.from_sumbench(real_sumbench())


def planned(argv, cores=2):
    """(cfg, catalogue, workers) as sweep.py prepares them, for a sumbench at /x/sumbench."""
    cfg = config.resolve(["--sumbench", "/x/sumbench", *argv])[0]
    workers = cfg["workers"] or default_workers(cores)
    cat = Catalogue.from_sumbench(real_sumbench(), config.catalogue_args(cfg, workers))
    return config.validate(cfg, cat), cat, workers


def cfg_for(argv):
    return planned(argv)[0]


def point(mode, r, t, scaling="strong"):
    return Point("sum", mode, r, t, scaling, multi_process=CATALOGUE.multi_process(mode),
                 layout_flag=layout_flag(CATALOGUE, mode))


class ConfigTests(TempDirMixin, unittest.TestCase):
    def test_defaults(self):
        cfg = cfg_for([])
        self.assertEqual(cfg["kernels"], ["sum", "sleep", "triad", "combine"])
        self.assertEqual(cfg["cv_threshold"], 0.05)
        self.assertEqual(cfg["max_reruns"], 2)
        self.assertEqual(cfg["scaling"], "strong")

    def test_default_workers(self):
        self.assertEqual(default_workers(2), [1, 2, 4])
        self.assertEqual(default_workers(6), [1, 2, 4, 6, 8])
        self.assertEqual(default_workers(1), [1, 2])

    def test_bad_values_name_value_and_allowed(self):
        cases = {
            ("--kernels", "sum,nope"): ("'nope'", "sum,sleep,triad"),
            ("--modes", "cuda"): ("'cuda'", "serial,omp,mpi,hybrid,gil"),
            ("--workers", "1,0"): ("1,0", "out of range"),
            ("--workers", "two"): ("'two'", "whole number"),
            ("--workers", "2000000"): ("2000000", "1048576"),
            ("--n", "99999999999999999999999"): ("99999999999999999999999", "too large"),
            ("--extra-args", "--bogus"): ("--bogus", "unknown argument"),
            ("--switch-interval", "0.1us"): ("'0.1us'", "1us"),
            ("--modes", "omp,,gil"): ("omp,,gil", "empty item"),
            ("--hybrid", "2x"): ("'2x'", "RxT"),
            ("--hybrid", "0x2"): ("'0x2'", "RxT"),
            ("--timeout", "0"): ("0", "> 0"),
            ("--repetitions", "0"): ("0", ">= 1"),
            ("--scaling", "sideways"): ("'sideways'", "strong,weak,both"),
            ("--gil-policy", "random"): ("'random'", "cpython,legacy,fifo,none"),
            ("--switch-interval", "5000s"): ("'5000s'", "500us"),
            ("--extra-args", "--workers=3"): ("--workers", "runner sets it"),
        }
        for (flag, value), needles in cases.items():
            with self.subTest(flag=flag, value=value):
                with self.assertRaises(UsageError) as cm:
                    cfg_for([f"{flag}={value}"])
                for needle in needles:
                    self.assertIn(needle, str(cm.exception))

    def test_config_file_then_cli_override(self):
        path = self.tmp / "c.json"
        path.write_text(json.dumps({"kernels": ["sleep"], "workers": [1, 3], "repetitions": 2}))
        cfg = cfg_for(["--config", str(path), "--workers", "2"])
        self.assertEqual(cfg["kernels"], ["sleep"])
        self.assertEqual(cfg["workers"], [2])
        self.assertEqual(cfg["repetitions"], 2)


    def test_mode_parameters_in_a_config_file(self):
        path = self.tmp / "c.json"
        path.write_text(json.dumps({"check_interval": ["50"], "gil_policy": ["legacy"]}))
        cfg = cfg_for(["--config", str(path), "--modes=gil", "--check-interval=70"])
        self.assertEqual(cfg["params"], {"check_interval": ["70"], "gil_policy": ["legacy"]})
        self.assertEqual(config.as_file({"modes": ["gil"], "params": cfg["params"]}),
                         {"modes": ["gil"], "check_interval": ["70"], "gil_policy": ["legacy"]})
        path.write_text(json.dumps({"gil_policy": "legacy"}))
        with self.assertRaises(UsageError) as cm:
            cfg_for(["--config", str(path)])
        self.assertIn("'gil_policy' must be list[str]", str(cm.exception))


class PointTests(unittest.TestCase):
    def test_enumeration(self):
        points, notes = enumerate_points(*planned(["--kernels=sum,convoy", "--modes=serial,omp,mpi,hybrid,gil",
                                                   "--workers=1,2", "--scaling=both", "--hybrid=2x1,1x2",
                                                   "--switch-interval=1ms,0.005"]))
        ids = {p.point_id for p in points}
        # serial: 1 layout; omp: 2; mpi: 2; hybrid: 2; gil: 2 workers x 2 intervals;
        # all x 2 scalings; convoy has no mpi/hybrid points.
        self.assertEqual(len(points), 2 * ((1 + 2 + 2 + 2 + 4) + (1 + 2 + 4)))
        self.assertIn("sum-hybrid-r2t1-weak", ids)
        self.assertIn("convoy-gil-r1t2-strong-cpython-1ms", ids)
        self.assertNotIn("convoy-mpi-r1t1-strong", ids)
        self.assertTrue(any("convoy" in n for n in notes))
        self.assertEqual(len(ids), len(points))

    def test_one_point_per_instance_of_the_catalogue(self):
        """The gil mode's points are sumbench's instances (modes[].instances): cpython per
        switch interval, legacy per check interval and never per switch interval, each
        with its own flags, so no two parameter values share a point."""
        cfg, cat, workers = planned(["--kernels=sum", "--modes=gil", "--workers=2",
                                     "--gil-policy=cpython,legacy", "--switch-interval=1ms,0.005s",
                                     "--check-interval=100,1000"])
        points, _ = enumerate_points(cfg, cat, workers)
        self.assertEqual(sorted((p.point_id, p.params) for p in points), [
            ("sum-gil-r1t2-strong-cpython-1ms", (("--gil-policy", "cpython"), ("--switch-interval", "1ms"))),
            ("sum-gil-r1t2-strong-cpython-5ms", (("--gil-policy", "cpython"), ("--switch-interval", "5ms"))),
            ("sum-gil-r1t2-strong-legacy-100", (("--gil-policy", "legacy"), ("--check-interval", "100"))),
            ("sum-gil-r1t2-strong-legacy-1000", (("--gil-policy", "legacy"), ("--check-interval", "1000")))])
        self.assertEqual(points[0].as_dict()["params"], {"gil_policy": "cpython", "switch_interval": "1ms"})
        cmd = point_command(next(p for p in points if p.point_id.endswith("legacy-1000")), dict(cfg, extra_args=[]),
                            Machine(cores_per_node=2), "raw.json")
        self.assertIn("--check-interval=1000", cmd.argv)
        self.assertFalse(any(a.startswith("--switch-interval") for a in cmd.argv), cmd.argv)

    def test_a_parameter_in_extra_args_runs_all_its_values_in_each_point(self):
        cfg, cat, workers = planned(["--kernels=sum", "--modes=gil", "--workers=2", "--gil-policy=legacy",
                                     "--extra-args=--check-interval=1,10000"])
        points, _ = enumerate_points(cfg, cat, workers)
        self.assertEqual([(p.point_id, p.params) for p in points],
                         [("sum-gil-r1t2-strong-legacy", (("--gil-policy", "legacy"),))])

    def test_without_instances_one_point_gets_the_values_given(self):
        """A sumbench older than modes[].instances: sumbench makes the cases of one point."""
        cfg, cat, workers = planned(["--kernels=sum", "--modes=gil", "--workers=2",
                                     "--gil-policy=cpython,legacy"])
        for mode in cat.modes:
            mode.pop("instances", None)
        points, _ = enumerate_points(cfg, cat, workers)
        self.assertEqual([p.params for p in points], [(("--gil-policy", "cpython,legacy"),)])

    def test_mode_parameters_are_the_catalogues(self):
        for argv, needle in ((["--xgrain=2"], "xgrain"), (["--check-interval=0"], "--check-interval=0"),
                             (["--gil-policy=fifo", "--extra-args=--gil-policy=fifo"], "given twice")):
            with self.subTest(argv=argv), self.assertRaises(UsageError) as cm:
                cfg_for(["--modes=gil", *argv])
            self.assertIn(needle, str(cm.exception))

    def test_shuffle_is_seeded(self):
        points, _ = enumerate_points(*planned(["--kernels=sum,sleep,triad", "--modes=omp,mpi", "--workers=1,2,4"]))
        self.assertEqual(shuffled(points, 7), shuffled(points, 7))
        self.assertNotEqual(shuffled(points, 7), shuffled(points, 8))
        self.assertEqual(sorted(shuffled(points, 7), key=str), sorted(points, key=str))


OMPI = Launcher("openmpi", "mpirun", mpi_kind="openmpi")
SRUN = Launcher("srun", "srun", "pmix", mpi_kind="openmpi")


class LauncherTests(unittest.TestCase):
    """The planner on this project's machines (2 cores, no SMT); every kind on synthetic
    machines is in test_launchers.py, and against the real launchers in test_mapping.py."""
    cfg = None

    def setUp(self):
        self.cfg = cfg_for(["--repetitions=1"])

    def cmd(self, mode, r, t, cores, **machine):
        launcher = machine.pop("launcher", SRUN if machine.get("slurm_job_id") else OMPI)
        m = Machine(cores_per_node=machine.pop("per_node", cores), launcher=launcher, **machine)
        return point_command(point(mode, r, t), self.cfg, m, "/o/raw.json")

    def test_detect_machine_plain_and_slurm(self):
        topo = Topology(1, 1, 3, 3, 3, 3, "test")
        m = detect_machine(topo, env={}, euid=1000)
        self.assertEqual((m.cores, m.cores_per_node, m.in_slurm, m.is_root), (3, 3, False, False))
        m = detect_machine(topo, env={"SLURM_JOB_ID": "42", "SLURM_CPUS_ON_NODE": "8",
                                      "SLURM_JOB_NUM_NODES": "2", "SLURM_NTASKS": "4"}, euid=0,
                           allocation=None)   # no CPU ids known: SLURM_CPUS_ON_NODE
        self.assertEqual((m.cores, m.cores_per_node, m.nodes, m.in_slurm, m.is_root, m.tasks),
                         (16, 8, 2, True, True, 4))
        m = detect_machine(topo, env={}, cores_override=16, euid=0)
        self.assertEqual(m.cores, 16)

    def test_thread_modes_run_directly(self):
        c = self.cmd("omp", 1, 2, 2, slurm_job_id="42")
        self.assertEqual((c.launcher, c.argv[0]), ("direct", "/x/sumbench"))
        self.assertEqual(self.cmd("mpi", 2, 1, 2).launcher, "openmpi")
        self.assertEqual(self.cmd("hybrid", 2, 1, 2, slurm_job_id="42").launcher, "srun")

    def test_threads_pin_only_when_they_fit(self):
        c = self.cmd("omp", 1, 2, 2)
        self.assertEqual(c.env, {"OMP_NUM_THREADS": "2", "OMP_PROC_BIND": "spread", "OMP_PLACES": "cores"})
        self.assertEqual(c.launcher, "direct")
        self.assertEqual(c.argv[0], "/x/sumbench")
        self.assertIn("--cpus=cores", c.argv)
        c = self.cmd("gil", 1, 4, 2)
        self.assertEqual(c.env["OMP_PROC_BIND"], "false")
        self.assertNotIn("OMP_PLACES", c.env)
        self.assertTrue(c.oversubscribed)
        self.assertTrue(c.warnings)

    def test_mpi_oversubscribe_only_when_needed(self):
        c = self.cmd("mpi", 2, 1, 2)
        self.assertEqual(c.argv[:5], ["mpirun", "-n", "2", "--bind-to", "core"])
        self.assertNotIn("--oversubscribe", c.argv)
        self.assertFalse(c.oversubscribe_flag)
        self.assertEqual(c.env["SUMBENCH_EXPECT_RANKS"], "2")
        self.assertIn("SUMBENCH_EXPECT_RANKS", c.argv[c.argv.index("-x", 5):])
        c = self.cmd("mpi", 4, 1, 2)
        self.assertIn("--oversubscribe", c.argv)
        self.assertIn("none", c.argv)
        self.assertTrue(c.oversubscribe_flag and c.oversubscribed)
        self.assertIn("--workers=4", c.argv)

    def test_hybrid_pe_only_when_it_fits(self):
        c = self.cmd("hybrid", 2, 2, 16)
        self.assertIn("slot:PE=2", c.argv)
        self.assertIn("--hybrid=2x2", c.argv)
        self.assertEqual(c.env["OMP_NUM_THREADS"], "2")
        c = self.cmd("hybrid", 2, 2, 2)
        self.assertNotIn("slot:PE=2", " ".join(c.argv))
        self.assertIn("none", c.argv)
        self.assertNotIn("--oversubscribe", c.argv)  # 2 ranks fit 2 slots
        self.assertTrue(c.warnings)
        c = self.cmd("hybrid", 4, 2, 2)
        self.assertIn("--oversubscribe", c.argv)

    def test_root_env_recorded(self):
        c = self.cmd("mpi", 1, 1, 2, is_root=True)
        self.assertEqual(c.env["OMPI_ALLOW_RUN_AS_ROOT"], "1")
        self.assertEqual(c.env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"], "1")
        self.assertTrue(c.shell().startswith("OMPI_ALLOW_RUN_AS_ROOT=1 "))
        self.assertNotIn("OMPI_ALLOW_RUN_AS_ROOT", self.cmd("mpi", 1, 1, 2).env)

    def test_srun_in_slurm_never_a_hostfile(self):
        c = self.cmd("hybrid", 2, 4, 16, per_node=8, nodes=2, slurm_job_id="42")
        self.assertEqual(c.argv[:5], ["srun", "--mpi=pmix", "-n", "2", "--cpus-per-task=4"])
        self.assertIn("--cpu-bind=cores", c.argv)
        self.assertNotIn("--hostfile", " ".join(c.argv))
        c = self.cmd("mpi", 32, 1, 16, per_node=8, nodes=2, slurm_job_id="42")
        self.assertIn("--overcommit", c.argv)
        site = self.cmd("mpi", 2, 1, 8, slurm_job_id="42", launcher=Launcher("srun", "srun", ""))
        self.assertEqual(site.argv[:3], ["srun", "-n", "2"])  # the site's default --mpi

    def test_srun_spreads_ranks_over_the_nodes(self):
        """R ranks on N nodes: R/N on each, whatever tasks the job itself asked for (an
        array task's allocation serves several layouts)."""
        c = self.cmd("mpi", 4, 1, 16, per_node=8, nodes=2, slurm_job_id="42")
        self.assertEqual(c.argv[5:7], ["--nodes=2", "--ntasks-per-node=2"])
        c = self.cmd("mpi", 3, 1, 16, per_node=8, nodes=2, slurm_job_id="42")  # uneven: srun's own
        self.assertFalse(any(a.startswith("--ntasks-per-node") for a in c.argv), c.argv)
        c = self.cmd("mpi", 2, 1, 8, slurm_job_id="42")                        # one node: nothing
        self.assertFalse(any(a.startswith("--nodes") for a in c.argv), c.argv)

    def test_launch_only(self):
        m = Machine(2, launcher=OMPI)
        omp = launch_only_command(point("omp", 1, 2), self.cfg, m)
        self.assertEqual(omp.argv, ["/x/sumbench", "--launch-only", "--workers=2", "--cpus=cores"])
        mpi = launch_only_command(point("mpi", 2, 1), self.cfg, m)
        self.assertEqual(mpi.argv[:3], ["mpirun", "-n", "2"])
        self.assertEqual(mpi.argv[-4:], ["/x/sumbench", "--launch-only", "--workers=1", "--cpus=cores"])
        hyb = launch_only_command(point("hybrid", 1, 2), self.cfg, m)
        self.assertIn("slot:PE=2", hyb.argv)
        self.assertEqual(hyb.argv[-4:], ["/x/sumbench", "--launch-only", "--workers=2", "--cpus=cores"])


def gbench_doc():
    def entry(i, t, **kw):
        e = {"name": "triad/omp/ranks:1/threads:2/n:1000/manual_time",
             "run_name": "triad/omp/ranks:1/threads:2/n:1000/manual_time",
             "run_type": "iteration", "repetition_index": i, "real_time": t, "time_unit": "ms",
             "ranks": 1.0, "threads": 2.0, "workers": 2.0, "n": 1000.0, "nodes": 1.0,
             "valid": 1.0, "oversubscribed": 0.0, "bytes_per_second": 2.4e4}
        e.update(kw)
        return e
    return {"context": {"hosts": ["a", "b"], "scaling": "weak"},
            "benchmarks": [entry(0, 10.0), entry(1, 12.0),
                           entry(2, 0.0, error_occurred=True, error_message="invalid result: x"),
                           {"name": "triad/omp/ranks:1/threads:2/n:1000/manual_time_mean",
                            "run_type": "aggregate", "real_time": 11.0, "time_unit": "ms"}]}


class TidyTests(TempDirMixin, unittest.TestCase):
    def test_parse_name(self):
        d = tidy_table.parse_benchmark_name("sum/gil/ranks:1/threads:4/n:100/policy:fifo/interval:500us")
        self.assertEqual(d, {"kernel": "sum", "mode": "gil", "ranks": 1, "threads": 4, "n": 100,
                             "gil_policy": "fifo", "switch_interval_s": 0.0005})

    def test_rows_from_gbench_json(self):
        rows = tidy_table.rows_from_gbench_json(gbench_doc(), run_id="r", point_id="p", cv=0.1,
                                          launch_s=0.5)
        self.assertEqual(len(rows), 3)  # the aggregate is dropped
        self.assertEqual(set(rows[0]), set(schema.COLUMNS))
        self.assertAlmostEqual(rows[0]["time_s"], 0.010)
        self.assertEqual((rows[0]["ranks"], rows[0]["threads"], rows[0]["n"]), (1, 2, 1000))
        self.assertEqual(rows[0]["hosts"], "a;b")
        self.assertEqual(rows[0]["scaling"], "weak")
        self.assertEqual(rows[0]["bytes_per_s"], 24000)
        self.assertEqual((rows[0]["valid"], rows[0]["status"]), (1, "ok"))
        self.assertEqual((rows[2]["valid"], rows[2]["status"]), (0, "invalid"))

    def test_failed_point_row_reads_the_points_params(self):
        new = tidy_table.failed_point_row(point={"kernel": "sum", "mode": "gil", "params": {
            "gil_policy": "legacy", "check_interval": "1000"}})
        old = tidy_table.failed_point_row(point={"kernel": "sum", "mode": "gil", "gil_policy": "fifo",
                                                 "switch_interval": "500us"})
        self.assertEqual((new["gil_policy"], new["check_interval"], new["switch_interval_s"]), ("legacy", 1000, ""))
        self.assertEqual((old["gil_policy"], old["switch_interval_s"]), ("fifo", 0.0005))

    def test_cv(self):
        self.assertAlmostEqual(coefficient_of_variation(gbench_doc()), 0.128565, places=5)

    def test_rebuild_includes_failed_and_foreign_rows(self):
        pts = self.tmp / "points"
        ok, bad, py, partial = (pts / n for n in ("ok", "bad", "py", "partial"))
        for d in (ok, bad, py, partial):
            d.mkdir(parents=True)
        (self.tmp / "manifest.json").write_text(json.dumps({"run_id": "RUN"}))
        (ok / "raw.json").write_text(json.dumps(gbench_doc()))
        (ok / "status.json").write_text(json.dumps({"status": "ok", "cv": 0.1, "launch_s": 0.2}))
        (bad / "status.json").write_text(json.dumps({
            "status": "timeout", "point": {"kernel": "sum", "mode": "mpi", "ranks": 4,
                                           "threads": 1, "workers": 4, "scaling": "strong"}}))
        (py / "rows.json").write_text(json.dumps([{"source": "cpython", "mode": "cpython-threads",
                                                   "kernel": "sum", "time_s": 1.5, "status": "ok"}]))
        (py / "status.json").write_text(json.dumps({"status": "ok"}))
        (partial / "raw.json").write_text("{}")  # no status.json: not complete, not counted
        path = tidy_table.rebuild_results(self.tmp)
        with open(path) as f:
            reader = csv.DictReader(f)
            self.assertEqual(reader.fieldnames, schema.COLUMNS)
            rows = list(reader)
        by_point = {}
        for r in rows:
            by_point.setdefault(r["point_id"], []).append(r)
        self.assertEqual(sorted(by_point), ["bad", "ok", "py"])
        self.assertEqual(len(by_point["ok"]), 3)
        self.assertEqual(by_point["ok"][0]["launch_s"], "0.2")
        [failed] = by_point["bad"]
        self.assertEqual((failed["status"], failed["mode"], failed["ranks"]), ("timeout", "mpi", "4"))
        self.assertEqual((failed["time_s"], failed["repetition"], failed["valid"]), ("", "", ""))
        [cp] = by_point["py"]
        self.assertEqual((cp["source"], cp["mode"], cp["run_id"], cp["schema_version"]),
                         ("cpython", "cpython-threads", "RUN", str(schema.SCHEMA_VERSION)))
        self.assertTrue(all(r["run_id"] == "RUN" for r in rows))


if __name__ == "__main__":
    unittest.main()
