"""The one atomic writer: the umask honoured, nothing left behind on any failure."""

import errno
import json
import os
import stat
import unittest
from unittest import mock

from helpers import TempDir
from sumbench import io as sbio


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class AtomicWrite(TempDir):
    def test_the_umask_decides_the_mode(self):
        for mask, want in ((0o022, 0o644), (0o027, 0o640), (0o002, 0o664), (0o077, 0o600)):
            old = os.umask(mask)
            try:
                sbio.atomic_write_text(self.tmp / f"f{mask:o}", "x")
                folder = sbio.make_dir_beside(self.tmp / "d", f"d{mask:o}")
            finally:
                os.umask(old)
            self.assertEqual(mode(self.tmp / f"f{mask:o}"), want)
            self.assertEqual(mode(folder), 0o777 & ~mask)

    def test_replaces_and_leaves_no_temporary_file(self):
        path = self.tmp / "a.json"
        sbio.atomic_write_json(path, {"a": 1})
        sbio.atomic_write_json(path, {"a": float("nan"), "b": [float("inf")]})
        self.assertEqual(json.loads(path.read_text()), {"a": None, "b": [None]})
        self.assertEqual(os.listdir(self.tmp), ["a.json"])

    def test_a_full_disk_keeps_the_old_file_and_no_temporary(self):
        path = self.tmp / "results.csv"
        path.write_text("old\n")
        for where in ("os.fsync", "os.replace"):
            with self.subTest(failing=where), \
                    mock.patch(where, side_effect=OSError(errno.ENOSPC, "No space left on device")):
                with self.assertRaises(OSError):
                    sbio.atomic_write_text(path, "new\n")
            self.assertEqual(path.read_text(), "old\n")
            self.assertEqual(os.listdir(self.tmp), ["results.csv"])

    def test_an_interrupt_leaves_no_temporary(self):
        with mock.patch("os.fsync", side_effect=KeyboardInterrupt):
            with self.assertRaises(KeyboardInterrupt):
                sbio.atomic_write_text(self.tmp / "x", "y")
        self.assertEqual(os.listdir(self.tmp), [])

    def test_read_json_object(self):
        (self.tmp / "list.json").write_text("[1]")
        (self.tmp / "bad.json").write_text("{")
        self.assertIsNone(sbio.read_json_object(self.tmp / "list.json"))
        self.assertIsNone(sbio.read_json_object(self.tmp / "bad.json"))
        self.assertIsNone(sbio.read_json_object(self.tmp / "missing.json"))


if __name__ == "__main__":
    unittest.main()
