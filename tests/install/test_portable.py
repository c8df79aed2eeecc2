"""The portable build for clusters (-DSUMBENCH_NATIVE=OFF, the `portable` preset): no
compile gets -march=native, and sumbench is told it is not a native build (its context
and catalogue say native=false). A configure only: building it again would take minutes;
the native build's keys are checked at run time by test_install."""

from __future__ import annotations

import json
import subprocess
import tempfile
import unittest
from pathlib import Path

from installed import CMAKE, SOURCE_DIR


def configure(build: Path, *options: str) -> list[dict]:
    proc = subprocess.run([CMAKE, "-S", str(SOURCE_DIR), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                           "-DSUMBENCH_TESTS=OFF", *options], capture_output=True, text=True, timeout=240)
    if proc.returncode != 0:
        raise AssertionError(f"configure failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads((build / "compile_commands.json").read_text())


def command_of(commands: list[dict], source: str) -> str:
    found = [c for c in commands if c["file"].endswith(source)]
    assert found, f"no compile command for {source}"
    return found[0].get("command") or " ".join(found[0]["arguments"])


class Portable(unittest.TestCase):
    def test_no_march_native(self):
        with tempfile.TemporaryDirectory(prefix="sumbench-portable-") as tmp:
            commands = configure(Path(tmp) / "portable", "-DSUMBENCH_NATIVE=OFF")
            # What sumbench is built from; bench/'s plain-loop reference is -march=native
            # on purpose (bench/CMakeLists.txt) and is never installed.
            shipped = [c for c in commands if Path(c["file"]).parts[-2] in ("kernels", "modes", "driver")]
            self.assertGreater(len(shipped), 20)
            for c in shipped:
                self.assertNotIn("-march=native", c.get("command") or " ".join(c["arguments"]), c["file"])
            main = command_of(commands, "driver/main.cpp")
            self.assertIn("-DSUMBENCH_NATIVE=0", main)
            self.assertIn('-DSUMBENCH_ARCH_FLAGS=\\"\\"', main)

    def test_native_default(self):
        with tempfile.TemporaryDirectory(prefix="sumbench-native-") as tmp:
            commands = configure(Path(tmp) / "native")
            main = command_of(commands, "driver/main.cpp")
            self.assertIn("-march=native", main)
            self.assertIn("-DSUMBENCH_NATIVE=1", main)
            self.assertIn("-march=native", command_of(commands, "kernels/sum.cpp"))


if __name__ == "__main__":
    unittest.main()
