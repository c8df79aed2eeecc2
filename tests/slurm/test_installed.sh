#!/bin/bash
# An installed sumbench on the one-node Slurm cluster (this machine), used from a folder
# outside the source tree, as a cluster user would: cmake --install into a temporary
# prefix; sbatch of the installed slurm/sumbench.sbatch from the working folder;
# sumbench-submit with its dependent combine/report job; and JUBE's -t slurm (jube run,
# jube continue until FINISHED, jube result). Every result lands in the working folder,
# the installed binary runs, and the prefix is unchanged.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/cluster.sh
. "$HERE/cluster.sh"
cl_begin 360 jube
cl_start_single
W=$CL_DIR/work
P=$CL_DIR/prefix
S=$P/share/sumbench

cl_step "cmake --install into $P"
"${CMAKE_COMMAND:-cmake}" --install "${SUMBENCH_BUILD_DIR:-$SRC/build}" --prefix "$P" >"$CL_DIR/install.log" ||
    { cat "$CL_DIR/install.log"; cl_die "cmake --install failed"; }
# jube runs with the prefix read-only in a mount namespace of its own, as a site
# installation is: JUBE 2.5 writes its jube-parse.log beside the yaml whenever it can
# (and then moves it away). Without namespaces, the jube folder's time stamp may change.
RO=""
unshare --mount --propagation private true 2>/dev/null && RO=1
snapshot() {
    if [ -n "$RO" ]; then find "$P" -printf '%p %y %s %T@ %m\n' | sort
    else find "$P" -printf '%p %y %s %T@ %m\n' | grep -v "^$P/share/sumbench/jube d " | sort; fi
}
snapshot >"$CL_DIR/prefix.before"
# A user of the installation: its bin on PATH, nothing from the tree or the build.
unset SUMBENCH SUMBENCH_RESULTS SUMBENCH_ROOT SUMBENCH_SOURCE_DIR PYTHONPATH
export PATH="$P/bin:$PATH"
cd "$W"
host=${CL_NODES[0]}

cl_step "sbatch <prefix>/share/sumbench/slurm/sumbench.sbatch from the working folder"
id=$(SUMBENCH_SWEEP_ARGS="--kernels=sum --modes=serial,mpi --workers=1,2 --repetitions=1 --quick" \
     cl_run timeout 60 sbatch --parsable -o "$W/job-%j.out" "$S/slurm/sumbench.sbatch")
cl_expect_state "$id" COMPLETED 90 "$W/job-$id.out"
R=$W/results/slurm-$id
[ -d "$R" ] || { cl_show "$W/job-$id.out"; cl_die "the job's results are not under the submit folder ($R)"; }
"${CHECK[@]}" slurm-json "$R" --job-id "$id" --state COMPLETED --exit-code 0 --hosts "$host"
grep -q "\"repo\": \"$S\"" "$R/slurm.json" || cl_die "slurm.json does not name the installation $S"
"${CHECK[@]}" csv "$R" --rows-min 3 --status ok --valid 1 --modes serial,mpi --kernels sum
"${CHECK[@]}" raw "$R" --no-errors --context "executable=$P/bin/sumbench"

cl_step "sumbench-submit: one job and its combine/report job"
cl_run timeout 120 sumbench-submit --nodes 1 --layouts 2x1 --time 5 \
    --sweep-args "--kernels=sum --repetitions=1 --quick" --out "$W/sweep" | tee "$W/submit.txt"
ids=$(sed -n 's/^jobs: \([0-9_ ]*\) combine: \([0-9]*\)$/\1/p' "$W/submit.txt")
cid=$(sed -n 's/^jobs: .* combine: \([0-9]*\)$/\1/p' "$W/submit.txt")
[ -n "$ids" ] && [ -n "$cid" ] || cl_die "sumbench-submit did not print the job ids"
for j in $ids; do cl_expect_state "$j" COMPLETED 90 "$W/sweep/logs/sumbench-$j.out"; done
cl_expect_state "$cid" COMPLETED 90 "$W/sweep/logs/combine-$cid.out"
"${CHECK[@]}" csv "$W/sweep" --rows-min 2 --status ok --valid 1 --modes mpi,hybrid
"${CHECK[@]}" report "$W/sweep"

cl_step "JUBE -t slurm quick: jube run, jube continue until FINISHED, jube result"
jube_cmd() {
    if [ -z "$RO" ]; then cl_run env PWD="$W" timeout 120 jube "$@" </dev/null; return; fi
    cl_run env PWD="$W" timeout 120 unshare --mount --propagation private sh -c \
        'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec jube "$@"' "$P" "$@" </dev/null
}
jube_cmd run "$S/jube/sumbench.yaml" -t slurm quick -e >"$W/jube-run.txt" 2>&1 ||
    { tail -n 30 "$W/jube-run.txt"; cl_die "jube run failed"; }
[ "$(jube_cmd status sumbench_run)" != FINISHED ] || cl_die "jube says FINISHED before any job ran"
deadline=$(( $(date +%s) + 150 ))
until [ "$(jube_cmd status sumbench_run)" = FINISHED ]; do
    state=$(jube_cmd status sumbench_run)
    [ "$state" = RUNNING ] || { cl_show "$W"/sumbench_run/000000/*/work/job.*; cl_die "jube status: $state"; }
    [ "$(date +%s)" -lt "$deadline" ] || cl_die "the JUBE jobs did not finish in 150 s"
    sleep 3
    jube_cmd continue sumbench_run -e >>"$W/jube-continue.txt" 2>&1 ||
        { tail -n 30 "$W/jube-continue.txt"; cl_die "jube continue failed"; }
done
jube_cmd result sumbench_run -o results_csv >"$W/jube-result.txt"
T=$W/sumbench_run/000000/result/results_csv.dat
[ "$(tail -n +2 "$T" | grep -c .)" = 8 ] || { cat "$T"; cl_die "the JUBE table does not have 8 rows"; }
awk -F, 'NR > 1 && !($10 > 0 && $13 > 0) { bad = 1; print "empty or zero:", $0 } END { exit bad }' "$T" ||
    cl_die "the JUBE table has rows without a median or a speedup"
# each job's own slurm.json (attempts/<n>/slurm.json are its attempts' records)
n=$(find "$W/sumbench_run/000000" -path '*/work/slurm-*/slurm.json' -not -path '*/attempts/*' | wc -l)
[ "$n" = 8 ] || cl_die "expected 8 JUBE jobs with slurm.json, found $n"
cat "$W/jube-result.txt"

cl_step "the prefix is unchanged"
snapshot >"$CL_DIR/prefix.after"
diff "$CL_DIR/prefix.before" "$CL_DIR/prefix.after" || cl_die "running the installation changed the prefix"
echo "PASS"
