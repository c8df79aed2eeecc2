"""sumbench.catalogue: from the binary, from a sweep folder, and for older folders."""

import json
import unittest

from helpers import EXTRA, SUMBENCH, TempDir, executable
from sumbench.catalogue import Catalogue
from sumbench.errors import InputError, UsageError


class FromBinary(TempDir):
    def test_names_rules_and_the_cpython_modes(self):
        cat = Catalogue.from_sumbench(SUMBENCH, ["--workers=1,2,4"])
        self.assertIn("sum", cat.kernel_names())
        self.assertEqual(cat.reference_of("omp"), cat.doc["reference_mode"])
        self.assertEqual(cat.reference_of("cpython-threads"), "cpython-serial")
        self.assertTrue(cat.is_reference("cpython-serial"))
        self.assertIn("cpython-processes", cat.mode_names("cpython"))
        self.assertNotIn("cpython-processes", cat.mode_names())
        self.assertEqual(cat.layouts("mpi", 4), [(4, 1)])
        self.assertEqual(cat.modes_configured_by("--gil-policy"), ["gil"])
        self.assertEqual(cat.default("--switch-interval"), [0.005])
        self.assertEqual(cat.kernels_of_kind("latency"), ["convoy", "ioconvoy", "ioconvoy2"])

    def test_saved_copy_and_the_migration(self):
        cat = Catalogue.from_sumbench(EXTRA)
        cat.save(self.tmp)
        again = Catalogue.for_folder(self.tmp)
        self.assertEqual(again.doc, cat.doc)
        self.assertIn("xcount", again.kernel_names())
        old = Catalogue.for_folder(self.tmp / "nothing-here")
        self.assertTrue(old.is_legacy)
        self.assertEqual(old.kernel_names(), ["sum", "sleep", "triad", "combine", "convoy"])
        self.assertEqual(old.reference_of("gil"), "serial")
        (self.tmp / "catalogue.json").write_text("{")
        with self.assertRaises(InputError):
            Catalogue.for_folder(self.tmp)

    def test_refusals_are_one_line(self):
        with self.assertRaises(UsageError) as cm:
            Catalogue.from_sumbench(SUMBENCH, ["--workers=2000000"])
        self.assertIn("2000000", str(cm.exception))
        with self.assertRaises(UsageError) as cm:
            Catalogue.from_sumbench(str(self.tmp / "missing"))
        self.assertIn("not an executable", str(cm.exception))
        old = executable(self.tmp / "old", "#!/bin/sh\necho \"sumbench: error: --list takes no value (got '--list=json')\" >&2\nexit 2\n")
        with self.assertRaises(UsageError) as cm:
            Catalogue.from_sumbench(str(old))
        self.assertIn("rebuild", str(cm.exception))
        junk = executable(self.tmp / "junk", "#!/bin/sh\necho hello\n")
        with self.assertRaises(UsageError) as cm:
            Catalogue.from_sumbench(str(junk))
        self.assertIn("no catalogue", str(cm.exception))

    def test_the_figures_take_the_kinds_from_the_catalogue(self):
        from sumbench.report.post_comparison import summary_kernels
        cat = Catalogue.from_sumbench(SUMBENCH)
        self.assertEqual(cat.summary_kinds(), ["cpu-bound", "io-bound"])
        self.assertEqual([k for k, _ in summary_kernels(cat)], ["sum", "sleep"])
        self.assertFalse(cat.has_scaling("convoy"))
        self.assertTrue(cat.has_scaling("triad"))
        # A folder from before the catalogue had kernel_kinds: the kinds of then.
        old = dict(cat.doc)
        del old["kernel_kinds"]
        old = Catalogue(old, "old")
        self.assertEqual(old.summary_kinds(), ["cpu-bound", "io-bound"])
        self.assertFalse(old.has_scaling("convoy"))
        # A new kind whose row does not say why it is left out is in the summary figure.
        doc = json.loads(json.dumps(cat.doc))
        doc["kernel_kinds"].append({"name": "gpu-bound", "summary": "new"})
        doc["kernels"].append(dict(doc["kernels"][0], name="gpu", kind="gpu-bound"))
        new = Catalogue(doc, "new")
        self.assertEqual(new.summary_kinds(), ["cpu-bound", "io-bound", "gpu-bound"])
        self.assertIn("gpu", [k for k, _ in summary_kernels(new)])
        self.assertTrue(new.has_scaling("gpu"))

    def test_a_newer_catalogue_version_is_refused(self):
        (self.tmp / "catalogue.json").write_text(json.dumps({"catalogue_version": 99, "kernels": [],
                                                             "modes": []}))
        with self.assertRaises(InputError):
            Catalogue.for_folder(self.tmp)


if __name__ == "__main__":
    unittest.main()
