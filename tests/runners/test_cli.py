"""sweep.py as a command: --dry-run placement for 2 vs 16 cores, usage errors, configs."""

import json
import shlex
import unittest

from support import FAKE, TempDirMixin, clean_env, read_json, real_sumbench, run_sweep


def commands(stdout):
    """point_id -> (env dict, argv) from dry-run output."""
    out, current = {}, None
    for line in stdout.splitlines():
        if line.startswith("# ") and not line.startswith(("# launch:", "# warning:", "# note:")) \
                and " points, cores=" not in line:
            current = line[2:].split()[0]
        elif line and not line.startswith("#"):
            words = shlex.split(line)
            env = {}
            while "=" in words[0] and not words[0].startswith(("/", "-")):
                k, v = words.pop(0).split("=", 1)
                env[k] = v
            out[current] = (env, words)
    return out


class DryRunTests(TempDirMixin, unittest.TestCase):
    ARGS = ["--kernels=sum", "--modes=omp,mpi,hybrid", "--workers=2,4", "--hybrid=2x1,2x2,4x2",
            "--repetitions=1", "--seed=3"]

    def dry(self, cores):
        res = run_sweep("--dry-run", "--sumbench", FAKE, "--out", self.tmp / "o",
                        "--cores", cores, *self.ARGS)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertFalse((self.tmp / "o").exists(), "dry-run must not create the sweep folder")
        return res.stdout, commands(res.stdout)

    def test_two_cores(self):
        text, cmds = self.dry(2)
        self.assertEqual(len(cmds), 7)  # omp 2, mpi 2, hybrid 3
        env, argv = cmds["sum-mpi-r2t1-strong"]
        self.assertEqual(argv[:5], ["mpirun", "-n", "2", "--bind-to", "core"])
        self.assertNotIn("--oversubscribe", argv)
        env, argv = cmds["sum-mpi-r4t1-strong"]
        self.assertIn("--oversubscribe", argv)
        self.assertIn("--bind-to", argv)
        self.assertEqual(argv[argv.index("--bind-to") + 1], "none")
        env, argv = cmds["sum-hybrid-r2t1-strong"]  # one thread per rank: bound to a core
        self.assertEqual(argv[argv.index("--bind-to") + 1], "core")
        self.assertFalse(any("PE=" in a for a in argv))
        env, argv = cmds["sum-hybrid-r2t2-strong"]  # 4 workers > 2 cores: no PE
        self.assertFalse(any("PE=" in a for a in argv))
        self.assertNotIn("--oversubscribe", argv)
        self.assertEqual(env["OMP_PROC_BIND"], "false")
        env, argv = cmds["sum-hybrid-r4t2-strong"]
        self.assertIn("--oversubscribe", argv)
        env, argv = cmds["sum-omp-r1t4-strong"]
        self.assertEqual((env["OMP_NUM_THREADS"], env["OMP_PROC_BIND"]), ("4", "false"))
        self.assertEqual(argv[0], str(FAKE))
        for flag in ("--kernels=sum", "--modes=omp", "--workers=4", "--scaling=strong",
                     "--benchmark_repetitions=1", "--benchmark_out_format=json",
                     "--benchmark_format=console"):
            self.assertIn(flag, argv)
        self.assertIn(f"--benchmark_out={self.tmp / 'o' / 'points' / 'sum-omp-r1t4-strong' / 'raw.json'}", argv)
        self.assertIn("# warning:", text)

    def test_sixteen_cores(self):
        text, cmds = self.dry(16)
        for pid, (env, argv) in cmds.items():
            self.assertNotIn("--oversubscribe", argv, pid)
            self.assertNotIn("none", argv, pid)
        self.assertIn("slot:PE=2", cmds["sum-hybrid-r4t2-strong"][1])
        self.assertEqual(cmds["sum-omp-r1t4-strong"][0]["OMP_PROC_BIND"], "spread")
        self.assertEqual(cmds["sum-omp-r1t4-strong"][0]["OMP_PLACES"], "cores")
        self.assertNotIn("# warning:", text)

    def test_default_workers_follow_cores(self):
        res = run_sweep("--dry-run", "--sumbench", FAKE, "--out", self.tmp / "o", "--cores", 3,
                        "--kernels=sum", "--modes=omp")
        self.assertEqual(sorted(commands(res.stdout)),
                         sorted(f"sum-omp-r1t{w}-strong" for w in (1, 2, 3, 4)))


