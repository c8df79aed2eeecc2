"""Your own kernel (issue 21): the README's "Your own kernel" commands, run exactly as
written, with a temporary HOME and this build folder as their `build`: sumbench installed
into a prefix, examples/own-kernel built against it by find_package(sumbench) and
sumbench_add_benchmark, run directly, swept and reported by the installed commands. Then:
the histogram is in every mode of the sweep with valid results, and in the report; its
binaries behave as sumbench does (--help, --list=json, validation, the JSON context); the
Slurm submission takes the binary; the package refuses another compiler and another MPI."""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from installed import BUILD_DIR, CMAKE, SOURCE_DIR

README = SOURCE_DIR / "README.md"
EXAMPLE = SOURCE_DIR / "examples" / "own-kernel"
HEADING = "## Your own kernel"


def readme_commands(path: Path, heading: str) -> str:
    """The first ```sh block after `heading` (a line of its own) in `path`."""
    text = "\n" + path.read_text()
    at = text.index(f"\n{heading}\n")
    block = re.search(r"\n```sh\n(.*?)\n```\n", text[at:], re.S)
    assert block, f"{path}: no sh block after {heading}"
    return block.group(1) + "\n"


class OwnKernel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="sumbench-own-kernel-")
        cls.home = Path(cls._tmp.name) / "home"
        cls.home.mkdir()
        cls.commands = readme_commands(README, HEADING)
        # The one change: the README's `build` is this build folder (tests run in any).
        cls.script = cls.commands.replace("cmake --install build ", f"cmake --install {shlex.quote(str(BUILD_DIR))} ", 1)
        assert cls.script != cls.commands, "the README no longer installs with 'cmake --install build '"
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMBENCH", "PYTHON"))}
        cls.env["HOME"] = str(cls.home)
        cls.run_readme = subprocess.run(["bash", "-euo", "pipefail", "-c", cls.script], cwd=SOURCE_DIR, env=cls.env,
                                        capture_output=True, text=True, timeout=1200, stdin=subprocess.DEVNULL)
        cls.prefix = cls.home / "sumbench"
        cls.build = cls.home / "histbench"
        cls.sweep = cls.home / "runs" / "hist"

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def setUp(self):
        r = self.run_readme
        self.assertEqual(r.returncode, 0, f"the README's commands failed ({r.returncode}):\n{self.script}\n"
                                          f"{r.stdout[-4000:]}\n{r.stderr[-6000:]}")

    def run_cmd(self, argv, cwd=None, env_add=None, timeout=300):
        env = dict(self.env, **(env_add or {}))
        return subprocess.run([str(a) for a in argv], cwd=cwd or self.home, env=env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def catalogue(self, binary, *args):
        proc = self.run_cmd([binary, "--list=json", "--workers=1,2", *args])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)

    def test_docs_agree(self):
        """The example's README gives the same commands as sumbench's."""
        self.assertEqual(readme_commands(EXAMPLE / "README.md", "# Your own kernel: a histogram"), self.commands)
        self.assertEqual((self.prefix / "include" / "sumbench" / "kernel.hpp").read_bytes(),
                         (SOURCE_DIR / "include" / "sumbench" / "kernel.hpp").read_bytes())

    def test_every_mode_valid(self):
        cat = json.loads((self.sweep / "catalogue.json").read_text())
        self.assertEqual(cat["binary"]["name"], "histbench")
        with open(self.sweep / "results.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        hist = [r for r in rows if r["kernel"] == "histogram"]
        self.assertEqual({r["mode"] for r in hist}, {m["name"] for m in cat["modes"]})
        bad = [(r["point_id"], r["status"], r["valid"]) for r in rows if (r["status"], r["valid"]) != ("ok", "1")]
        self.assertEqual(bad, [])
        self.assertEqual({r["kernel"] for r in rows}, {"histogram", "sum"})  # the built-in kernels came along
        self.assertIn(("2", "1"), {(r["ranks"], r["threads"]) for r in hist if r["mode"] == "mpi"})
        raw = json.loads(next((self.sweep / "points").glob("histogram-mpi-r2t1-*/raw.json")).read_text())
        self.assertEqual(raw["context"]["mpi_ranks"], "2")
        self.assertEqual(raw["context"]["binary"], "histbench")

    def test_report(self):
        report = self.sweep / "report"
        with open(report / "tables" / "medians.csv", newline="") as f:
            medians = [r for r in csv.DictReader(f) if r["kernel"] == "histogram"]
        cat = json.loads((self.sweep / "catalogue.json").read_text())
        self.assertEqual({r["mode"] for r in medians}, {m["name"] for m in cat["modes"]})
        self.assertTrue(all(float(r["speedup"]) > 0 for r in medians), medians)
        figures = {f["name"] for f in json.loads((report / "figures" / "figures.json").read_text())}
        self.assertLessEqual({"histogram_strong_time", "histogram_strong_speedup", "summary_speedup"}, figures)
        self.assertIn('data-kernel="histogram"', (report / "index.html").read_text())

    def test_behaves_as_sumbench(self):
        sumbench, hist, only = self.prefix / "bin" / "sumbench", self.build / "histbench", self.build / "histbench_only"
        plain, mine, alone = self.catalogue(sumbench), self.catalogue(hist), self.catalogue(only)
        # Everything but the kernels and what names them is sumbench's own.
        for key in set(plain) - {"kernels", "binary", "flags", "options"}:
            self.assertEqual(mine[key], plain[key], key)
            self.assertEqual(alone[key], plain[key], key)
        flags = lambda c: [f for f in c["flags"] if f["name"] != "--kernels"]  # noqa: E731
        self.assertEqual(flags(mine), flags(plain))
        self.assertEqual([k["name"] for k in mine["kernels"]], [k["name"] for k in plain["kernels"]] + ["histogram"])
        self.assertEqual(mine["kernels"][:-1], plain["kernels"])
        self.assertEqual([(k["name"], k["builtin"]) for k in alone["kernels"]], [("histogram", False)])
        self.assertEqual((alone["binary"]["name"], alone["binary"]["builtin_kernels"]), ("histbench_only", False))
        self.assertEqual(alone["binary"]["kernel_api_version"], plain["binary"]["kernel_api_version"])
        self.assertIn("-O3", alone["binary"]["cxx_flags"])  # the example's Release build

        def help_text(binary):
            text = self.run_cmd([binary, "--help"]).stdout
            return [line for line in text.splitlines() if not line.lstrip().startswith("--kernels=")]
        self.assertEqual(help_text(only), help_text(sumbench))

        # The JSON context: sumbench's keys, and this binary's facts.
        args = ["--modes=serial", "--workers=1", "--quick", "--benchmark_repetitions=1"]
        docs = {}
        for name, binary, kernel in (("sumbench", sumbench, "sum"), ("only", only, "histogram")):
            out = self.home / f"{name}.json"
            proc = self.run_cmd([binary, f"--kernels={kernel}", *args, f"--benchmark_out={out}"])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            docs[name] = json.loads(out.read_text())["context"]
        self.assertEqual(set(docs["only"]), set(docs["sumbench"]))
        self.assertEqual((docs["only"]["binary"], docs["only"]["builtin_kernels"]), ("histbench_only", "false"))
        self.assertEqual((docs["sumbench"]["binary"], docs["sumbench"]["builtin_kernels"]), ("sumbench", "true"))

    def test_validation(self):
        only = self.build / "histbench_only"
        args = ["--modes=serial,omp,gil", "--workers=1,2", "--benchmark_repetitions=1"]
        # Not a whole number of periods: validation's own count of the rest is exercised.
        out = self.home / "exact.json"
        proc = self.run_cmd([only, "--n=3000017", *args, f"--benchmark_out={out}"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        entries = [b for b in json.loads(out.read_text())["benchmarks"] if b["run_type"] == "iteration"]
        self.assertEqual({b["valid"] for b in entries}, {1})
        self.assertEqual(len({b["checksum"] for b in entries}), 1, "modes disagree on the histogram")
        out = self.home / "corrupt.json"
        proc = self.run_cmd([only, "--quick", *args, f"--benchmark_out={out}"], env_add={"SUMBENCH_TEST_CORRUPT": "1"})
        self.assertEqual(proc.returncode, 1, proc.stderr)
        entries = [b for b in json.loads(out.read_text())["benchmarks"] if b["run_type"] == "iteration"]
        self.assertTrue(entries and all(b.get("error_occurred") for b in entries))
        self.assertIn("bucket 0 holds", entries[0]["error_message"])

    def test_benchmark_variables_are_sumbenchs(self):
        """Google Benchmark's variables reach sumbench alone in a user's binary too: the
        installed libsumbench_driver.a brings bench_env.cpp's .preinit_array along, so a bad
        one is one line (Google Benchmark's own line would come first), a good one is used."""
        args = ["--kernels=histogram", "--modes=serial", "--workers=1", "--quick"]
        for binary in (self.build / "histbench", self.build / "histbench_only"):
            for name, value in (("BENCHMARK_REPETITIONS", "abc"), ("V", "abc"), ("BENCHMARK_MIN_TIME", "x")):
                with self.subTest(binary=binary.name, variable=name):
                    proc = self.run_cmd([binary, *args], env_add={name: value})
                    self.assertEqual(proc.returncode, 2, proc.stderr)
                    self.assertEqual(proc.stderr.splitlines(), [proc.stderr.rstrip("\n")], proc.stderr)
                    self.assertTrue(proc.stderr.startswith(f"sumbench: error: {name}={value} (in the environment)"),
                                    proc.stderr)
            proc = self.run_cmd([binary, *args, "--benchmark_format=json"],
                                env_add={"BENCHMARK_REPETITIONS": "2", "V": "0"})
            self.assertEqual(proc.returncode, 0, proc.stderr)
            doc = json.loads(proc.stdout)
            self.assertEqual(doc["context"]["benchmark_environment"], "BENCHMARK_REPETITIONS=2 V=0")
            # The console (stdout) shows aggregates only (sumbench's default display): each of them
            # says how many repetitions it summarizes.
            medians = [b for b in doc["benchmarks"] if b.get("aggregate_name") == "median"]
            self.assertEqual([b["repetitions"] for b in medians], [2], doc["benchmarks"])

    def test_slurm_submission_takes_the_binary(self):
        submit = self.prefix / "bin" / "sumbench-submit"
        base = [submit, "--dry-run", "--sumbench", self.build / "histbench_only", "--nodes=1", "--layouts=2x1"]
        proc = self.run_cmd(base + ["--sweep-args=--kernels=histogram --quick"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(f"SUMBENCH={self.build / 'histbench_only'} ", proc.stdout)
        proc = self.run_cmd(base + ["--sweep-args=--kernels=sum"])  # its catalogue, not sumbench's
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("unknown kernel 'sum'; allowed: histogram", proc.stderr)

    def test_another_compiler_or_mpi_is_refused(self):
        """sumbench's libraries carry its OpenMP runtime and its MPI: the package says which to use."""
        plain = json.loads(self.run_cmd([self.prefix / "bin" / "sumbench", "--list=json"]).stdout)
        other_cxx = "clang++" if plain["build"]["compiler"].startswith("g++") else "g++"
        other_mpi = "mpicxx.mpich" if plain["mpi"]["kind"] == "openmpi" else "mpicxx.openmpi"
        tried = 0
        for name, option in ((other_cxx, "CMAKE_CXX_COMPILER"), (other_mpi, "MPI_CXX_COMPILER")):
            if not shutil.which(name):
                continue
            tried += 1
            folder = self.home / f"other-{name}"
            proc = self.run_cmd([CMAKE, "-S", EXAMPLE, "-B", folder, f"-D{option}={shutil.which(name)}",
                                 f"-DCMAKE_PREFIX_PATH={self.prefix}"])
            self.assertNotEqual(proc.returncode, 0, f"{option}={name} was accepted")
            said = " ".join((proc.stdout + proc.stderr).split())  # CMake wraps the message
            self.assertIn(f"configure a new build folder with -D{option}=/", said)
            self.assertFalse((folder / "Makefile").exists())
        if not tried:
            self.skipTest(f"neither {other_cxx} nor {other_mpi} to try")

if __name__ == "__main__":
    unittest.main()
