"""sumbench.topology's checks of HWLOC_SYNTHETIC / HWLOC_XMLFILE (issue 22, item 9): the
runner refuses, before any process is started, what sumbench refuses before MPI starts,
with sumbench's own line; and it never plans on this machine while one of them is set."""

import json
import os
import subprocess
import unittest
from unittest import mock

from helpers import SUMBENCH, TempDir
from sumbench import topology
from sumbench.catalogue import Catalogue
from sumbench.errors import UsageError

# (description, hardware threads as sumbench and hwloc read it)
DESCRIPTIONS = [("pack:2 core:16 pu:2", 64), ("pack:4 core:128 pu:2", 1024), ("pack:4 core:128 pu:4", 2048),
                ("pack:100000 core:100000 pu:2", 20000000000), ("2 4 0x10", 128), ("pack:2 core:010 pu:2", 32),
                ("pack:2 core:0x101 pu:2", 1028), ("(memory=1GB) pack:2 [numa(memory=1GB)] core:16 pu:2", 64),
                ("pack:2(memory=1GB indexes=0,1) core:512 pu:2", 2048)]


def sumbench_line(env):
    """sumbench's one line for a topology input, or None when it takes it."""
    proc = subprocess.run([SUMBENCH, "--list=json"], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **env))
    if proc.returncode == 0:
        return None
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
    return proc.stderr.strip().split("sumbench: error: ", 1)[1]


def python_line(env):
    try:
        topology.check_input(env)
    except UsageError as e:
        return str(e)
    return None


class Limits(unittest.TestCase):
    def test_limits_are_sumbenchs(self):
        t = Catalogue.from_sumbench(SUMBENCH).doc["topology"]
        self.assertEqual((topology.MAX_PUS, topology.MAX_XML_BYTES), (t["max_pus"], t["max_xml_bytes"]))

    def test_size_as_sumbench_reads_it(self):
        """Refused by size on both sides alike, with the same line."""
        for desc, pus in DESCRIPTIONS:
            with self.subTest(desc=desc):
                self.assertEqual(topology.synthetic_pus(desc), pus)
                env = {"HWLOC_SYNTHETIC": desc}
                mine, theirs = python_line(env), sumbench_line(env)
                self.assertEqual(mine, theirs if pus > topology.MAX_PUS else None)
                self.assertEqual(theirs is None, pus <= topology.MAX_PUS, theirs)

    def test_order_and_empty_values(self):
        self.assertEqual(topology.asked({"HWLOC_SYNTHETIC": "x", "HWLOC_XMLFILE": "y"}), ("HWLOC_SYNTHETIC", "x"))
        self.assertEqual(topology.asked({"HWLOC_SYNTHETIC": "", "HWLOC_XMLFILE": "y"}), ("HWLOC_XMLFILE", "y"))
        self.assertIsNone(topology.asked({"HWLOC_SYNTHETIC": "", "HWLOC_XMLFILE": ""}))


class XmlFiles(TempDir):
    def test_files_refused_as_sumbench_refuses_them(self):
        fifo = self.tmp / "fifo.xml"
        os.mkfifo(fifo)
        big = self.tmp / "big.xml"
        with open(big, "wb") as f:
            f.truncate(topology.MAX_XML_BYTES + 1)
        for path in (self.tmp / "missing.xml", self.tmp, fifo, big):
            with self.subTest(path=path):
                env = {"HWLOC_XMLFILE": str(path)}
                mine = python_line(env)
                self.assertIsNotNone(mine)
                self.assertEqual(mine, sumbench_line(env))

    def test_what_hwloc_cannot_load_is_left_to_sumbench(self):
        bad = self.tmp / "bad.xml"
        bad.write_text("<topology")
        env = {"HWLOC_XMLFILE": str(bad)}
        self.assertIsNone(python_line(env), "a readable file: hwloc decides")
        self.assertIn(f"HWLOC_XMLFILE='{bad}'", sumbench_line(env))


class Detect(unittest.TestCase):
    """detect() never plans on this machine while a topology is asked for."""

    THIS_SYSTEM = {"topology": {"packages": 1, "numa_nodes": 1, "cores": 2, "pus": 2, "allowed_cores": 2,
                                "allowed_pus": 2, "source": "this system", "this_system": True}}

    def test_a_sumbench_that_ignored_it(self):  # b132564: a note, and the plan for this machine
        with mock.patch.dict(os.environ, {"HWLOC_SYNTHETIC": "garbage"}):
            with self.assertRaises(UsageError) as caught:
                topology.detect(self.THIS_SYSTEM)
        self.assertIn("HWLOC_SYNTHETIC='garbage' was not taken by this sumbench's hwloc", str(caught.exception))

    def test_taken(self):
        proc = subprocess.run([SUMBENCH, "--list=json"], capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, HWLOC_SYNTHETIC="pack:2 core:4 pu:2"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = json.loads(proc.stdout)
        with mock.patch.dict(os.environ, {"HWLOC_SYNTHETIC": "pack:2 core:4 pu:2"}):
            t = topology.detect(doc)
        self.assertEqual((t.cores, t.pus, t.allowed_cores), (8, 16, 8))

    def test_without_a_catalogue_lstopo_reads_the_input_itself(self):
        if not topology.shutil.which("lstopo-no-graphics"):
            self.skipTest("lstopo-no-graphics not installed (apt-get install hwloc)")
        with mock.patch.dict(os.environ, {"HWLOC_SYNTHETIC": "pack:2 core:4 pu:2"}):
            t = topology.detect()
        self.assertEqual((t.cores, t.pus, t.allowed_cores), (8, 16, 8))
        with mock.patch.dict(os.environ, {"HWLOC_SYNTHETIC": "garbage"}):
            with self.assertRaises(UsageError) as caught:
                topology.detect()
        self.assertIn("HWLOC_SYNTHETIC='garbage' is not a topology hwloc can load", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
