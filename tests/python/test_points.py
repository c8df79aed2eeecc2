"""The point folder: one status.json writer, one reader for every shape ever written."""

import json
import unittest

from helpers import BENCH_FOLDER, TempDir
from sumbench import points, tidy_table


class Status(TempDir):
    def test_write_then_read(self):
        written = points.write_status(self.tmp, point_id="p", status="ok", wall_s=1.5,
                                      load_before=[0.1, 0.2, 0.3])
        self.assertEqual(points.load_status(self.tmp), (written, None))
        # An ok point is complete only with its measurements (issue 10, item 7).
        self.assertIsNone(points.read_status(self.tmp))
        (self.tmp / points.RAW).write_text(json.dumps({"benchmarks": [
            {"name": "sum/serial", "real_time": 1e6, "time_unit": "ns"}]}))
        self.assertEqual(points.read_status(self.tmp), written)
        self.assertEqual(list(written), list(points.STATUS_FIELDS))
        with self.assertRaises(TypeError):
            points.make_status(bogus=1)
        with self.assertRaises(ValueError):
            points.make_status(status="bogus")

    def test_a_file_that_is_not_a_status_is_not_done(self):
        for text in ('{"status": "bogus"}', "[1]", "{", '"ok"'):
            (self.tmp / "status.json").write_text(text)
            status, problem = points.load_status(self.tmp)
            self.assertIsNone(status, text)
            self.assertTrue(problem, text)
            # ... and results.csv shows it as failed rather than dropping it.
            [row] = tidy_table.rows_for_point(self.tmp)
            self.assertEqual(row["status"], "failed")
        (self.tmp / "status.json").unlink()
        self.assertEqual(points.load_status(self.tmp), (None, None))
        self.assertEqual(tidy_table.rows_for_point(self.tmp), [])

    def test_older_shapes(self):
        (self.tmp / "status.json").write_text(json.dumps({  # the Slurm combine's job point
            "point_id": "slurm-job-7", "status": "failed", "exit_code": 1, "reason": "ended FAILED",
            "slurm_job_id": "7", "slurm_state": "FAILED", "record": "final", "point": {"nodes": 2}}))
        status = points.read_status(self.tmp)
        self.assertEqual(status["detail"], {"slurm_job_id": "7", "slurm_state": "FAILED", "record": "final"})
        self.assertEqual(status["point"], {"nodes": 2})
        self.assertEqual(status["schema_version"], points.STATUS_VERSION)

    def test_the_committed_baseline_folder(self):
        dirs = points.point_dirs(BENCH_FOLDER)
        self.assertEqual(len(dirs), 20)
        for d in dirs:
            status = points.read_status(d)
            self.assertIsNotNone(status, d)
            self.assertEqual(status["source"], "cpython")
            self.assertIsInstance(status["load_before"], list)
            self.assertIsInstance(status["unstable"], bool)
            self.assertTrue(tidy_table.rows_for_point(d))

    def test_write_command(self):
        points.write_command(self.tmp, ["mpirun", "-n", "2", "a b"], {"OMP_NUM_THREADS": "1"})
        self.assertEqual((self.tmp / "command.txt").read_text(), "OMP_NUM_THREADS=1 mpirun -n 2 'a b'\n")
        self.assertEqual(json.loads((self.tmp / "command.json").read_text())["argv"][-1], "a b")


if __name__ == "__main__":
    unittest.main()
