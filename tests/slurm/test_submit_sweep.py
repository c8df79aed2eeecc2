#!/usr/bin/env python3
"""slurm/submit_sweep.py without a cluster: --dry-run, usage errors, and --combine on
hand-made job folders, with fake sacct/scontrol/squeue on PATH that know nothing
(as after MinJobAge with no accounting), so states come from each job's slurm.json."""

from __future__ import annotations

import csv
import json
import os
import shlex
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SRC = Path(os.environ.get("SUMBENCH_SOURCE_DIR") or Path(__file__).resolve().parents[2])
SUBMIT = SRC / "slurm" / "submit_sweep.py"
PY = os.environ.get("SUMBENCH_PYTHON") or sys.executable


def run(args, env=None, check=False):
    proc = subprocess.run([PY, str(SUBMIT)] + args, capture_output=True, text=True,
                          env=env, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


class DryRun(unittest.TestCase):
    def test_plan(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "sweep"
            p = run(["--dry-run", "--nodes", "1,2,4,8", "--layouts", "2x1,1x2", "--scaling", "both",
                     "-p", "part", "-A", "acct", "--sweep-args", "--kernels=sum --quick",
                     "--out", str(out)], check=True)
            lines = [l for l in p.stdout.splitlines() if " sbatch " in f" {l}"]
            self.assertEqual(len(lines), 9, p.stdout)           # 4 x 2 jobs + combine
            self.assertFalse(out.exists(), "a dry run must not create the sweep folder")
            first = shlex.split(lines[0])
            env = dict(w.split("=", 1) for w in first if "=" in w and not w.startswith("-")
                       and w.split("=", 1)[0].isupper())
            self.assertIn("--nodes=1", first)
            self.assertIn("--ntasks-per-node=2", first)
            self.assertIn("--cpus-per-task=1", first)
            self.assertIn("--partition=part", first)
            self.assertIn("--account=acct", first)
            self.assertTrue(first[-1].endswith("slurm/sumbench.sbatch"))
            self.assertEqual(env["SUMBENCH_RESULTS"], str(out))
            self.assertEqual(shlex.split(env["SUMBENCH_SWEEP_ARGS"]),
                             ["--modes=mpi,hybrid", "--workers=2", "--hybrid=2x1",
                              "--scaling=both", "--kernels=sum", "--quick"])
            eight = [l for l in lines if "--nodes=8" in l and "--cpus-per-task=2" in l]
            self.assertEqual(len(eight), 1)
            self.assertIn("--workers=8 --hybrid=8x2", eight[0])
            combine = shlex.split(lines[-1])
            self.assertIn("--dependency=afterany:<job1>:<job2>:<job3>:<job4>:<job5>:<job6>:<job7>:<job8>",
                          combine)
            self.assertTrue(combine[-1].endswith("slurm/combine.sbatch"))

    def test_usage_errors(self):
        for args in (["--layouts", "2y1"], ["--nodes", "0"], ["--nodes", "a"],
                     ["--scaling", "sideways"], ["--layouts", "0x2"]):
            p = run(["--dry-run"] + args)
            self.assertEqual(p.returncode, 2, (args, p.stdout, p.stderr))
            self.assertIn("error", p.stderr)


class Deadline(unittest.TestCase):
    """Every benchmark job gets --deadline (time limit + --deadline-margin), so that a
    job whose nodes stay down ends DEADLINE and the afterany combine job runs."""

    def plan(self, *args):
        with tempfile.TemporaryDirectory() as tmp:
            p = run(["--dry-run", "--nodes", "1,2", "--layouts", "1x1",
                     "--out", str(Path(tmp) / "s"), *args])
        lines = [shlex.split(l) for l in p.stdout.splitlines() if " sbatch " in f" {l}"]
        return p, lines

    def deadlines(self, lines):
        return [[w for w in argv if w.startswith("--deadline")] for argv in lines]

    def test_default_margin(self):
        import time as _time
        before = _time.time()
        p, lines = self.plan("--time", "00:10:00", "--deadline-margin", "2:00:00")
        self.assertEqual(p.returncode, 0, p.stderr)
        found = self.deadlines(lines)
        self.assertEqual([len(d) for d in found], [1, 1, 0], found)  # not the combine job
        at = _time.mktime(_time.strptime(found[0][0].split("=", 1)[1], "%Y-%m-%dT%H:%M:%S"))
        self.assertAlmostEqual(at - before, 600 + 7200, delta=60)
        self.assertIn("deadline ", p.stdout)

    def test_none_and_own(self):
        p, lines = self.plan("--deadline-margin", "none")
        self.assertEqual((p.returncode, self.deadlines(lines)), (0, [[], [], []]), p.stderr)
        self.assertIn("no deadline", p.stdout)
        p, lines = self.plan("--sbatch-args=--deadline=now+3hours")
        self.assertEqual(self.deadlines(lines)[:2], [["--deadline=now+3hours"]] * 2, p.stdout)

    def test_bad_margin(self):
        for bad in ("soon", "-5", "1:2:3:4"):
            p, lines = self.plan("--deadline-margin", bad)
            self.assertEqual(p.returncode, 2, (bad, p.stdout, p.stderr))
            self.assertIn(f"--deadline-margin={bad}", p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)


def write_job(sweep: Path, job_id: str, state: str | None, exit_code: int, points: dict):
    d = sweep / f"slurm-{job_id}"
    (d / "points").mkdir(parents=True)
    if state is not None:
        finished = None if state == "RUNNING" else "2026-01-01T00:00:10Z"
        (d / "slurm.json").write_text(json.dumps({
            "job_id": job_id, "state": state, "exit_code": exit_code if finished else None,
            "finished": finished, "nodes": 1}))
    for pid, status in points.items():
        p = d / "points" / pid
        p.mkdir()
        kernel, mode = pid.split("-")[:2]
        raw = {"context": {"hosts": "h1", "nodes": "1", "scaling": "strong"},
               "benchmarks": [{"name": f"{kernel}/{mode}/ranks:2/threads:1/n:1000/manual_time",
                               "run_name": f"{kernel}/{mode}/ranks:2/threads:1/n:1000",
                               "run_type": "iteration", "repetition_index": 0, "real_time": 1.0,
                               "time_unit": "ms", "ranks": 2, "threads": 1, "workers": 2,
                               "n": 1000, "nodes": 1, "valid": 1}]}
        if status == "ok":
            (p / "raw.json").write_text(json.dumps(raw))
        (p / "status.json").write_text(json.dumps({"point_id": pid, "status": status,
                                                   "exit_code": 0 if status == "ok" else 1,
                                                   "point": {"kernel": kernel, "mode": mode}}))


class Combine(unittest.TestCase):
    def test_states_from_slurm_json(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            bin_dir = tmp / "bin"
            bin_dir.mkdir()
            for tool in ("sacct", "scontrol", "squeue"):
                f = bin_dir / tool
                f.write_text("#!/bin/sh\necho \"$0: no such job\" >&2\nexit 1\n")
                f.chmod(0o755)
            sweep = tmp / "sweep"
            sweep.mkdir()
            jobs = []
            for job_id, name in (("11", "N1-2x1"), ("12", "N2-2x1"), ("13", "N4-2x1"), ("14", "N8-2x1")):
                jobs.append({"job_id": job_id, "name": name, "nodes": 1, "layout": "2x1",
                             "ranks_per_node": 2, "threads": 1, "scaling": "strong",
                             "command": f"sbatch {name}"})
            (sweep / "submit.json").write_text(json.dumps({"jobs": jobs, "submitted": "x"}))
            write_job(sweep, "11", "COMPLETED", 0, {"sum-mpi-r2t1-strong": "ok"})
            write_job(sweep, "12", "FAILED", 1, {"sum-mpi-r2t1-strong": "ok",
                                                 "triad-mpi-r2t1-strong": "invalid"})
            write_job(sweep, "13", "RUNNING", 0, {"sum-mpi-r2t1-strong": "ok"})  # killed hard
            # 14: never ran, no folder
            env = dict(os.environ, PATH=f"{bin_dir}:{os.environ.get('PATH', '')}")
            p = run(["--combine", str(sweep)], env=env)
            report_ok = p.returncode == 0
            if not report_ok:  # only the report may fail here (no matplotlib)
                self.assertIn("report.py failed", p.stderr, p.stdout + p.stderr)
            doc = json.loads((sweep / "jobs.json").read_text())
            by = {j["job_id"]: j for j in doc["jobs"]}
            self.assertEqual((by["11"]["state"], by["11"]["state_source"], by["11"]["record"]),
                             ("COMPLETED", "slurm.json", "final"))
            self.assertEqual((by["12"]["state"], by["12"]["record"]), ("FAILED", "final"))
            self.assertEqual((by["13"]["state"], by["13"]["record"]), ("UNKNOWN", "start-only"))
            self.assertEqual((by["14"]["state"], by["14"]["record"]), ("UNKNOWN", "missing"))
            self.assertEqual(sorted(doc["not_completed"]), ["12", "13", "14"])
            with open(sweep / "results.csv", newline="") as f:
                rows = list(csv.DictReader(f))
            self.assertEqual(len(rows), 4)  # 1 + 2 (one failed row) + 1: partial results kept
            self.assertEqual(sorted(r["status"] for r in rows), ["invalid", "ok", "ok", "ok"])
            # Point ids carry the job; each names a link to the job's point folder.
            self.assertEqual(sorted(r["point_id"] for r in rows),
                             ["j11-sum-mpi-r2t1-strong", "j12-sum-mpi-r2t1-strong",
                              "j12-triad-mpi-r2t1-strong", "j13-sum-mpi-r2t1-strong"])
            for r in rows:
                link = sweep / "points" / r["point_id"]
                self.assertTrue(link.is_symlink() and (link / "status.json").is_file(), link)
            # Jobs that did not complete appear as failed "points" for the report.
            for jid in ("12", "13", "14"):
                st = json.loads((sweep / "points" / f"slurm-job-{jid}" / "status.json").read_text())
                self.assertEqual(st["status"], "failed")
                self.assertIn(f"Slurm job {jid}", st["reason"])
            self.assertFalse((sweep / "points" / "slurm-job-11").exists())
            with open(sweep / "jobs.csv") as f:
                self.assertEqual(len(list(csv.DictReader(f))), 4)
            if report_ok:
                self.assertTrue((sweep / "report" / "index.html").is_file())


class CombineRequeued(unittest.TestCase):
    """jobs.csv says how a requeued job ended: restarts, cause (from its attempts'
    records and from Slurm), and a DEADLINE job is said to have ended so."""

    def test_restarts_and_cause(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            bin_dir = tmp / "bin"
            bin_dir.mkdir()
            (bin_dir / "scontrol").write_text(
                "#!/bin/sh\ncase \"$*\" in *22*) echo 'JobId=22 JobName=b JobState=DEADLINE "
                "Reason=DeadLine Requeue=1 Restarts=1 ExitCode=0:1 Deadline=2026-01-01T01:00:00'; "
                "exit 0;; esac\necho no such job >&2; exit 1\n")
            for tool in ("sacct", "squeue"):
                (bin_dir / tool).write_text("#!/bin/sh\nexit 1\n")
            for f in bin_dir.iterdir():
                f.chmod(0o755)
            sweep = tmp / "sweep"
            sweep.mkdir()
            jobs = [{"job_id": j, "name": j, "nodes": 2, "layout": "1x1", "ranks_per_node": 1,
                     "threads": 1, "scaling": "strong", "command": f"sbatch --nodes=2 job{j}"}
                    for j in ("21", "22")]
            (sweep / "submit.json").write_text(json.dumps({"jobs": jobs, "submitted": "x"}))
            write_job(sweep, "21", "COMPLETED", 0, {"sum-mpi-r2t1-strong": "ok"})
            write_job(sweep, "22", "REQUEUED", 0, {})
            tried = [{"attempt": 0, "state": "REQUEUED", "cause": "NODE_FAIL",
                      "reason": "JOB 21 ON n1 CANCELLED AT x DUE TO NODE FAILURE"},
                     {"attempt": 1, "state": "COMPLETED", "cause": ""}]
            for jid, att in (("21", tried), ("22", tried[:1])):
                f = sweep / f"slurm-{jid}" / "slurm.json"
                doc = json.loads(f.read_text())
                doc.update(attempts=att, attempt=len(att) - 1)
                f.write_text(json.dumps(doc))
            env = dict(os.environ, PATH=f"{bin_dir}:{os.environ.get('PATH', '')}")
            p = run(["--combine", str(sweep)], env=env)
            with open(sweep / "jobs.csv", newline="") as f:
                rows = {r["job_id"]: r for r in csv.DictReader(f)}
            self.assertEqual({k: rows["21"][k] for k in ("state", "restarts", "cause")},
                             {"state": "COMPLETED", "restarts": "1", "cause": "NODE_FAIL"})
            self.assertIn("completed after 1 restart(s) (NODE_FAIL)", rows["21"]["note"])
            self.assertEqual({k: rows["22"][k] for k in ("state", "restarts", "cause", "deadline")},
                             {"state": "DEADLINE", "restarts": "1", "cause": "NODE_FAIL;DEADLINE",
                              "deadline": "2026-01-01T01:00:00"})
            self.assertIn("DeadLine", rows["22"]["reason"])
            self.assertIn("job 22 ended DEADLINE", p.stderr + p.stdout)
            manifest = json.loads((sweep / "manifest.json").read_text())
            self.assertEqual([j["facts"]["attempts"] for j in manifest["slurm_jobs"]],
                             [tried, tried[:1]])


if __name__ == "__main__":
    unittest.main()
