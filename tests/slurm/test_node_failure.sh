#!/bin/bash
# A node fails while two sweeps run on both nodes (kill -9 of node 2's slurmd):
#  - sweep A: Slurm requeues its job; node 2 comes back; the second attempt reruns the
#    points that failed to launch or were interrupted, keeps the first attempt's log and
#    facts, and the report and jobs.csv say: COMPLETED after 1 restart, NODE_FAIL;
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
cl_require
cl_sumbench_env
cl_watchdog "${SUMBENCH_SLURM_TEST_TIMEOUT:-280}"
CL_CPUS=4 CL_CRED_EXPIRE=10 CL_EXTRA_CONF="SlurmdTimeout=5" cl_start_two
W=$CL_DIR/work
export SUMBENCH_RESULTS=$W/results
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=$CL_SUBNET OMPI_MCA_oob_tcp_if_include=$CL_SUBNET
cd "$W"
POINTS="--kernels=sleep --modes=mpi --repetitions=1 --max-reruns=0 --quick --extra-args=--sleep-ms=200 --seed=1"

submit() {  # NAME ARGS...: submit_sweep.py into $W/NAME; sets JOB and CJOB
    local name=$1; shift
    cl_run timeout 120 "$PY" "$SRC/slurm/submit_sweep.py" --nodes 2 --layouts 1x1 --out "$W/$name" "$@" \
        | tee "$W/$name.txt"
    JOB=$(sed -n 's/^jobs: \([0-9]*\) combine: \([0-9]*\)$/\1/p' "$W/$name.txt")
    CJOB=$(sed -n 's/^jobs: .* combine: \([0-9]*\)$/\1/p' "$W/$name.txt")
    [ -n "$JOB" ] && [ -n "$CJOB" ] || cl_die "submit_sweep.py ($name) did not print the job ids"
    grep -q '^deadline ' "$W/$name.txt" || cl_die "submit_sweep.py ($name) did not say the jobs' deadline"
}

cl_step "two sweeps on both nodes; B with --deadline-margin 0:20"
submit A --time 2 --sweep-args "$POINTS --n=2,4,6,8,10,12"
A=$JOB CA=$CJOB
submit B --time 1 --deadline-margin 0:20 --sweep-args "$POINTS --n=2,4,6,8,10,12,14,16"
B=$JOB CB=$CJOB
cl_wait_running "$A" 30 && cl_wait_running "$B" 30 || cl_die "the sweeps did not start"
for s in "A/slurm-$A" "B/slurm-$B"; do  # both have results to report when the node dies
    cl_wait_until 60 bash -c "ls '$W/$s'/points/*/status.json" || cl_die "no point of $s finished in 60 s"
done

cl_step "kill -9 the slurmd of node 2 while both jobs run"
t0=$(date +%s)
cl_kill_node 2
node2_down() { [[ $(cl_node_state 2) == down* ]]; }
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

cl_step "node 2 back: A runs again and reruns what failed to launch"
cl_restart_node 2
cl_expect_state "$A" COMPLETED 120 "$W/A/logs/sumbench-$A.out"
cl_expect_state "$CA" COMPLETED 120 "$W/A/logs/combine-$CA.out"
echo "A completed $(( $(date +%s) - t0 )) s after the kill"
cl_show "$W/A/logs/sumbench-$A.out" "$W/A/logs/combine-$CA.out"
R=$W/A/slurm-$A
"${CHECK[@]}" slurm-json "$R" --job-id "$A" --state COMPLETED --exit-code 0 --nodes 2
"${CHECK[@]}" attempts "$R" 2 --state 0=REQUEUED --cause 0=NODE_FAIL --state 1=COMPLETED
grep -q "DUE TO NODE FAILURE" "$R/attempts/0/slurm.json" || cl_die "attempt 0 lacks Slurm's reason"
for n in 0 1; do
    grep -q "job $A attempt $n starts" "$W/A/logs/sumbench-$A.out" \
        || cl_die "the job's output lost attempt $n (not appended to)"
done
"${CHECK[@]}" points "$R" --ok-min 6 --complete-min 6 --retried-min 1
"${CHECK[@]}" csv "$R" --rows-min 6 --status ok --valid 1
"${CHECK[@]}" jobs "$W/A" "$A=COMPLETED:final:1:NODE_FAIL"
"${CHECK[@]}" report "$W/A" --text NODE_FAIL --text "completed after 1 restart"
echo "PASS"
