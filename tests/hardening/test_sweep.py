"""Issue 10, runners/sweep.py: items 3, 7, 8, 9 (runner side) and 11. Black-box: sweep.py
runs as a subprocess, with a fake sumbench (tests/runners/fake_sumbench.py) or, where
sumbench's own rules matter, the real build/sumbench.

Expected behaviour (the spec for the fix):

Item 3, --out on a folder that is neither empty nor a sweep is refused.
  - A folder that exists, is not empty and is not a sweep folder made by sweep.py (e.g. it
    holds the user's results.csv and a points/junk/ folder, or just notes.txt) is refused:
    exit 2, one line on stderr naming the folder, and nothing in it changes (no sweep.json,
    manifest.json, .lock or point folder is created; the user's files stay byte for byte).
  - An empty existing folder and a folder made by an earlier sweep.py run (resume) are
    accepted as today (guards).

Item 7, a broken point is re-run on resume.
  - On resume, a point whose status.json says "ok" but whose raw.json is truncated, missing
    or holds no benchmark entries is not done: it is run again (the sumbench stand-in is
    called for it), and afterwards results.csv holds its measured rows with status ok.
    Exit 0. The same with --retry-failed.

Item 8, resuming with another sumbench binary or build is refused.
  - sweep.json records the identity of the sumbench binary (at least its content hash;
    the version in its JSON context may be added). Resuming the folder with a different
    --sumbench file (different content) is refused: exit 2, one line naming both binaries
    (the old and the new path), nothing is run, results.csv is unchanged.
  - Resuming with the same path whose content changed (a rebuild) is refused the same way:
    exit 2, one line naming the path.
  - Resuming with the same, unchanged binary works (guard).

Item 9 (runner side), non-positive or non-finite times are invalid points.
  - sumbench exits 0 but raw.json holds real_time <= 0, NaN, inf or 1e-291 ns (1e-300 s):
    the point's status.json says "invalid" with a reason naming the time, its rows in
    results.csv have status invalid (never ok), no traceback, and the sweep exits 1 (some
    point not ok) and does not say "all points ok".

Item 11, bad input to sweep.py: one line, exit 2, nothing created; and no traceback on
broken files or a full or read-only disk.
  - Values that sumbench rejects are rejected by sweep.py before anything is created, with
    and without --dry-run: exit 2, one line naming the value; --out is not created, and the
    dry run prints no plan (no "mpirun -n 2000000"). Examples: --n=99999999999999999999999,
    --workers=2000000, --hybrid=2000000x1, --workers=1,,2, --switch-interval=0.1us and 5000s,
    --extra-args=--bogus.
  - One rule, shared: for a table of values, sweep.py --dry-run exits 2 exactly when
    `sumbench --list FLAG=VALUE` exits 2 (the real build/sumbench decides).
  - An existing sweep folder on a read-only file system: exit 2 (or another non-zero
    status), one line naming the folder, no traceback.
  - Disk full (ENOSPC) at any point of a sweep (the tests try several amounts of free
    space): no traceback, a non-zero exit, at most one line on stderr, and no *.tmp
    file left anywhere under --out.
  - status.json of the wrong JSON type ([] / "ok" / 3) or with an unknown status
    ({"status": "bogus"}, {"status": 5}) is not a done point: it is re-run, exit 0.
  - manifest.json or sweep.json of the wrong JSON type: no traceback; either exit 0 (the
    file is rebuilt) or exit 2 with one line naming the file.
"""

import json
import shutil
import subprocess
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from blackbox import (FAKE_SUMBENCH, HardeningCase, clean_env, fill, make_sweep, read_csv,
                      real_sumbench, run, snapshot, tmp_leftovers, tmpfs)

SMALL = dict(kernels="sum", modes="serial,omp", workers="1,2")
POINT = "sum-serial-r1t1-strong"


def sweep_args(out, sumbench=FAKE_SUMBENCH, **kw):
    opts = dict(SMALL, **kw)
    return [f"--sumbench={sumbench}", f"--kernels={opts['kernels']}",
            f"--modes={opts['modes']}", f"--workers={opts['workers']}", "--repetitions=3",
            "--seed=1", f"--out={out}"]


_MADE: dict = {}   # the sweep arguments -> a folder holding the complete sweep they made


def tearDownModule():
    for base in _MADE.values():
        shutil.rmtree(base, ignore_errors=True)


