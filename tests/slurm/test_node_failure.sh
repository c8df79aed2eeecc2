#!/bin/bash
# A node fails while two sweeps run on both nodes (kill -9 of node 2's slurmd):
#  - sweep A, an array of two tasks (layouts 1x1 and 2x1) running side by side: Slurm
#    requeues each task; node 2 comes back; each task's second attempt reruns the points
#    that failed to launch or were interrupted, keeps the first attempt's log and facts,
#    and the report and jobs.csv say: COMPLETED after 1 restart, NODE_FAIL, per task;
#  - sweep B (a short --deadline-margin): requeued too, but node 2 is still down, so
#    it cannot run again before its deadline: Slurm ends it DEADLINE, its report job
#    runs at once instead of waiting forever, and says so.
# Test cluster only: SlurmdTimeout=5 (node 2 is DOWN about 25 s after the kill) and a
# credential lifetime of 10 s, which is also how long Slurm holds a requeued job before
# it may start again (Slurm's default: 120 s; slurm.conf(5), cred_expire).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/cluster.sh
. "$HERE/cluster.sh"
cl_begin 280
# 6 CPUs a node: A's two tasks (2 CPUs each: the array's allocation fits its largest
# layout) and B's 1 run at once (--shared).
CL_CPUS=6 CL_CRED_EXPIRE=10 CL_EXTRA_CONF="SlurmdTimeout=5" cl_start_two
W=$CL_DIR/work
export SUMBENCH_RESULTS=$W/results
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=$CL_SUBNET OMPI_MCA_oob_tcp_if_include=$CL_SUBNET
cd "$W"
POINTS="--kernels=sleep --modes=mpi --repetitions=1 --max-reruns=0 --quick --extra-args=--sleep-ms=200 --seed=1"

submit() {  # NAME ARGS...: submit_sweep.py into $W/NAME; sets JOBS (its tasks) and CJOB
    local name=$1; shift
    cl_run timeout 120 "$PY" "$SRC/slurm/submit_sweep.py" --nodes 2 --out "$W/$name" --shared "$@" \
        | tee "$W/$name.txt"
    JOBS=$(sed -n 's/^jobs: \([0-9_ ]*\) combine: \([0-9]*\)$/\1/p' "$W/$name.txt")
    CJOB=$(sed -n 's/^jobs: .* combine: \([0-9]*\)$/\1/p' "$W/$name.txt")
    [ -n "$JOBS" ] && [ -n "$CJOB" ] || cl_die "submit_sweep.py ($name) did not print the job ids"
    grep -q 'deadline ' "$W/$name.txt" || cl_die "submit_sweep.py ($name) did not say the jobs' deadline"
}

cl_step "two sweeps on both nodes: A an array of 2 tasks, B one task with --deadline-margin 0:20"
submit A --layouts 1x1,2x1 --throttle 2 --time 2 --sweep-args "$POINTS --n=4,6,8,10,12,14"
read -r A0 A1 <<<"$JOBS"
CA=$CJOB
[ -n "$A1" ] && [ "${A0%_*}" = "${A1%_*}" ] || cl_die "A is not one array of two tasks: $JOBS"
submit B --layouts 1x1 --time 1 --deadline-margin 0:20 --sweep-args "$POINTS --n=2,4,6,8,10,12,14,16"
B=$JOBS CB=$CJOB
for j in "$A0" "$A1" "$B"; do cl_wait_running "$j" 30 || cl_die "$j did not start"; done
for s in "A/slurm-$A0" "A/slurm-$A1" "B/slurm-$B"; do  # all have results when the node dies
    cl_wait_until 60 bash -c "ls '$W/$s'/points/*/status.json" || cl_die "no point of $s finished in 60 s"
done

cl_step "kill -9 the slurmd of node 2 while the three tasks run"
t0=$(date +%s)
cl_kill_node 2
# DOWN, also while Slurm still counts its jobs as completing there (sinfo then says comp*)
node2_down() { cl_query scontrol show node "${CL_NODES[1]}" | grep -q 'State=DOWN'; }
cl_wait_until 60 node2_down || cl_die "node 2 not DOWN 60 s after its slurmd was killed"
echo "node 2 DOWN after $(( $(date +%s) - t0 )) s"

cl_step "B cannot run again before its deadline: DEADLINE, and its report job runs"
cl_expect_state "$B" DEADLINE 60 "$W/B/logs/sumbench-$B.out"
cl_expect_state "$CB" COMPLETED 120 "$W/B/logs/combine-$CB.out"
echo "B ended DEADLINE and its report was built $(( $(date +%s) - t0 )) s after the kill"
cl_show "$W/B/logs/sumbench-$B.out" "$W/B/logs/combine-$CB.out"
grep -q "ended DEADLINE" "$W/B/logs/combine-$CB.out" || cl_die "the combine job of B does not say DEADLINE"
"${CHECK[@]}" jobs "$W/B" "$B=DEADLINE:final:1:NODE_FAIL;DEADLINE"
"${CHECK[@]}" attempts "$W/B/slurm-$B" 1 --state 0=REQUEUED --cause 0=NODE_FAIL
"${CHECK[@]}" report "$W/B" --problem "slurm-job-$B" --text DEADLINE --text NODE_FAIL

cl_step "node 2 back: both tasks of A run again and rerun what failed to launch"
cl_restart_node 2
for j in "$A0" "$A1"; do cl_expect_state "$j" COMPLETED 120 "$W/A/logs/sumbench-$j.out"; done
cl_expect_state "$CA" COMPLETED 120 "$W/A/logs/combine-$CA.out"
echo "A completed $(( $(date +%s) - t0 )) s after the kill"
cl_show "$W/A/logs/sumbench-$A0.out" "$W/A/logs/combine-$CA.out"
for j in "$A0" "$A1"; do
    R=$W/A/slurm-$j
    "${CHECK[@]}" slurm-json "$R" --job-id "$j" --state COMPLETED --exit-code 0 --nodes 2
    "${CHECK[@]}" attempts "$R" 2 --state 0=REQUEUED --cause 0=NODE_FAIL --state 1=COMPLETED
    # Slurm's own line for this task (its own job id: the array's first task shares its id
    # with the array, whose scontrol record lists every task).
    own=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["job_id"])' "$R/slurm.json")
    grep -q "JOB $own ON .* DUE TO NODE FAILURE" "$R/attempts/0/slurm.json" || cl_die "$j: attempt 0 lacks Slurm's reason"
    for n in 0 1; do
        grep -q "attempt $n starts" "$W/A/logs/sumbench-$j.out" \
            || cl_die "the output of $j lost attempt $n (not appended to)"
    done
    "${CHECK[@]}" points "$R" --ok-min 6 --complete-min 6
    "${CHECK[@]}" csv "$R" --rows-min 6 --status ok --valid 1
done
"${CHECK[@]}" points "$W/A/slurm-$A0" --retried-min 1
"${CHECK[@]}" jobs "$W/A" "$A0=COMPLETED:final:1:NODE_FAIL" "$A1=COMPLETED:final:1:NODE_FAIL"
"${CHECK[@]}" report "$W/A" --text NODE_FAIL --text "completed after 1 restart"
echo "PASS"