class UsageErrorTests(TempDirMixin, unittest.TestCase):
    def assert_usage(self, res, *needles):
        self.assertEqual(res.returncode, 2, res.stdout + res.stderr)
        lines = res.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, res.stderr)
        for needle in needles:
            self.assertIn(needle, lines[0])

    def test_bad_arguments(self):
        base = ["--dry-run", "--sumbench", FAKE, "--out", self.tmp / "o"]
        self.assert_usage(run_sweep(*base, "--kernels=sum,fft"), "'fft'", "allowed")
        self.assert_usage(run_sweep(*base, "--modes=omp,cuda"), "'cuda'", "serial")
        self.assert_usage(run_sweep(*base, "--workers=1,-2"), "'-2'")
        self.assert_usage(run_sweep(*base, "--hybrid=2x2,3"), "'3'", "RxT")
        self.assert_usage(run_sweep(*base, "--timeout=-1"), "timeout")
        self.assert_usage(run_sweep(*base, "--repetitions=0"), "repetitions")
        self.assert_usage(run_sweep(*base, "--no-such-flag"), "--no-such-flag")

    def test_missing_sumbench(self):
        res = run_sweep("--sumbench", self.tmp / "nope", "--out", self.tmp / "o", "--modes=omp",
                        "--kernels=sum", "--workers=1")
        self.assert_usage(res, "nope", "SUMBENCH")

    def test_bad_config_files(self):
        cases = {
            "invalid.json": ("{\"kernels\": [\"sum\",]}", "not valid JSON"),
            "unknown.json": (json.dumps({"kernals": ["sum"]}), "'kernals'"),
            "type.json": (json.dumps({"workers": "1,2"}), "'workers' must be list[int]"),
            "value.json": (json.dumps({"modes": ["omp", "warp"]}), "'warp'"),
            "list.json": (json.dumps(["sum"]), "JSON object"),
        }
        for name, (text, needle) in cases.items():
            with self.subTest(name=name):
                path = self.tmp / name
                path.write_text(text)
                self.assert_usage(run_sweep("--dry-run", "--config", path, "--sumbench", FAKE),
                                  needle)
        self.assert_usage(run_sweep("--dry-run", "--config", self.tmp / "absent.json"), "not found")


class ConfigRoundTripTests(TempDirMixin, unittest.TestCase):
    def test_save_then_run_from_config(self):
        cfg = self.tmp / "sweep-config.json"
        # --save-config checks the values with sumbench's own rules: it needs a sumbench,
        # here $SUMBENCH (the build's, in any build folder; never <tree>/build/sumbench).
        res = run_sweep("--save-config", cfg, "--kernels=sum,sleep", "--modes=omp",
                        "--workers=1,2", "--repetitions=2", "--quick", "--seed=5",
                        env=clean_env(SUMBENCH=real_sumbench() or FAKE))
        self.assertEqual(res.returncode, 0, res.stderr)
        saved = read_json(cfg)
        self.assertEqual(saved, {"kernels": ["sum", "sleep"], "modes": ["omp"], "workers": [1, 2],
                                 "repetitions": 2, "quick": True, "seed": 5})
        out = self.tmp / "o"
        # CLI overrides the file: only one kernel runs.
        res = run_sweep("--config", cfg, "--kernels=sleep", "--sumbench", FAKE, "--out", out)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        copied = read_json(out / "sweep.json")
        self.assertEqual(copied["kernels"], ["sleep"])
        self.assertEqual((copied["repetitions"], copied["quick"], copied["seed"]), (2, True, 5))
        self.assertEqual(sorted(copied["order"]), ["sleep-omp-r1t1-strong", "sleep-omp-r1t2-strong"])
        self.assertEqual(read_json(out / "manifest.json")["seed"], 5)
        argv = read_json(out / "points" / "sleep-omp-r1t2-strong" / "command.json")["argv"]
        self.assertIn("--quick", argv)
        # sweep.json is itself a valid config: dry-running from it shows both points as done.
        res = run_sweep("--dry-run", "--config", out / "sweep.json")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stdout.count("would skip"), 2)

    def test_resume_refuses_different_repetitions(self):
        out = self.tmp / "o"
        args = ["--sumbench", FAKE, "--out", out, "--kernels=sum", "--modes=omp", "--workers=1"]
        self.assertEqual(run_sweep(*args, "--repetitions=2").returncode, 0)
        res = run_sweep(*args, "--repetitions=3")
        self.assertEqual(res.returncode, 2)
        self.assertIn("repetitions", res.stderr)


if __name__ == "__main__":
    unittest.main()