class SweepCase(HardeningCase):
    def new_sweep(self, name="sweep", **kw) -> Path:
        """A complete sweep folder at tmp/name (SMALL and kw, the fake sumbench): made once
        per set of arguments in this module, then copied (item 11 starts 15 of them; each
        sweep.py run costs about 2 s)."""
        opts = dict(SMALL, **kw)
        key = tuple(sorted(opts.items()))
        if key not in _MADE:
            base = Path(tempfile.mkdtemp(prefix="sumbench-hardening-sweep-"))
            _MADE[key] = base
            res = make_sweep(base / "sweep", **opts)
            self.assertEqual(res.rc, 0, res.show())
        return Path(shutil.copytree(_MADE[key] / "sweep", self.tmp / name, symlinks=True))

    def logged_env(self, **extra):
        log = self.tmp / f"fake-{len(list(self.tmp.glob('fake-*.log')))}.log"
        log.touch()
        return log, clean_env(FAKE_LOG=log, **extra)

    def rows_of(self, out, point):
        return [r for r in read_csv(out / "results.csv")[1] if r["point_id"] == point]


class Item03SweepForeignFolder(SweepCase):
    """Issue 10 item 3: sweep.py overwrites a foreign results.csv and adopts points/junk."""

    def refused(self, out):
        before = snapshot(out)
        res = run("sweep", *sweep_args(out))
        self.assertUsageError(res, str(out))
        self.assertTreeUnchanged(before, out, res)

    def test_folder_with_results_csv_and_points_junk(self):
        out = self.tmp / "foreign"
        (out / "points" / "junk").mkdir(parents=True)
        (out / "points" / "junk" / "status.json").write_text('{"status": "failed"}\n')
        (out / "results.csv").write_text("my,own\ntable,1\n")
        self.refused(out)

    def test_folder_with_a_user_file(self):
        out = self.tmp / "foreign"
        out.mkdir()
        (out / "notes.txt").write_text("mine\n")
        self.refused(out)

    def test_guard_empty_folder_and_resume_are_accepted(self):
        """Guard (passes on 18ebea3)."""
        out = self.tmp / "empty"
        out.mkdir()
        first = run("sweep", *sweep_args(out))
        self.assertEqual(first.rc, 0, first.show())
        again = run("sweep", *sweep_args(out))
        self.assertEqual(again.rc, 0, again.show())


class Item07BrokenPointRerun(SweepCase):
    """Issue 10 item 7: a truncated raw.json in an ok point is never re-run."""

    def check_rerun(self, damage, *flags):
        out = self.new_sweep()
        raw = out / "points" / POINT / "raw.json"
        damage(raw)
        log, env = self.logged_env()
        res = run("sweep", *sweep_args(out), *flags, env=env)
        self.assertNoTraceback(res)
        calls = [c for c in log.read_text().splitlines()
                 if "--modes=serial" in c and "--launch-only" not in c]
        self.assertEqual(len(calls), 1, f"the broken point {POINT} was not run again:"
                         + res.show())
        self.assertEqual(res.rc, 0, res.show())
        rows = self.rows_of(out, POINT)
        self.assertEqual(sorted(r["status"] for r in rows), ["ok"] * 3,
                         f"results.csv rows of {POINT}: {rows}")
        self.assertTrue(all(r["time_s"] for r in rows), rows)

    def test_truncated_raw_json(self):
        self.check_rerun(lambda p: p.write_bytes(p.read_bytes()[:200]))

    def test_truncated_raw_json_retry_failed(self):
        self.check_rerun(lambda p: p.write_bytes(p.read_bytes()[:200]), "--retry-failed")

    def test_missing_raw_json(self):
        self.check_rerun(lambda p: p.unlink())

    def test_raw_json_without_benchmarks(self):
        self.check_rerun(lambda p: p.write_text('{"context": {}, "benchmarks": []}\n'))


class Item08ResumeOtherBinary(SweepCase):
    """Issue 10 item 8: resuming with another --sumbench mixes two builds in one sweep."""

    def setUp(self):
        super().setUp()
        self.bin_a = self.tmp / "bin-a" / "sumbench"
        self.bin_b = self.tmp / "bin-b" / "sumbench"
        for path, tag in ((self.bin_a, "a"), (self.bin_b, "b")):
            path.parent.mkdir()
            path.write_text(FAKE_SUMBENCH.read_text() + f"# build {tag}\n")
            path.chmod(0o755)

    def interrupted_sweep(self, binary):
        out = self.tmp / "sweep"
        res = run("sweep", *sweep_args(out, sumbench=binary))
        self.assertEqual(res.rc, 0, res.show())
        shutil.rmtree(out / "points" / "sum-omp-r1t2-strong")   # as if killed before it ran
        return out

    def test_other_binary_is_refused_naming_both(self):
        out = self.interrupted_sweep(self.bin_a)
        csv_before = (out / "results.csv").read_bytes()
        log, env = self.logged_env(FAKE_VERSION="fake-2")
        res = run("sweep", *sweep_args(out, sumbench=self.bin_b), env=env)
        self.assertUsageError(res, str(self.bin_a), str(self.bin_b))
        self.assertEqual(log.read_text(), "", "a point was run with the other binary")
        self.assertEqual((out / "results.csv").read_bytes(), csv_before)

    def test_rebuilt_binary_is_refused(self):
        out = self.interrupted_sweep(self.bin_a)
        with open(self.bin_a, "a") as f:
            f.write("# rebuilt\n")
        log, env = self.logged_env(FAKE_VERSION="fake-2")
        res = run("sweep", *sweep_args(out, sumbench=self.bin_a), env=env)
        self.assertUsageError(res, str(self.bin_a))
        self.assertEqual(log.read_text(), "", "a point was run with the rebuilt binary")

    def test_guard_same_binary_resumes(self):
        """Guard (passes on 18ebea3)."""
        out = self.interrupted_sweep(self.bin_a)
        res = run("sweep", *sweep_args(out, sumbench=self.bin_a))
        self.assertEqual(res.rc, 0, res.show())
        self.assertTrue((out / "points" / "sum-omp-r1t2-strong" / "status.json").is_file())


