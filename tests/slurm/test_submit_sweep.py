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


def plan(*args, env=None):
    """(process, [argv of each sbatch line]) of a --dry-run; --time 5 unless another is
    given (--time auto runs a calibration: test_plan and test_time_... check it)."""
    timed = [] if "--time" in args or "--previous" in args else ["--time", "5"]
    with tempfile.TemporaryDirectory() as tmp:
        p = run(["--dry-run", "--out", str(Path(tmp) / "s"), *timed, *args], env=env)
    return p, [shlex.split(l) for l in p.stdout.splitlines() if " sbatch " in f" {l}"]


def env_of(argv):
    """The VAR=value words before sbatch."""
    return dict(w.split("=", 1) for w in argv[:argv.index("sbatch")])


def opt(argv, name):
    """The value of --name=value in argv (None when absent)."""
    return next((w.split("=", 1)[1] for w in argv if w.startswith(name + "=")), None)


class DryRun(unittest.TestCase):
    def test_plan(self):
        """One array per node count, a task per layout, whole nodes and cores, sized."""
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "sweep"
            p = run(["--dry-run", "--nodes", "1,2,4,8", "--layouts", "2x1,1x2", "--scaling", "both",
                     "-p", "part", "-A", "acct", "--sweep-args", "--kernels=sum --quick",
                     "--out", str(out)], check=True)
            lines = [l for l in p.stdout.splitlines() if " sbatch " in f" {l}"]
            self.assertEqual(len(lines), 5, p.stdout)           # 4 arrays + combine
            self.assertFalse(out.exists(), "a dry run must not create the sweep folder")
            first = shlex.split(lines[0])
            env = env_of(first)
            for want in ("--nodes=1", "--ntasks-per-node=2", "--cpus-per-task=1", "--array=0-1%2",
                         "--partition=part", "--account=acct", "--exclusive", "--hint=nomultithread"):
                self.assertIn(want, first)
            self.assertRegex(opt(first, "--mem"), r"^\d+M$")
            self.assertRegex(opt(first, "--time"), r"^\d\d:\d\d:\d\d$")
            self.assertTrue(first[-1].endswith("slurm/sumbench.sbatch"))
            self.assertEqual(env["SUMBENCH_RESULTS"], str(out))
            self.assertTrue(os.path.isfile(env["SUMBENCH"]), env)  # the binary, always named
            self.assertNotIn("SUMBENCH_SWEEP_ARGS", env)
            self.assertEqual(shlex.split(env["SUMBENCH_SWEEP_ARGS_0"]),
                             ["--modes=mpi,hybrid", "--workers=2", "--hybrid=2x1",
                              "--scaling=both", "--kernels=sum", "--quick"])
            self.assertEqual(shlex.split(env["SUMBENCH_SWEEP_ARGS_1"])[:3],
                             ["--modes=mpi,hybrid", "--workers=1", "--hybrid=1x2"])
            eight = shlex.split(lines[3])
            self.assertIn("--nodes=8", eight)
            self.assertIn("--workers=16 --hybrid=16x1", env_of(eight)["SUMBENCH_SWEEP_ARGS_0"])
            self.assertIn("--workers=8 --hybrid=8x2", env_of(eight)["SUMBENCH_SWEEP_ARGS_1"])
            combine = shlex.split(lines[-1])
            self.assertIn("--dependency=afterany:<array1>:<array2>:<array3>:<array4>", combine)
            self.assertTrue(combine[-1].endswith("slurm/combine.sbatch"))

    def test_one_layout_keeps_its_shape(self):
        p, lines = plan("--nodes", "2", "--layouts", "4x3", "--throttle", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        for want in ("--ntasks-per-node=4", "--cpus-per-task=3", "--array=0-0%1"):
            self.assertIn(want, lines[0])

    def test_sweep_args_value_with_a_dash(self):
        """slurm/README's example: --sweep-args "--kernels=..." (no '=') is the value."""
        p, lines = plan("--nodes", "1", "--layouts", "1x1", "--sweep-args", "--kernels=sum,triad")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("--kernels=sum,triad", env_of(lines[0])["SUMBENCH_SWEEP_ARGS_0"])

    def test_shared_threads_and_site_flags(self):
        p, lines = plan("--nodes", "1", "--layouts", "1x1", "--shared", "--smt", "threads-per-core")
        self.assertNotIn("--exclusive", lines[0])
        self.assertIn("--threads-per-core=1", lines[0])
        self.assertNotIn("--hint=nomultithread", lines[0])
        self.assertIn("other jobs may have run on their nodes", p.stderr)
        p, lines = plan("--nodes", "1", "--layouts", "1x1", "--sweep-args=--cpus=hwthreads")
        self.assertIn("--hint=multithread", lines[0])      # hardware threads, asked for
        p, lines = plan("--nodes", "1", "--layouts", "1x1",
                        "--sbatch-args=--threads-per-core=2 --oversubscribe --mem=1G -t 7")
        self.assertEqual([w for w in lines[0] if w.startswith(("--hint", "--exclusive", "--mem", "--time"))],
                         ["--mem=1G"], lines[0])             # the user's own flags, not ours

    def test_provenance(self):
        """Every variable that changes the run is on the sbatch line (--export=ALL)."""
        env = dict(os.environ, SUMBENCH_SITE="/x/site.sh", SLURM_MPI_TYPE="pmi2",
                   OMPI_MCA_btl="self,tcp", OMP_PLACES="cores", SUMBENCH_SRUN_MPI="pmi2",
                   SUMBENCH_TEST_CLUSTER="/tmp/c", HOME_UNRELATED="1")
        p, lines = plan("--nodes", "1", "--layouts", "1x1", env=env)
        for argv in lines:
            got = env_of(argv)
            for key in ("SUMBENCH_SITE", "SLURM_MPI_TYPE", "OMPI_MCA_btl", "OMP_PLACES",
                        "SUMBENCH_SRUN_MPI", "SUMBENCH"):
                self.assertEqual(got.get(key), env.get(key) if key != "SUMBENCH" else got["SUMBENCH"],
                                 (key, argv))
            self.assertNotIn("SUMBENCH_TEST_CLUSTER", got)
            self.assertNotIn("HOME_UNRELATED", got)

    def test_memory_counts_the_arrays(self):
        """--mem covers triad's three arrays of n doubles (24 bytes an element)."""
        n = 200_000_000
        for scaling, workers in (("strong", 1), ("weak", 2)):
            p, lines = plan("--nodes", "1", "--layouts", "2x1", "--scaling", scaling,
                            "--sweep-args", f"--kernels=triad --n={n}")
            self.assertEqual(p.returncode, 0, p.stderr)
            mem = int(opt(lines[0], "--mem")[:-1])
            self.assertGreaterEqual(mem * 2**20, 24 * n * workers, (scaling, lines[0]))
            self.assertLess(mem * 2**20, 2 * 24 * n * workers + 2**31, (scaling, lines[0]))

    def test_time_from_the_previous_sweep(self):
        with tempfile.TemporaryDirectory() as tmp:
            prev = Path(tmp) / "prev"
            (prev / "slurm-5_0" / "points").mkdir(parents=True)
            (prev / "submit.json").write_text(json.dumps(
                {"jobs": [{"job_id": "5_0", "nodes": 1, "layout": "1x1"}]}))
            for pid in ("sum-mpi-r1t1-strong", "sum-hybrid-r1t1-strong"):
                (prev / "slurm-5_0" / "points" / pid).mkdir()
                (prev / "slurm-5_0" / "points" / pid / "status.json").write_text(
                    json.dumps({"status": "ok", "wall_s": 1800.0}))
            p, lines = plan("--nodes", "1", "--layouts", "1x1", "--previous", str(prev),
                            "--sweep-args=--kernels=sum", "--time-margin", "1.5")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("2 from the previous sweep", p.stdout)
            self.assertEqual(opt(lines[0], "--time"), "01:32:00")   # 3600 s x 1.5 + 120 s
            p, lines = plan("--nodes", "1", "--layouts", "1x1", "--time", "7")
            self.assertEqual(opt(lines[0], "--time"), "7")

    def test_usage_errors(self):
        for args in (["--layouts", "2y1"], ["--nodes", "0"], ["--nodes", "a"],
                     ["--scaling", "sideways"], ["--layouts", "0x2"], ["--throttle", "0"],
                     ["--time-margin", "-1"], ["--mem", "12X"], ["--smt", "maybe"],
                     ["--previous", "/nonexistent"]):
            p = run(["--dry-run", "--time", "5"] + args)
            self.assertEqual(p.returncode, 2, (args, p.stdout, p.stderr))
            self.assertIn("error", p.stderr)


class Deadline(unittest.TestCase):
    """Every array gets --deadline (waves x (time limit + --deadline-margin)), so that a
    job whose nodes stay down ends DEADLINE and the afterany combine job runs."""

    def deadlines(self, lines):
        return [[w for w in argv if w.startswith("--deadline")] for argv in lines]

    def test_default_margin(self):
        import time as _time
        before = _time.time()
        p, lines = plan("--nodes", "1,2", "--layouts", "1x1", "--time", "00:10:00",
                        "--deadline-margin", "2:00:00")
        self.assertEqual(p.returncode, 0, p.stderr)
        found = self.deadlines(lines)
        self.assertEqual([len(d) for d in found], [1, 1, 0], found)  # not the combine job
        at = _time.mktime(_time.strptime(found[0][0].split("=", 1)[1], "%Y-%m-%dT%H:%M:%S"))
        self.assertAlmostEqual(at - before, 600 + 7200, delta=60)
        self.assertIn("deadline ", p.stdout)

    def test_waves_of_a_throttled_array(self):
        import time as _time
        before = _time.time()
        p, lines = plan("--nodes", "1", "--layouts", "1x1,2x1,1x2", "--throttle", "1",
                        "--time", "00:10:00", "--deadline-margin", "1:00:00")
        at = _time.mktime(_time.strptime(self.deadlines(lines)[0][0].split("=", 1)[1],
                                         "%Y-%m-%dT%H:%M:%S"))
        self.assertAlmostEqual(at - before, 3 * (600 + 3600), delta=60)
        self.assertIn("--array=0-2%1", lines[0])

    def test_none_and_own(self):
        p, lines = plan("--nodes", "1,2", "--layouts", "1x1", "--deadline-margin", "none")
        self.assertEqual((p.returncode, self.deadlines(lines)), (0, [[], [], []]), p.stderr)
        self.assertIn("no deadline", p.stdout)
        p, lines = plan("--nodes", "1,2", "--layouts", "1x1", "--sbatch-args=--deadline=now+3hours")
        self.assertEqual(self.deadlines(lines)[:2], [["--deadline=now+3hours"]] * 2, p.stdout)

    def test_bad_margin(self):
        for bad in ("soon", "-5", "1:2:3:4"):
            p, lines = plan("--nodes", "1", "--layouts", "1x1", "--deadline-margin", bad)
            self.assertEqual(p.returncode, 2, (bad, p.stdout, p.stderr))
            self.assertIn(f"--deadline-margin={bad}", p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)


FAKE_SBATCH = """#!/bin/sh
# A site whose sbatch refuses --hint (its select plugin ignores hints): --test-only says so.
echo "$*" >> "$(dirname "$0")/calls"
case "$*" in
  *--test-only*--hint=nomultithread*) echo "sbatch: error: --hint is not supported here" >&2; exit 1;;
  *--test-only*) echo "sbatch: Job 3 to start at 2026-01-01T00:00:00 using 4 processors" >&2; exit 0;;
esac
n=$(cat "$(dirname "$0")/next" 2>/dev/null || echo 40); echo $((n + 1)) > "$(dirname "$0")/next"
echo "$n"
"""


class Submission(unittest.TestCase):
    """submit_sweep.py without --dry-run against a fake sbatch and sinfo: the flag for
    whole cores is the one sbatch --test-only takes, --mem above every node's memory
    becomes --mem=0, and submit.json records the arrays, their tasks and the lines."""

    def test_site_without_hint(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            bin_dir = tmp / "bin"
            bin_dir.mkdir()
            (bin_dir / "sbatch").write_text(FAKE_SBATCH)
            (bin_dir / "sinfo").write_text("#!/bin/sh\necho 1000\n")    # 1000 MiB a node
            for f in bin_dir.iterdir():
                f.chmod(0o755)
            env = dict(os.environ, PATH=f"{bin_dir}:{os.environ.get('PATH', '')}")
            p = run(["--nodes", "1,2", "--layouts", "2x1,1x2", "--time", "5", "--out", str(tmp / "s"),
                     "--sweep-args=--kernels=triad --n=100000000"], env=env)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("jobs: 40_0 40_1 41_0 41_1 combine: 42", p.stdout)
            self.assertIn("refused --hint=nomultithread", p.stdout)
            self.assertIn("--mem=0", p.stderr)
            record = json.loads((tmp / "s" / "submit.json").read_text())
            self.assertIn("took --threads-per-core=1", record["whole_cores"])
            self.assertEqual([j["job_id"] for j in record["jobs"]], ["40_0", "40_1", "41_0", "41_1"])
            for array in record["arrays"]:
                argv = shlex.split(array["command"])
                self.assertIn("--threads-per-core=1", argv)
                self.assertNotIn("--hint=nomultithread", argv)
                self.assertIn("--mem=0", argv)                 # 2.4 GB of triad: no node has it
            self.assertIn("--dependency=afterany:40:41", record["combine_job"]["command"])
            calls = (bin_dir / "calls").read_text().splitlines()
            self.assertEqual(sum("--test-only" in c for c in calls), 2, calls)   # hint, then tpc


class Allocation(unittest.TestCase):
    """The cores a job holds, counted from its CPU ids (scontrol show job -d), not by
    dividing SLURM_CPUS_ON_NODE: Slurm 22.05 on a 2x2x2 node."""

    def test_cpu_ids(self):
        from sumbench.runner import allocation
        text = ("JobId=7 JobName=x\n   NumNodes=1 NumCPUs=4 NumTasks=4 CPUs/Task=1\n"
                "     Nodes=vm CPU_IDs=0-1,4-5 Mem=0 GRES=\n")
        self.assertEqual(allocation.from_scontrol(text, {"vm": 2}),
                         {"vm": allocation.NodeCpus(2, 4)})          # 4 tasks, no hint: 2 cores
        text = text.replace("0-1,4-5", "0-7")
        self.assertEqual(allocation.from_scontrol(text, {"vm": 2}),
                         {"vm": allocation.NodeCpus(4, 8)})          # --hint=nomultithread
        self.assertEqual(allocation.from_scontrol(text, {"vm": 1}),
                         {"vm": allocation.NodeCpus(8, 8)})

    def test_runner_plans_the_allocation(self):
        from sumbench.runner.launch import detect_machine
        from sumbench.runner.allocation import Allocation as Alloc, NodeCpus
        from sumbench.topology import Topology
        smt = Topology(2, 1, 4, 8, 4, 8, "test")             # 2 x 2 x 2
        env = {"SLURM_JOB_ID": "7", "SLURM_CPUS_ON_NODE": "4", "SLURM_JOB_NUM_NODES": "2"}
        alloc = Alloc({"a": NodeCpus(4, 8), "b": NodeCpus(3, 6)}, "test")
        m = detect_machine(smt, env=env, euid=0, allocation=alloc)
        self.assertEqual((m.cores_per_node, m.pus_per_node, m.cores), (3, 6, 6))   # the fewest
        m = detect_machine(smt, env=env, euid=0, allocation=None)    # nothing known: a guess
        self.assertEqual(m.cores_per_node, 2)
        self.assertIn("a guess", " ".join(m.notes))


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
