"""Issue 22 items 5 and 10 (hardening, second round): what a resumed sweep takes as done.
Black-box: sweep.py runs as a subprocess with the fake sumbench (FAKE_LOG records every
run, FAKE_FILL fills the disk while a point runs); summary.py reads the folder after.

Expected behaviour (the spec for the fix):
Item 5, a point that failed on a full disk is redone, as the design says ("disk full
... the point in flight is redone next time"):
  - sumbench (here the fake, with sumbench's own line "could not write
    --benchmark_out=PATH: No space left on device", exit 1) cannot write raw.json
    because the disk filled up while the point ran: the runner stops with exit 3 and
    one line that names the point's folder, and writes no status.json for that point;
  - after space is freed, the same command redoes the point (sumbench runs it again)
    and ends with exit 0, every point ok.
Item 10, status.json field types are checked on resume:
  - a status.json that says ok but holds a field of the wrong type or out of its
    column's range ({"status": "ok", "cv": "x", "launch_s": "fast"}, a point with
    "ranks": "two", ...) is not a done point: the resume runs it again, exits 0, and
    results.csv is readable by summary.py (on b132564 cv=x went into results.csv and
    report, compare and summary refused the whole folder).
On b132564 the full-disk point is recorded "failed (exit status 1)" and skipped as
"done: failed"; the badly typed status.json counts as done.
"""

import json
import shutil
import unittest

from blackbox import (FAKE_SUMBENCH, HardeningCase, clean_env, read_csv, run, tmp_leftovers,
                      tmpfs)

SMALL = ["--kernels=sum", "--modes=serial,omp", "--workers=1,2", "--repetitions=2", "--seed=1"]
POINT = "sum-serial-r1t1-strong"


class ResumeCase(HardeningCase):
    def sweep(self, out, env=None):
        return run("sweep", f"--sumbench={FAKE_SUMBENCH}", *SMALL, f"--out={out}",
                   env=env or clean_env())

    def runs_of(self, log):
        return [line for line in log.read_text().splitlines() if "--launch-only" not in line]


class Item05DiskFullRedone(ResumeCase):
    """Issue 22 item 5: a point that failed on a full disk is never redone."""

    def test_point_that_failed_on_a_full_disk_is_redone(self):
        with tmpfs(self.tmp, size="1m") as mnt:
            out = mnt / "sweep"
            filler = mnt / ".filler"
            res = self.sweep(out, clean_env(FAKE_FILL=f"{filler}:65536", FAKE_RAW_PAD=262144))
            self.assertNoTraceback(res)
            self.assertEqual(res.rc, 3, "a full disk is a runtime error:" + res.show())
            self.assertOneLine(res, str(out / "points"))
            self.assertEqual(sorted(p.parent.name for p in out.glob("points/*/status.json")), [],
                             "a point that failed on the full disk was recorded as done")
            self.assertEqual(tmp_leftovers(out), [], res.show())
            filler.unlink()
            log = self.tmp / "fake.log"
            log.touch()
            res = self.sweep(out, clean_env(FAKE_LOG=log))
            self.assertEqual(res.rc, 0, "the resume after freeing space:" + res.show())
            counts = json.loads((out / "manifest.json").read_text())["counts"]
            self.assertEqual(counts["ok"], counts["total"], counts)
            self.assertEqual(len(self.runs_of(log)), counts["total"],
                             "not every point ran again:" + res.show())


class Item10StatusFieldTypes(ResumeCase):
    """Issue 22 item 10: status.json field types are not checked on resume."""

    BAD = ({"cv": "x", "launch_s": "fast"}, {"cv": -1.0}, {"unstable": "yes"},
           {"exit_code": "0"}, {"point": {"ranks": "two"}}, {"point_id": 7})

    def test_badly_typed_fields_are_not_done(self):
        base = self.tmp / "base"
        self.assertEqual(self.sweep(base).rc, 0)
        for i, fields in enumerate(self.BAD):
            with self.subTest(fields=fields):
                out = self.tmp / f"s{i}"
                shutil.copytree(base, out, symlinks=True)
                path = out / "points" / POINT / "status.json"
                status = json.loads(path.read_text())
                status.update(fields)
                path.write_text(json.dumps(status) + "\n")
                log = self.tmp / f"fake{i}.log"
                log.touch()
                res = self.sweep(out, clean_env(FAKE_LOG=log))
                self.assertEqual(res.rc, 0, res.show())
                ran = [line for line in self.runs_of(log) if "--modes=serial" in line]
                self.assertEqual(len(ran), 1, f"status.json with {fields} counted as done:"
                                 + res.show())
                rows = [r for r in read_csv(out / "results.csv")[1] if r["point_id"] == POINT]
                self.assertEqual({r["status"] for r in rows}, {"ok"}, rows)
                summary = run("summary", out)
                self.assertEqual(summary.rc, 0, "results.csv refused:" + summary.show())

    def test_guard_a_good_status_is_kept(self):
        out = self.tmp / "good"
        self.assertEqual(self.sweep(out).rc, 0)
        log = self.tmp / "fake.log"
        log.touch()
        res = self.sweep(out, clean_env(FAKE_LOG=log))
        self.assertEqual(res.rc, 0, res.show())
        self.assertEqual(self.runs_of(log), [], "a complete point was run again")


if __name__ == "__main__":
    unittest.main()
