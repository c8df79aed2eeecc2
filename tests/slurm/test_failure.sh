#!/bin/bash
# Failed and cancelled jobs keep their partial results and are reported:
#  - a sweep task with an impossible size (--n huge: triad cannot allocate) ends FAILED,
#    its points that ran before stay; the array's second task, cancelled before it
#    started, has no slurm.json (marker "missing") and no record left in Slurm; the
#    combine job lists both as the array's and builds the report, which says the jobs
#    did not have whole nodes (--shared: the time-limit job runs beside them);
#  - a job cancelled while it runs records CANCELLED (signal TERM) from its exit trap
#    and keeps the points it finished.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/cluster.sh
. "$HERE/cluster.sh"
cl_begin 180
# 3 CPUs (more than the machine has: SlurmdParameters=config_overrides) so that the
# time-limit job below runs beside the others.
CL_CPUS=3 cl_start_single
W=$CL_DIR/work
export SUMBENCH_RESULTS=$W/results
cd "$W"
HUGE=1000000000000000   # 10^15 doubles x 3 arrays: no machine has that

cl_step "a job that will reach its time limit (1 minute; Slurm kills it within 60-90 s)"
tid=$(SUMBENCH_SWEEP_ARGS="--kernels=sleep --modes=serial --n=1,2,3,4,5,6,7,8,9,10 --repetitions=20 --max-reruns=0 --quick --extra-args=--sleep-ms=200" \
      cl_run timeout 60 sbatch --parsable -N1 -n1 -c1 -t 1 -D "$SRC" -o "$W/job-%j.out" "$SRC/slurm/sumbench.sbatch")
echo "time-limit job: $tid"

cl_step "sweep with a failing size (an array of two tasks, --shared); one task cancelled before it starts"
# n=10^6, not 10^3: a microsecond region makes Google Benchmark run thousands of
# iterations, and on a loaded 2-core machine each costs the ranks' collectives a time
# slice (9 s seen here, over 90 s in CI). --timeout bounds a point that still hangs.
cl_run timeout 120 "$PY" "$SRC/slurm/submit_sweep.py" --nodes 1 --layouts 2x1,1x2 --time 5 --shared \
    --sbatch-args=--hold --sweep-args "--kernels=triad --modes=mpi --repetitions=1 --max-reruns=0 --quick --n=1000000,$HUGE --seed=1 --timeout=60" \
    --out "$W/sweep" | tee "$W/submit.txt"
read -r j1 j2 < <(sed -n 's/^jobs: \([0-9_]*\) \([0-9_]*\) combine: .*/\1 \2/p' "$W/submit.txt")
cid=$(sed -n 's/^jobs: .* combine: \([0-9]*\)$/\1/p' "$W/submit.txt")
[ -n "$j1" ] && [ -n "$j2" ] && [ -n "$cid" ] || cl_die "submit_sweep.py did not print the job ids"
cl_run timeout 30 scancel "$j2"
cl_run timeout 30 scontrol release "$j1"
cl_expect_state "$j1" FAILED 120 "$W/sweep/logs/sumbench-$j1.out"
# Without accounting, a task cancelled while pending leaves no record in Slurm at all:
# the combine job finds it in none of the array's records (jobs CANCELLED:missing below).
[ -z "$(cl_job_state "$j2")" ] || cl_die "Slurm still has a record of the cancelled task $j2"
cl_expect_state "$cid" COMPLETED 60 "$W/sweep/logs/combine-$cid.out"
cl_show "$W/sweep/logs/sumbench-$j1.out" "$W/sweep/logs/combine-$cid.out"
R=$W/sweep/slurm-$j1
"${CHECK[@]}" slurm-json "$R" --job-id "$j1" --state FAILED --exit-code 1
"${CHECK[@]}" points "$R" --ok-min 1 --not-ok-min 1
[ ! -e "$W/sweep/slurm-$j2" ] || cl_die "the job cancelled while pending has a results folder"
"${CHECK[@]}" jobs "$W/sweep" "$j1=FAILED:final" "$j2=CANCELLED:missing"
"$PY" - "$W/sweep/results.csv" <<'PY' || cl_die "combined results.csv lacks the partial results"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ok = [r for r in rows if r["status"] == "ok" and r["valid"] == "1"]
bad = [r for r in rows if r["status"] != "ok" or r["valid"] != "1"]
print(f"combined results.csv: {len(ok)} ok row(s), {len(bad)} failed/invalid row(s)")
sys.exit(0 if ok and bad else 1)
PY
"${CHECK[@]}" report "$W/sweep" --problem "slurm-job-$j1" --problem "slurm-job-$j2" --text "did NOT ask for whole nodes"