class Item09SweepBadTimes(SweepCase):
    """Issue 10 item 9: a raw.json with time <= 0 (exit 0) is recorded as ok."""

    def test_bad_times_are_invalid_points(self):
        for value in ("-5", "0", "nan", "inf", "1e-291"):
            with self.subTest(real_time_ns=value):
                out = self.tmp / f"sweep{value}"
                res = run("sweep", *sweep_args(out, modes="serial"),
                          env=clean_env(FAKE_TIME_NS=value))
                self.assertNoTraceback(res)
                self.assertEqual(res.rc, 1, "a point with real_time " + value + " ns must "
                                 "make the sweep exit 1:" + res.show())
                self.assertNotIn("all 1 points ok", res.stdout)
                status = json.loads((out / "points" / POINT / "status.json").read_text())
                self.assertEqual(status.get("status"), "invalid", status)
                rows = self.rows_of(out, POINT)
                self.assertTrue(rows and all(r["status"] == "invalid" for r in rows), rows)


BAD_VALUES = ["--n=99999999999999999999999", "--workers=2000000", "--hybrid=2000000x1",
              "--workers=1,,2", "--switch-interval=0.1us", "--switch-interval=5000s",
              "--extra-args=--bogus"]


class Item11SweepValues(SweepCase):
    """Issue 10 item 11: values sumbench rejects are accepted, every point then fails."""

    def setUp(self):
        super().setUp()
        self.sumbench = real_sumbench()
        if self.sumbench is None:
            self.skipTest("build/sumbench is not built (set SUMBENCH)")

    def test_rejected_before_anything_is_created(self):
        for value in BAD_VALUES:
            for dry in (True, False):
                if not dry and value.startswith("--hybrid"):
                    continue   # never risk a real mpirun -n 2000000 on the old code
                with self.subTest(value=value, dry_run=dry):
                    out = self.tmp / "out"
                    shutil.rmtree(out, ignore_errors=True)
                    # A real run uses thread modes only and one worker, so that on code
                    # without the check it fails fast and starts no MPI job.
                    modes = "serial,omp,gil,mpi,hybrid" if dry else "omp,gil"
                    workers = [] if value.startswith("--workers") else ["--workers=1"]
                    res = run("sweep", f"--sumbench={self.sumbench}", "--kernels=sum",
                              f"--modes={modes}", *workers, "--repetitions=1", "--quick",
                              "--timeout=30", f"--out={out}", value,
                              *(["--dry-run"] if dry else []), timeout=120)
                    self.assertUsageError(res, value.split("=", 1)[1])
                    self.assertFalse(out.exists(), f"{value}: --out was created:" + res.show())
                    self.assertNotIn("2000000", res.stdout, "the dry run printed a plan")

    def test_one_rule_with_sumbench(self):
        """sweep.py --dry-run exits 2 exactly when sumbench --list exits 2 for a value."""
        # Values only: an --n below the plan's workers is the plan's rule (n >= workers in strong
        # scaling), which --list cannot judge (it builds no cases); test_driver's CASES and
        # test_plan_rule_n_below_workers check sumbench and the runner refuse it.
        table = [("--n", v) for v in ("1048576", "1000", "4611686018427387904", "4611686018427387905",
                                      "99999999999999999999999", "0", "-1", "1.5", "1e6")]
        table += [("--workers", v) for v in ("1", "4096", "1048576", "1048577", "0", "1,,2", "2,x")]
        table += [("--hybrid", v) for v in ("1x1", "2x2", "1024x1024", "1024x1025", "0x2", "3x",
                                            "1x1x1")]
        table += [("--switch-interval", v) for v in ("1us", "500us", "5ms", "3600s", "0.1us",
                                                     "5000s", "0.005", "1e-3s", "0s", "-1ms")]
        table += [("--gil-policy", v) for v in ("cpython", "legacy", "fifo", "none", "bogus")]
        table += [("--extra-args", v) for v in ("--bogus", "--sleep-ms=10", "--gil-tick=0",
                                                "--benchmark_min_time=0.01s")]

        def both(item):
            flag, value = item
            sb_args = [value] if flag == "--extra-args" else [f"{flag}={value}"]
            sb = subprocess.run([self.sumbench, "--list", *sb_args], capture_output=True,
                                text=True, timeout=60)
            sw = run("sweep", f"--sumbench={self.sumbench}", "--kernels=sum",
                     "--modes=serial,omp,gil,mpi,hybrid", "--dry-run",
                     f"--out={self.tmp / 'never'}", f"{flag}={value}", timeout=60)
            return flag, value, sb, sw

        disagree = []
        # sumbench --list waits ~0.4 s in MPI_Init: ask in parallel (little CPU).
        with ThreadPoolExecutor(max_workers=6) as pool:
            for flag, value, sb, sw in pool.map(both, table):
                self.assertNoTraceback(sw)
                if (sb.returncode == 2) != (sw.rc == 2):
                    disagree.append(f"{flag}={value}: sumbench exit {sb.returncode}, sweep.py "
                                    f"exit {sw.rc} ({(sb.stderr or sw.stderr).strip()[:100]})")
        self.assertEqual(disagree, [], "sweep.py and sumbench disagree on what is valid")

    def test_plan_rule_n_below_workers(self):
        """Strong scaling needs n >= workers: the dry run refuses it in one line, as sumbench does."""
        res = run("sweep", f"--sumbench={self.sumbench}", "--kernels=sum", "--modes=omp",
                  "--workers=1,2", "--n=1", "--dry-run", f"--out={self.tmp / 'never'}", timeout=60)
        self.assertUsageError(res, "--n=1")
        self.assertIn("strong scaling needs n >= workers", res.stderr)
        self.assertFalse((self.tmp / "never").exists())


