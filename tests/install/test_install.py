"""cmake --install: the layout under a prefix, and the installed commands run from a
folder outside the source tree, with the tree hidden (an empty tmpfs over it, in a mount
namespace of the test's own) where root may: a quick sweep, the CPython baseline into
it, the summary, tidy, a report and a Slurm dry run. Results land in the working
folder; the prefix is byte for byte what the install wrote; every module of the package
that Python loads comes from the prefix."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from installed import (BUILD_DIR, CAN_HIDE_SOURCE, CMAKE, COMMANDS, NATIVE, SHARE, SOURCE_DIR, clean_env,
                       install, run, snapshot)


class InstalledPrefix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="sumbench-install-")
        cls.root = Path(cls._tmp.name)
        cls.prefix = cls.root / "prefix"
        cls.log = install(cls.prefix).stdout
        cls.share = cls.prefix / SHARE
        cls.env = clean_env(cls.prefix)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def workdir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir()
        return path

    def ok(self, proc: subprocess.CompletedProcess, what: str) -> str:
        self.assertEqual(proc.returncode, 0, f"{what}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc.stdout

    def test_layout(self):
        bin_dir = self.prefix / "bin"
        self.assertTrue(os.access(bin_dir / "sumbench", os.X_OK))
        entry = (self.share / "python" / "entry.py").resolve()
        for command, path in list(COMMANDS.items()) + [(None, "slurm/slurm_job.py")]:
            for link in ([bin_dir / command] if command else []) + [self.share / path]:
                self.assertTrue(link.is_symlink(), link)
                target = os.readlink(link)
                self.assertFalse(os.path.isabs(target), f"{link} -> {target} is not relative")
                self.assertEqual(link.resolve(), entry)
                self.assertTrue(os.access(link, os.X_OK), link)
        package = self.share / "python" / "sumbench"
        self.assertTrue((package / "cli" / "sweep.py").is_file())
        self.assertEqual(list(package.rglob("_installed.py")), [package / "_installed.py"])
        self.assertIn('BINARY = "../../../../bin/sumbench"', (package / "_installed.py").read_text())
        self.assertTrue(list((package / "__pycache__").glob("paths.*.pyc")), "no bytecode was compiled")
        for name in ("sumbench.sbatch", "combine.sbatch"):
            text = (self.share / "slurm" / name).read_text()
            self.assertRegex(text, rf"\n[SC]B_INSTALLED_SHARE='{re.escape(str(self.share))}'\n", name)
            self.assertTrue(os.access(self.share / "slurm" / name, os.X_OK), name)
        for name in ("site.sh.example", "README.md"):
            self.assertTrue((self.share / "slurm" / name).is_file(), name)
        for name in ("sumbench.yaml", "platform.xml", "submit.job.in", "README.md"):
            self.assertTrue((self.share / "jube" / name).is_file(), name)
        for name in ("README.md", "DESIGN.md", "BENCHMARKS.md", "REPORTS.md"):
            self.assertTrue((self.prefix / "share" / "doc" / "sumbench" / name).is_file(), name)
        # The CMake package (examples/own-kernel builds against it: test_own_kernel).
        self.assertEqual((self.prefix / "include" / "sumbench" / "kernel.hpp").read_bytes(),
                         (SOURCE_DIR / "include" / "sumbench" / "kernel.hpp").read_bytes())
        cmake_files = [p.relative_to(self.prefix) for p in self.prefix.glob("lib*/cmake/sumbench/*")]
        self.assertLessEqual({"sumbenchConfig.cmake", "sumbenchConfigVersion.cmake", "sumbenchTargets.cmake",
                              "sumbench_add_benchmark.cmake", "benchmark_main.cpp.in"}, {p.name for p in cmake_files})
        libdirs = {p.parts[0] for p in cmake_files}
        self.assertEqual(len(libdirs), 1, cmake_files)
        for name in ("libsumbench_core.a", "libsumbench_driver.a"):
            self.assertTrue((self.prefix / min(libdirs) / name).is_file(), name)
        modulefile = self.prefix / "share" / "modulefiles" / "sumbench" / os.environ.get("SUMBENCH_VERSION", "")
        self.assertTrue(modulefile.is_file(), modulefile)
        if shutil.which("tclsh"):  # the modulefile is Tcl: evaluate it with stand-ins for module's commands
            tcl = ("proc module-whatis {args} {}\nproc prepend-path {var value} {puts \"$var=$value\"}\n"
                   "proc setenv {var value} {puts \"setenv $var=$value\"}\nproc conflict {args} {puts \"conflict $args\"}\n"
                   f"source {{{modulefile}}}\nModulesHelp\n")
            proc = subprocess.run(["tclsh"], input=tcl, capture_output=True, text=True, timeout=30)
            self.assertEqual((proc.returncode, proc.stdout),
                             (0, f"conflict sumbench\nsetenv SUMBENCH_ROOT={self.share}\nPATH={bin_dir}\n"), proc.stderr)
            self.assertIn("--version", proc.stderr)   # module help sumbench
            self.assertIn(str(bin_dir), proc.stderr)
        if shutil.which("modulecmd"):  # Environment Modules itself (Debian's environment-modules)
            env = {"PATH": "/usr/bin:/bin", "HOME": str(self.root), "MODULEPATH": str(modulefile.parents[1])}
            proc = subprocess.run(["modulecmd", "python", "load", "sumbench"], env=env, capture_output=True,
                                  text=True, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn(f"os.environ['PATH'] = '{bin_dir}:/usr/bin:/bin'", proc.stdout, proc.stderr)
            self.assertIn(f"os.environ['LOADEDMODULES'] = 'sumbench/{modulefile.name}'", proc.stdout)
            self.assertIn(f"os.environ['SUMBENCH_ROOT'] = '{self.share}'", proc.stdout)
            helped = subprocess.run(["modulecmd", "python", "help", "sumbench"], env=env, capture_output=True,
                                    text=True, timeout=60)
            self.assertIn("--help and --version", helped.stderr)
        # Every link in the prefix points at a file in it.
        self.assertEqual([p for p in self.prefix.rglob("*") if p.is_symlink() and not p.exists()], [])
        # install_manifest.txt lists what the install script wrote too (for an uninstall).
        manifest = (Path(os.environ.get("SUMBENCH_BUILD_DIR", SOURCE_DIR / "build")) /
                    "install_manifest.txt").read_text().split("\n")
        for path in [self.prefix / "bin" / "sumbench-sweep", package / "_installed.py"]:
            self.assertIn(str(path), manifest)

    def test_sbatch_outside_slurm(self):
        proc = run(["bash", str(self.share / "slurm" / "sumbench.sbatch")], self.workdir("nojob"), self.env)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("not inside a Slurm job", proc.stderr)

    def test_package_comes_from_the_prefix(self):
        """python3 -v names every module file it loads: all of sumbench's are the prefix's."""
        proc = run(["python3", "-v", str(self.prefix / "bin" / "sumbench-sweep"), "--help"],
                   self.workdir("verbose"), self.env, hide=False)
        self.ok(proc, "python3 -v sumbench-sweep --help")
        loaded = set(re.findall(r"(/\S*/sumbench/\S*\.py)\b", proc.stderr))
        self.assertIn(str(self.share / "python" / "sumbench" / "__init__.py"), loaded)
        outside = [p for p in loaded if not p.startswith(str(self.prefix))]
        self.assertEqual(outside, [], "sumbench modules loaded from outside the prefix")
        self.assertNotIn(str(SOURCE_DIR), proc.stderr)

    def test_commands_from_elsewhere(self):
        before = snapshot(self.prefix)
        work = self.workdir("work")
        env = self.env
        for command, path in COMMANDS.items():
            out = self.ok(run([command, "--help"], work, env), f"{command} --help")
            self.assertIn("usage:", out)
            out = self.ok(run(["python3", str(self.share / path), "--version"], work, env), f"{path} --version")
            self.assertEqual(out, f"{os.path.basename(path)} (sumbench) {os.environ.get('SUMBENCH_VERSION', '')}\n")

        # The catalogue says which build this is.
        cat = json.loads(self.ok(run(["sumbench", "--list=json"], work, env), "sumbench --list=json"))
        self.assertEqual(cat["build"]["native"], NATIVE)
        self.assertEqual(cat["build"]["arch_flags"], "-march=native" if NATIVE else "")

        sweep = ["sumbench-sweep", "--kernels=sum,sleep", "--modes=serial,omp,mpi", "--workers=1,2",
                 "--quick", "--repetitions=1", "--extra-args=--sleep-ms=10"]
        self.ok(run(sweep + ["--out=sweep"], work, env), "sumbench-sweep --out=sweep")
        self.assertTrue((work / "sweep" / "results.csv").is_file())
        # Without --out: results/sweep-<timestamp> under the working folder.
        self.ok(run(sweep[:1] + ["--kernels=sum", "--modes=serial", "--workers=1", "--quick",
                                 "--repetitions=1"], work, env), "sumbench-sweep (default --out)")
        made = list((work / "results").glob("sweep-*/results.csv"))
        self.assertEqual(len(made), 1, f"default --out not under {work}/results")

        manifest = json.loads((work / "sweep" / "manifest.json").read_text())
        self.assertIs(manifest["machine"]["native"], NATIVE)
        raw = json.loads(next((work / "sweep" / "points").glob("sum-omp-*/raw.json")).read_text())
        self.assertEqual(raw["context"]["native"], "true" if NATIVE else "false")
        self.assertEqual(raw["context"]["executable"], str(self.prefix / "bin" / "sumbench"))

        self.ok(run(["sumbench-baseline", "--out=sweep", "--kernels=sum", "--modes=serial,threads",
                     "--workers=1,2", "--quick", "--repetitions=1"], work, env, timeout=600),
                "sumbench-baseline")
        self.ok(run(["sumbench-tidy", "sweep"], work, env), "sumbench-tidy")
        self.ok(run(["sumbench-summary", "sweep", "--out=summary.csv"], work, env), "sumbench-summary")
        rows = (work / "summary.csv").read_text().splitlines()
        self.assertTrue(rows[0].startswith("run,kernel,scaling,mode,"), rows[0])
        modes = {r.split(",")[3] for r in rows[1:]}
        self.assertLessEqual({"serial", "omp", "mpi", "cpython-serial", "cpython-threads"}, modes)

        out = self.ok(run(["sumbench-report", "sweep", "--out=report"], work, env, timeout=600), "sumbench-report")
        self.assertTrue((work / "report" / "index.html").is_file(), out)
        page = (work / "report" / "index.html").read_text()
        self.assertIn("-march=native", page)

        dry = self.ok(run(["sumbench-submit", "--dry-run", "--nodes=1", "--layouts=2x1",
                           "--sweep-args=--kernels=sum --quick"], work, env), "sumbench-submit --dry-run")
        self.assertIn(str(self.share / "slurm" / "sumbench.sbatch"), dry)
        self.assertIn(f"SUMBENCH_ROOT={self.share}", dry)
        self.assertIn(f"SUMBENCH_RESULTS={work}/results/slurm-sweep-", dry)

        # sumbench-py: the user's module in the working folder; its spawned processes and
        # subinterpreters import the installed package's worker code, and write no bytecode there.
        (work / "myfunc.py").write_text("def loop(start, stop):\n    return sum(range(start, stop))\n")
        newest = [v for v in ("3.13", "3.12") if self.ok(run(["sh", "-c", f"ls -d $(pyenv root)/versions/{v}* "
                                                               "2>/dev/null || true"], work, env), "ls").strip()]
        pyfunc = self.ok(run(["sumbench-py", "myfunc:loop", "--n=20000", "--workers=2", "--repetitions=1",
                              "--models=threads,fork,spawn,subinterpreters", "--out=sweep", "--no-report"]
                             + ([f"--python={newest[0]}"] if newest else []), work, env, timeout=600),
                         "sumbench-py")
        self.assertIn("for your function myfunc:loop", pyfunc)
        self.assertTrue(list((work / "sweep" / "points").glob("py-*-myfunc.loop-spawn-w2/status.json")))

        self.assertEqual(snapshot(self.prefix), before, "running the installed commands changed the prefix")
        self.assertFalse([p for p in self.root.iterdir() if p.name not in ("prefix", "work", "nojob", "verbose")],
                         "something was written beside the working folder")

    def test_source_tree_is_hidden(self):
        """The check above means something only if the tree was out of reach."""
        if not CAN_HIDE_SOURCE:
            self.skipTest("no mount namespace for this user: the tree stays visible (the module "
                          "check still holds)")
        proc = run(["sh", "-c", f'ls -A "{SOURCE_DIR}" | wc -l'], self.workdir("hidden"), self.env)
        self.assertEqual(self.ok(proc, "ls").strip(), "0")


class StagedInstall(unittest.TestCase):
    """DESTDIR (how a package is built): everything under the stage, the final prefix in
    what the files say, and the staged tree runs where it lies (its paths are relative)."""

    def test_destdir(self):
        with tempfile.TemporaryDirectory(prefix="sumbench-stage-") as tmp:
            root = Path(tmp)
            final = Path("/opt") / f"sumbench-test-{os.getpid()}"
            install(final, destdir=root / "stage")
            self.assertFalse(final.exists(), f"the install wrote {final} outside DESTDIR")
            staged = root / "stage" / final.relative_to("/")
            share = staged / SHARE
            for command, path in COMMANDS.items():
                self.assertEqual((staged / "bin" / command).resolve(), (share / "python" / "entry.py").resolve())
                self.assertEqual((share / path).resolve(), (share / "python" / "entry.py").resolve())
            for name in ("sumbench.sbatch", "combine.sbatch"):
                text = (share / "slurm" / name).read_text()
                self.assertIn(f"_INSTALLED_SHARE='{final / SHARE}'\n", text)
                self.assertNotIn(str(root), text)
            pyc = next((share / "python" / "sumbench" / "__pycache__").glob("paths.*.pyc")).read_bytes()
            self.assertIn(str(final / SHARE / "python" / "sumbench" / "paths.py").encode(), pyc)
            self.assertNotIn(str(root).encode(), pyc)

            work = root / "work"
            work.mkdir()
            proc = run([str(staged / "bin" / "sumbench-sweep"), "--kernels=sum", "--modes=serial",
                        "--workers=1", "--quick", "--dry-run", "--out=sweep"], work, clean_env(staged))
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn(str(staged / "bin" / "sumbench") + " ", proc.stdout)
            self.assertFalse((work / "sweep").exists(), "--dry-run wrote its folder")


class ForeignFiles(unittest.TestCase):
    """An existing prefix (/usr/local, a shared module tree): files sumbench did not install
    stay byte for byte; one in the way stops the install before it writes anything; a file
    it installed and a user changed since counts as the user's."""

    def install_fails(self, prefix: Path) -> str:
        proc = subprocess.run([CMAKE, "--install", str(BUILD_DIR), "--prefix", str(prefix)],
                              capture_output=True, text=True, timeout=300)
        self.assertNotEqual(proc.returncode, 0, "the install overwrote a foreign file")
        return proc.stdout + proc.stderr

    def test_relative_prefix(self):
        """--prefix rel: from the current folder, as CMake's own rules take it."""
        with tempfile.TemporaryDirectory(prefix="sumbench-relative-") as tmp:
            proc = subprocess.run([CMAKE, "--install", str(BUILD_DIR), "--prefix", "rel"], cwd=tmp,
                                  capture_output=True, text=True, timeout=300)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            prefix = Path(tmp).resolve() / "rel"
            self.assertEqual((prefix / "bin" / "sumbench-sweep").resolve(),
                             (prefix / SHARE / "python" / "entry.py").resolve())
            text = (prefix / SHARE / "slurm" / "sumbench.sbatch").read_text()
            self.assertIn(f"\nSB_INSTALLED_SHARE='{prefix / SHARE}'\n", text)

    def test_foreign_files(self):
        with tempfile.TemporaryDirectory(prefix="sumbench-foreign-") as tmp:
            prefix = Path(tmp) / "prefix"
            mine = {"bin/other": "foreign\n", "bin/sumbench-sweep": "#!/bin/sh\necho mine\n",
                    "share/sumbench/python/sumbench/extra.py": "x = 1\n",
                    "share/modulefiles/other/1.0": "#%Module1.0\n",
                    "share/doc/sumbench/NOTES.md": "notes\n",
                    "share/sumbench/jube/sumbench.yaml": "my yaml\n",
                    "include/sumbench/kernel.hpp": "// my header\n", "include/sumbench/mine.hpp": "// mine\n"}
            for rel, text in mine.items():
                (prefix / rel).parent.mkdir(parents=True, exist_ok=True)
                (prefix / rel).write_text(text)
            before = snapshot(prefix)
            out = self.install_fails(prefix)
            in_the_way = ("bin/sumbench-sweep", "share/sumbench/jube/sumbench.yaml", "include/sumbench/kernel.hpp")
            for rel in in_the_way:
                self.assertIn(str(prefix / rel), out)
            self.assertEqual(snapshot(prefix), before, "a refused install wrote into the prefix")

            for rel in in_the_way:
                (prefix / rel).unlink()
                del mine[rel]
            install(prefix)
            install(prefix)  # a reinstall replaces only its own files
            for rel, text in mine.items():
                self.assertEqual((prefix / rel).read_text(), text, rel)
            record = (prefix / SHARE / "installed-files.txt").read_text()
            self.assertNotIn("extra", record)
            self.assertFalse(list(prefix.rglob("extra.*.pyc")), "the install compiled a foreign module")

            yaml = prefix / SHARE / "jube" / "sumbench.yaml"
            yaml.write_text(yaml.read_text() + "# my change\n")
            self.assertIn(str(yaml), self.install_fails(prefix))
            self.assertTrue(yaml.read_text().endswith("# my change\n"))


if __name__ == "__main__":
    unittest.main()
