"""Every command follows its ecosystem: --version, the name it was started as in its
messages, and its exit codes at the end of --help. Each command is run as itself
(runners/NAME.py, reports/NAME.py, slurm/NAME.py: links to python/entry.py) and through a
link named as the installation names it (bin/sumbench-...). The commands come from one
table (sumbench.commands): every link in those folders is a row of it, and back."""

import os
import subprocess
import sys
import tempfile
import unittest

from sumbench.commands import COMMANDS, ENTRY

SOURCE = os.environ.get("SUMBENCH_SOURCE_DIR") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))


def version():
    with open(os.path.join(SOURCE, "VERSION"), encoding="utf-8") as fh:
        return fh.read().strip()


def run(path, *args):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}   # the script finds its package
    return subprocess.run([sys.executable, path, *args], capture_output=True, text=True, timeout=120,
                          env=env, stdin=subprocess.DEVNULL)


class Conventions(unittest.TestCase):
    def test_one_table_one_entry_script(self):
        self.assertEqual([n for n in os.listdir(os.path.join(SOURCE, "python")) if n.endswith(".py")], [ENTRY])
        entry = os.path.join(SOURCE, "python", ENTRY)
        links = set()
        for folder in ("runners", "reports", "slurm"):
            for name in os.listdir(os.path.join(SOURCE, folder)):
                path = os.path.join(SOURCE, folder, name)
                if name.endswith(".py"):
                    self.assertTrue(os.path.islink(path), f"{folder}/{name} is not a link to python/{ENTRY}")
                    self.assertEqual(os.readlink(path), f"../python/{ENTRY}", path)
                    links.add(f"{folder}/{name}")
        self.assertEqual(links, {c.path for c in COMMANDS})
        installed = [c.installed for c in COMMANDS if c.installed]
        self.assertEqual(len(installed), len(set(installed)))
        for c in COMMANDS:   # the function each row names exists
            module, function = c.target.split(":")
            self.assertTrue(callable(getattr(__import__(module, fromlist=[function]), function)), c.target)
        with open(os.path.join(SOURCE, "CMakeLists.txt"), encoding="utf-8") as fh:
            cmake = fh.read()
        for c in COMMANDS:   # CMake reads the table (entry.py --cmake); it keeps no list of its own
            self.assertNotIn(os.path.basename(c.path), cmake, "CMakeLists.txt names a command")
        proc = run(entry, "--cmake")
        self.assertEqual(proc.stdout.strip(), ";".join(f"{c.path}={c.installed or ''}" for c in COMMANDS))

    def test_entry_script_alone(self):
        entry = os.path.join(SOURCE, "python", ENTRY)
        listed = run(entry, "--list")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        for c in COMMANDS:
            self.assertIn(c.path, listed.stdout)
        for args in ((), ("--bogus",), ("sweep",)):
            proc = run(entry, *args)
            self.assertEqual(proc.returncode, 2, args)
            self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
            self.assertTrue(proc.stderr.startswith(f"{ENTRY}: error: "), proc.stderr)
            self.assertIn("runners/sweep.py", proc.stderr)
        with tempfile.TemporaryDirectory() as tmp:   # a link under a name the table does not know
            link = os.path.join(tmp, "sweep2.py")
            os.symlink(entry, link)
            proc = run(link, "--version")
            self.assertEqual(proc.returncode, 2)
            self.assertTrue(proc.stderr.startswith("sweep2.py: error: "), proc.stderr)
            self.assertIn("names no sumbench command", proc.stderr)
            chained = os.path.join(tmp, "mine")   # a user's link to a command's link
            os.symlink(os.path.join(SOURCE, "runners", "tidy.py"), chained)
            self.assertEqual(run(chained, "--version").stdout, f"tidy.py (sumbench) {version()}\n")

    def test_version_help_and_name_as_the_script(self):
        for c in COMMANDS:
            script = os.path.basename(c.path)
            with self.subTest(script=c.path):
                path = os.path.join(SOURCE, c.path)
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
            for c in COMMANDS:
                command = c.installed
                if not command:
                    continue
                with self.subTest(command=command):
                    link = os.path.join(tmp, command)
                    os.symlink(os.path.join(SOURCE, "python", ENTRY), link)
                    proc = run(link, "--version")
                    self.assertEqual(proc.stdout, f"{command} (sumbench) {version()}\n", proc.stderr)
                    self.assertTrue(run(link, "--help").stdout.startswith(f"usage: {command}"))
                    proc = run(link, "--no-such-flag")
                    self.assertEqual(proc.returncode, 2)
                    self.assertTrue(proc.stderr.startswith(f"{command}: error: "), proc.stderr)


if __name__ == "__main__":
    unittest.main()