cl_step "submit_sweep.py copied away from its package refuses at once, in one line, and submits nothing"
# A copy of slurm/ alone: the Python package (python/sumbench) is not beside it.
mkdir -p "$W/bare/slurm"
cp "$SRC"/slurm/*.sbatch "$SRC"/slurm/submit_sweep.py "$W/bare/slurm/"
before=$(cl_query squeue -h -t all -o %i | wc -l)
rc=0
"$PY" "$W/bare/slurm/submit_sweep.py" --nodes 1 --layouts 1x1 --time 5 --out "$W/bare-sweep" \
    >"$W/bare.out" 2>"$W/bare.err" || rc=$?
cat "$W/bare.err"
[ "$rc" = 2 ] || cl_die "submit_sweep.py without its package: exit $rc, expected 2"
[ "$(wc -l <"$W/bare.err")" = 1 ] || cl_die "submit_sweep.py without its package: not one line on stderr"
grep -q 'the sumbench package is not beside this script' "$W/bare.err" || cl_die "the error does not name the missing package"
[ ! -e "$W/bare-sweep" ] || cl_die "submit_sweep.py without its package created $W/bare-sweep"
[ "$(cl_query squeue -h -t all -o %i | wc -l)" = "$before" ] || cl_die "submit_sweep.py without its package submitted jobs"

cl_step "a job cancelled while it runs keeps its finished points and records CANCELLED"
id=$(SUMBENCH_SWEEP_ARGS="--kernels=sleep --modes=mpi --workers=1,2 --scaling=both --repetitions=1 --quick --seed=1" \
     cl_run timeout 60 sbatch --parsable -N1 --ntasks-per-node=2 -D "$SRC" -o "$W/job-%j.out" "$SRC/slurm/sumbench.sbatch")
R=$SUMBENCH_RESULTS/slurm-$id
cl_wait_until 60 bash -c "ls '$R'/points/*/status.json" || { cl_show "$W/job-$id.out"; cl_die "no point finished in 60 s"; }
cl_run timeout 30 scancel "$id"
cl_expect_state "$id" CANCELLED 60 "$W/job-$id.out"
cl_wait_until 20 grep -q '"finished": "' "$R/slurm.json" || true
cl_show "$W/job-$id.out"
"${CHECK[@]}" slurm-json "$R" --job-id "$id" --state CANCELLED --signal TERM
"${CHECK[@]}" points "$R" --ok-min 1
"${CHECK[@]}" csv "$R" --rows-min 1
cl_step "the time-limit job ends TIMEOUT and keeps the points it finished"
cl_expect_state "$tid" TIMEOUT 120 "$W/job-$tid.out"
cl_wait_until 20 grep -q '"finished": "' "$SUMBENCH_RESULTS/slurm-$tid/slurm.json" || true
cl_show "$W/job-$tid.out"
R=$SUMBENCH_RESULTS/slurm-$tid
"${CHECK[@]}" slurm-json "$R" --job-id "$tid" --state TIMEOUT --signal TERM
"${CHECK[@]}" points "$R" --ok-min 1
"${CHECK[@]}" csv "$R" --rows-min 1 --status ok
echo "PASS"
