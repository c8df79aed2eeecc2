"""sumbench --list=json: the catalogue the runners and reports read (docs/DESIGN.md).

Run by CTest with SUMBENCH (the binary) and SUMBENCH_EXTRA (the test-only binary with
one more kernel and mode) in the environment.
"""
import json
import os
import re
import subprocess
import unittest
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[2]
SUMBENCH = os.environ.get("SUMBENCH", "build/sumbench")
EXTRA = os.environ.get("SUMBENCH_EXTRA", "build/tests/core/sumbench_extra")


def catalogue(*args, binary=SUMBENCH):
    proc = subprocess.run([binary, "--list=json", *args], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return json.loads(proc.stdout)


class Catalogue(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cat = catalogue("--workers=1,2,4", "--hybrid=2x2,1x4")
        cls.text = subprocess.run([SUMBENCH, "--list"], capture_output=True, text=True).stdout

    def test_same_names_as_the_text_list(self):
        # One row per kernel, mode and gil policy; a policy's wrapped lines are indented further.
        listed = {line.split()[0] for line in self.text.splitlines()
                  if line.startswith("  ") and not line.startswith("   ")}
        names = {k["name"] for k in self.cat["kernels"]} | {m["name"] for m in self.cat["modes"]} | \
            {p["name"] for p in self.cat["gil_policies"]}
        self.assertEqual(listed, names)
        self.assertEqual(self.cat["reference_mode"], self.cat["modes"][0]["name"])
        self.assertEqual([m["reference"] for m in self.cat["modes"]],
                         [True] + [False] * (len(self.cat["modes"]) - 1))

    def test_gil_parameters_say_what_was_fitted(self):
        params = self.cat["gil_parameters"]
        self.assertEqual({p["policy"] for p in params}, {p["name"] for p in self.cat["gil_policies"]})
        for p in params:
            self.assertIn(p["origin"], ("fitted", "measured", "interpreter default", "chosen"), p)
            self.assertTrue(p["detail"], p)
        tick = next(p for p in params if p["policy"] == "cpython" and p["name"] == "tick")
        self.assertEqual(tick["origin"], "fitted")
        self.assertIn("3.11.7", tick["detail"])   # to what
        self.assertIn("KVM", tick["detail"])      # on which machine
        bytecode = next(p for p in params if p["policy"] == "legacy" and p["name"] == "bytecode")
        self.assertEqual(bytecode["origin"], "measured")
        self.assertIn(f"{self.cat['legacy_bytecode_ns']:g} ns", bytecode["value"])
        for p in params:   # the text list shows each one under its policy
            if p["name"] != "-":
                self.assertIn(f"{p['name']}: {p['value']} [{p['origin']}]", self.text)

    def test_not_reproduced_matches_its_recording(self):
        # Each (policy, figure kind) that the named recording did not pass is listed, with a
        # text, under its policy in --list; and nothing that it passed in every figure is.
        nr = self.cat["gil_not_reproduced"]
        folder = SOURCE_DIR / "bench" / "results" / nr["recording"].split()[0]
        table = json.loads((folder / "points" / "fidelity" / "raw.json").read_text())["table"]
        missed = {(s["policy"], s["kind"]) for s in table if s["outcome"] != "pass"}
        listed = {(m["policy"], m["kind"]) for m in nr["figures"]}
        self.assertEqual(listed, missed)
        for m in nr["figures"]:
            self.assertTrue(m["what"], m)
            self.assertIn(f"not reproduced, {m['kind']}:", self.text)

    def test_kernel_kinds_say_their_figures(self):
        kinds = {k["name"]: k for k in self.cat["kernel_kinds"]}
        self.assertEqual(len(kinds), len(self.cat["kernel_kinds"]))
        for k in self.cat["kernels"]:
            self.assertIn(k["kind"], kinds, k["name"])
        for k in kinds.values():   # a kind is in the summary figure unless it says why not
            self.assertEqual(k["summary_figure"], k["not_in_summary"] == "", k)
            self.assertIsInstance(k["scaling_figures"], bool)
        self.assertEqual([k for k in kinds if kinds[k]["summary_figure"]], ["cpu-bound", "io-bound"])
        self.assertEqual([k for k in kinds if not kinds[k]["scaling_figures"]], ["latency"])

    def test_kernel_rows_are_complete(self):
        for k in self.cat["kernels"]:
            with self.subTest(kernel=k["name"]):
                for key in ("summary", "kind", "item", "validation"):
                    self.assertTrue(k[key], key)
                self.assertIn(k["rate"]["counter"], ("items_per_second", "bytes_per_second"))
                self.assertGreaterEqual(k["tick_elements"], 1)
                for scaling in ("strong", "weak"):
                    self.assertGreaterEqual(k["default_n"][scaling]["value"], 1)
                    self.assertLessEqual(set(k["default_n"][scaling]["inputs"]),
                                         {"quick", "max_workers", "llc_bytes"})

    def test_default_sizes_follow_the_context(self):
        sleep = {k["name"]: k for k in catalogue("--workers=1,2,8")["kernels"]}["sleep"]["default_n"]
        self.assertEqual(sleep["strong"], {"value": 8, "inputs": ["max_workers"]})
        self.assertEqual(sleep["weak"]["value"], 1)
        quick = {k["name"]: k["default_n"]["strong"]["value"] for k in catalogue("--quick")["kernels"]}
        full = {k["name"]: k["default_n"]["strong"]["value"] for k in catalogue()["kernels"]}
        self.assertLess(quick["sum"], full["sum"])

    def test_layouts_are_the_modes_own(self):
        modes = {m["name"]: m for m in self.cat["modes"]}
        layouts = {name: {row["workers"]: row["layouts"] for row in m["layouts"]}
                   for name, m in modes.items()}
        self.assertEqual(layouts["serial"], {1: ["1x1"], 2: ["1x1"], 4: ["1x1"]})
        self.assertEqual(layouts["omp"][4], ["1x4"])
        self.assertEqual(layouts["mpi"][4], ["4x1"])
        self.assertEqual(layouts["hybrid"], {1: [], 2: [], 4: ["2x2", "1x4"]})
        default = {row["workers"]: row["layouts"] for row in
                   {m["name"]: m for m in catalogue("--workers=1,3,4,6")["modes"]}["hybrid"]["layouts"]}
        self.assertEqual(default, {1: ["1x1"], 3: ["1x3"], 4: ["2x2"], 6: ["2x3"]})
        self.assertEqual(modes["mpi"]["kind"], "processes")
        self.assertEqual(modes["omp"]["kind"], "threads")
        self.assertEqual(modes["gil"]["flags"], ["--gil-policy", "--switch-interval", "--check-interval", "--gil-tick"])

    def test_flags_and_normalised_options(self):
        flags = {f["name"]: f for f in self.cat["flags"]}
        self.assertEqual(flags["--kernels"]["choices"], [k["name"] for k in self.cat["kernels"]])
        self.assertEqual(flags["--modes"]["choices"], [m["name"] for m in self.cat["modes"]])
        self.assertEqual(flags["--gil-policy"]["choices"], [p["name"] for p in self.cat["gil_policies"]])
        self.assertEqual((flags["--workers"]["min"], flags["--workers"]["max"]), (1, 2 ** 20))
        self.assertEqual(flags["--switch-interval"]["default"], [0.005])
        self.assertEqual(flags["--kernels"]["default"],
                         [k["name"] for k in self.cat["kernels"] if not k["thread_only"]])
        for spelling in ("5ms", "0.005s", "0.005", "5000us"):
            opts = catalogue(f"--switch-interval={spelling}")["options"]
            self.assertEqual(opts["--switch-interval"], [0.005], spelling)
        self.assertEqual(self.cat["options"]["--hybrid"], ["2x2", "1x4"])
        self.assertEqual([e["code"] for e in self.cat["exit_status"]], [0, 1, 2, 128])

    def test_bad_input_exits_2(self):
        for args in (["--workers=0"], ["--list=xml"], ["--kernels=nope"]):
            proc = subprocess.run([SUMBENCH, "--list=json", *args] if args[0] != "--list=xml"
                                  else [SUMBENCH, *args], capture_output=True, text=True)
            self.assertEqual(proc.returncode, 2, args)
            self.assertEqual(proc.stdout, "")
            self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)


class ExtraRows(unittest.TestCase):
    def test_only_the_test_binary_has_them(self):
        extra = catalogue("--workers=1,2", binary=EXTRA)
        self.assertIn("xcount", [k["name"] for k in extra["kernels"]])
        modes = {m["name"]: m for m in extra["modes"]}
        self.assertEqual({r["workers"]: r["layouts"] for r in modes["xeven"]["layouts"]},
                         {1: [], 2: ["1x2"]})
        normal = catalogue()
        self.assertNotIn("xcount", [k["name"] for k in normal["kernels"]])
        self.assertNotIn("xeven", [m["name"] for m in normal["modes"]])
        # Which binary, and which of its kernels are sumbench's own.
        self.assertEqual({k["name"]: k["builtin"] for k in extra["kernels"]},
                         dict({k["name"]: True for k in normal["kernels"]}, xcount=False))
        self.assertEqual((extra["binary"]["name"], extra["binary"]["builtin_kernels"]), ("sumbench_extra", True))
        self.assertEqual((normal["binary"]["name"], normal["binary"]["builtin_kernels"]), ("sumbench", True))

    def test_kernel_api_version_is_the_documented_one(self):
        """One version: the header's macro, which the binary reports and DESIGN.md documents."""
        header = (SOURCE_DIR / "include" / "sumbench" / "kernel.hpp").read_text()
        macro = int(re.search(r"^#define SUMBENCH_KERNEL_API_VERSION (\d+)$", header, re.M).group(1))
        self.assertEqual(catalogue()["binary"]["kernel_api_version"], macro)
        design = (SOURCE_DIR / "docs" / "DESIGN.md").read_text()
        documented = re.findall(r"kernel API,\s+version (\d+)", design)
        self.assertTrue(documented, "DESIGN.md does not state the kernel API's version")
        self.assertEqual({int(v) for v in documented}, {macro})


if __name__ == "__main__":
    unittest.main()