class Item11SweepFiles(SweepCase):
    """Issue 10 item 11: broken status/manifest/sweep JSON, read-only --out, full disk."""

    def test_status_json_wrong_type_or_unknown_status_is_rerun(self):
        for content in ('[]', '"ok"', '3', '{"status": "bogus"}', '{"status": 5}'):
            with self.subTest(status_json=content):
                out = self.new_sweep(f"sweep{len(list(self.tmp.iterdir()))}")
                (out / "points" / POINT / "status.json").write_text(content + "\n")
                log, env = self.logged_env()
                res = run("sweep", *sweep_args(out), env=env)
                self.assertNoTraceback(res)
                self.assertEqual(res.rc, 0, res.show())
                calls = [c for c in log.read_text().splitlines()
                         if "--modes=serial" in c and "--launch-only" not in c]
                self.assertEqual(len(calls), 1, f"status.json {content} counted as done:"
                                 + res.show())
                status = json.loads((out / "points" / POINT / "status.json").read_text())
                self.assertEqual(status.get("status"), "ok")

    def test_manifest_or_sweep_json_wrong_type(self):
        for name in ("manifest.json", "sweep.json"):
            for content in ('[1]', '"x"', 'null', 'true', '3'):
                with self.subTest(file=name, content=content):
                    out = self.new_sweep(f"sweep{len(list(self.tmp.iterdir()))}")
                    (out / name).write_text(content + "\n")
                    res = run("sweep", *sweep_args(out))
                    self.assertNoTraceback(res)
                    self.assertIn(res.rc, (0, 2), res.show())
                    if res.rc == 2:
                        self.assertUsageError(res, name)

    def test_read_only_existing_sweep(self):
        def populate(mnt):
            res = make_sweep(mnt / "sweep", **SMALL)
            self.assertEqual(res.rc, 0, res.show())
            shutil.rmtree(mnt / "sweep" / "points" / POINT)   # something left to do
        with tmpfs(self.tmp, size="4m", readonly=True, populate=populate) as ro:
            out = ro / "sweep"
            res = run("sweep", *sweep_args(out))
            self.assertOneLine(res, str(out))
            self.assertNotEqual(res.rc, 0, res.show())

    def test_disk_full_at_any_point(self):
        for leave_kib in (0, 4, 8, 12, 16, 24, 32, 48):
            with self.subTest(free_kib=leave_kib), \
                    tmpfs(self.tmp, size="512k",
                          populate=lambda m, k=leave_kib: fill(m, k * 1024)) as mnt:
                out = mnt / "sweep"
                res = run("sweep", *sweep_args(out))
                self.assertNoTraceback(res)
                self.assertNotEqual(res.rc, 0, "the disk is full, yet exit 0:" + res.show())
                self.assertLessEqual(len(res.err_lines), 1, "more than one line on stderr:"
                                     + res.show())
                self.assertEqual(tmp_leftovers(mnt), [], "temporary files left:" + res.show())


if __name__ == "__main__":
    unittest.main()
