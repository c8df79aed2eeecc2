"""Every command follows its ecosystem: --version, the name it was started as in its
messages, and its exit codes at the end of --help. Each entry script is run as itself
(python/NAME.py) and through a link named as the installation names it (bin/sumbench-...)."""

import os
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ.get("SUMBENCH_SOURCE_DIR") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
# entry script -> the command cmake --install links to it (CMakeLists.txt); slurm_job.py has none
COMMANDS = {"sweep.py": "sumbench-sweep", "report.py": "sumbench-report", "compare.py": "sumbench-compare",
            "cpython_baseline.py": "sumbench-baseline", "submit_sweep.py": "sumbench-submit",
            "tidy.py": "sumbench-tidy", "summary.py": "sumbench-summary", "fidelity.py": "sumbench-fidelity",
            "pyfunc.py": "sumbench-py", "slurm_job.py": None}


def version():
    with open(os.path.join(SOURCE, "VERSION"), encoding="utf-8") as fh:
        return fh.read().strip()


def run(path, *args):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}   # the script finds its package
    return subprocess.run([sys.executable, path, *args], capture_output=True, text=True, timeout=120,
                          env=env, stdin=subprocess.DEVNULL)


class Conventions(unittest.TestCase):
    def test_every_entry_script_is_checked(self):
        found = {n for n in os.listdir(os.path.join(SOURCE, "python")) if n.endswith(".py")}
        self.assertEqual(found, set(COMMANDS))
        with open(os.path.join(SOURCE, "CMakeLists.txt"), encoding="utf-8") as fh:
            cmake = fh.read()
        for script, command in COMMANDS.items():
            if command:
                self.assertIn(f"{script}={command}", cmake)

    def test_version_help_and_name_as_the_script(self):
        for script in COMMANDS:
            with self.subTest(script=script):
                path = os.path.join(SOURCE, "python", script)
                proc = run(path, "--version")
                self.assertEqual((proc.returncode, proc.stdout), (0, f"{script} (sumbench) {version()}\n"),
                                 proc.stderr)
                proc = run(path, "--help")
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertTrue(proc.stdout.startswith(f"usage: {script}"), proc.stdout[:200])
                flat = " ".join(proc.stdout.split())
                self.assertIn("exit status: 0 ", flat)
                for code in ("2 usage error", "3 runtime error", "130/143 interrupted"):
                    self.assertIn(code, flat)
                proc = run(path, "--no-such-flag")
                self.assertEqual(proc.returncode, 2)
                self.assertTrue(proc.stderr.startswith(f"{script}: error: "), proc.stderr)

    def test_the_name_it_was_started_as(self):
        with tempfile.TemporaryDirectory() as tmp:
            for script, command in COMMANDS.items():
                if not command:
                    continue
                with self.subTest(command=command):
                    link = os.path.join(tmp, command)
                    os.symlink(os.path.join(SOURCE, "python", script), link)
                    proc = run(link, "--version")
                    self.assertEqual(proc.stdout, f"{command} (sumbench) {version()}\n", proc.stderr)
                    self.assertTrue(run(link, "--help").stdout.startswith(f"usage: {command}"))
                    proc = run(link, "--no-such-flag")
                    self.assertEqual(proc.returncode, 2)
                    self.assertTrue(proc.stderr.startswith(f"{command}: error: "), proc.stderr)


if __name__ == "__main__":
    unittest.main()
