"""sumbench-py's bad input: one line on stderr naming what is wrong, exit status 2, and
nothing written (no --out folder made, a foreign folder left as it was). The function's
own faults are found by the check in the measured interpreter before anything is
written; with --python all an interpreter that cannot import the module is left out."""

import os
import tempfile
import unittest

from pyfunc_helpers import minor, pyenv_versions, read_rows, run

CASES = [  # (arguments before --out, what the one line must say)
    (["nosuch_module_xyz:f"], "module 'nosuch_module_xyz' does not import in Python"),
    (["broken_import:f"], "ImportError: this module needs a library that is not installed"),
    (["funcs:missing"], "funcs has no attribute 'missing'"),
    (["funcs:NOT_A_FUNCTION"], "funcs:NOT_A_FUNCTION is not a function (int)"),
    (["funcs:bad_sig"], "funcs:bad_sig does not take (start, stop): TypeError"),
    (["funcs:raises"], "funcs:raises(0, 1000) raised ValueError: no luck with 1000"),
    (["funcs:loop", "--reduce", "funcs:bad_reduce"],
     "the reducer funcs:bad_reduce failed on [funcs:loop(0, 1000)] = [499500]: RuntimeError: cannot combine"),
    (["funcs:loop", "--reduce", "funcs:two_args"], "the reducer funcs:two_args does not take one list of partials"),
    (["funcs:loop", "--reduce", "nosuchbuiltin"], "'nosuchbuiltin' is no builtin"),
    (["funcs.py:loop"], "give the module's name, not its file: funcs:"),
    (["funcs"], "'funcs' is not MODULE:FUNCTION"),
    (["funcs:loop", "--workers", "0,2"], "--workers=0,2: 0 is out of range"),
    (["funcs:loop", "--workers", "two"], "--workers=two: 'two' is not a whole number"),
    (["funcs:loop", "--workers", "1,,2"], "--workers=1,,2: empty item"),
    (["funcs:loop", "--n", "0"], "--n=0 is not allowed"),
    (["funcs:loop", "--n", "1e6"], "--n=1e6 is not a number"),
    (["funcs:loop", "--models", "gpu"], "--models: unknown model 'gpu'"),
    (["funcs:loop", "--repetitions", "0"], "--repetitions=0 is not allowed"),
    (["funcs:loop", "--python", "9.9"], "--python 9.9: no CPython 9.9 found"),
]


class BadInput(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="pyfunc_bad_")
        self.tmp = self._tmp.name
        self.addCleanup(self._tmp.cleanup)

    def refused(self, args, says, out=None):
        out = out or os.path.join(self.tmp, "out")
        full = args + (["--n", "1000"] if "--n" not in args else []) + ["--out", out]
        proc = run(full, self.tmp)
        lines = proc.stderr.splitlines()
        self.assertEqual(proc.returncode, 2, f"{full}: {proc.stderr}")
        self.assertEqual(len(lines), 1, f"{full}: not one line: {proc.stderr}")
        self.assertTrue(lines[0].startswith("pyfunc.py: error: "), lines[0])
        self.assertIn(says, lines[0])
        return out

    def test_each_bad_input_is_one_line_and_exit_2(self):
        for args, says in CASES:
            with self.subTest(args=args):
                out = self.refused(args, says)
                self.assertFalse(os.path.exists(out), f"{args}: {out} was created")

    def test_a_foreign_folder_is_left_as_it_was(self):
        mine = os.path.join(self.tmp, "mine")
        os.makedirs(mine)
        with open(os.path.join(mine, "notes.txt"), "w") as f:
            f.write("my own notes\n")
        before = os.stat(os.path.join(mine, "notes.txt"))
        self.refused(["funcs:loop"], "not empty and not made by sumbench; refusing", out=mine)
        self.assertEqual(os.listdir(mine), ["notes.txt"])
        self.assertEqual(os.stat(os.path.join(mine, "notes.txt")).st_mtime_ns, before.st_mtime_ns)
        self.refused(["funcs:loop"], "not a folder", out=os.path.join(mine, "notes.txt"))
        self.refused(["funcs:loop", "--report", mine], "--report", out=os.path.join(self.tmp, "new"))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "new")))

    def test_a_named_interpreter_that_cannot_import_it(self):
        two = [v for v in pyenv_versions() if v.startswith("2.7")]
        if not two:
            self.skipTest("needs pyenv's CPython 2.7 (pyenv versions)")
        self.refused(["py3only:loop", "--python", "2.7"],
                     "module 'py3only' does not import in Python 2.7")

    def test_python_all_leaves_such_an_interpreter_out(self):
        present = pyenv_versions()
        if not any(v.startswith("2.7") for v in present) or not any(v.startswith("3.") for v in present):
            self.skipTest("needs pyenv's CPython 2.7 and a 3.x (pyenv versions)")
        out = os.path.join(self.tmp, "out")
        proc = run(["py3only:loop", "--n", "100", "--python", "all", "--models", "serial", "--workers", "1",
                    "--repetitions", "1", "--no-report", "--out", out], self.tmp)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout, r"left out CPython 2\.7\.\d+ \(.*\): module 'py3only' does not import in "
                                      r"Python 2\.7\.\d+: SyntaxError")
        ran = {r["interpreter_version"] for r in read_rows(out)}
        self.assertFalse([v for v in ran if v.startswith("2.")])
        self.assertTrue([v for v in ran if minor(v) >= (3, 6)])


if __name__ == "__main__":
    unittest.main()
