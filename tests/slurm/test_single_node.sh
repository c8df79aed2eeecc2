#!/bin/bash
# One-node Slurm cluster (this machine), binding job steps (TaskPlugin=task/affinity):
# slurm/sumbench.sbatch through the sweep runner, whose ranks are bound as it planned,
# and directly; slurm/submit_sweep.py's job array with its dependent report job.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/cluster.sh
. "$HERE/cluster.sh"
cl_begin 210
CL_TASK_PLUGIN=task/affinity cl_start_single
W=$CL_DIR/work
MPICH=${SUMBENCH_MPICH:-$SRC/build-mpich/sumbench}  # sumbench built with MPICH (cmake --preset mpich)
export SUMBENCH_RESULTS=$W/results
host=${CL_NODES[0]}

cl_step "sbatch slurm/sumbench.sbatch (sweep runner), submitted from the repository root; srun binds"
cd "$SRC"
id=$(SUMBENCH_SWEEP_ARGS="--kernels=sum,triad --modes=mpi,hybrid --workers=2 --hybrid=1x2 --repetitions=1 --quick" \
     cl_run timeout 60 sbatch --parsable -o "$W/job-%j.out" slurm/sumbench.sbatch)
cd "$W"
cl_expect_state "$id" COMPLETED 90 "$W/job-$id.out"
cl_show "$W/job-$id.out"
R=$SUMBENCH_RESULTS/slurm-$id
"${CHECK[@]}" slurm-json "$R" --job-id "$id" --state COMPLETED --exit-code 0 --nodes 1 --ntasks 2 --cpus-per-task 1 --hosts "$host"
"${CHECK[@]}" points "$R" --ok-min 4 --complete-min 4
"${CHECK[@]}" csv "$R" --rows-min 4 --status ok --valid 1 --modes mpi,hybrid --kernels sum,triad --nodes 1
"${CHECK[@]}" raw "$R" --no-errors
for f in sweep.json manifest.json; do [ -s "$R/$f" ] || cl_die "$R/$f missing"; done
# The runner's srun takes the site's MpiDefault (pmix here), and says so in every command.
grep -q -- 'srun --mpi=pmix ' "$R"/points/*/command.txt || cl_die "the runner's srun does not record --mpi=pmix"
# task/affinity bound every rank: 2 ranks on a core each (mpi 2x1), one rank on both (1x2).
"${CHECK[@]}" binding "$R" --min-points 4

if [ -x "$MPICH" ]; then
    cl_step "MPICH: sbatch with the runner; the site's MpiDefault is pmix, MPICH gets pmi2 (mpicxx.mpich build)"
    # SUMBENCH relative to the job's folder (-D), which is not the repository.
    id=$(SUMBENCH=$(realpath --relative-to="$W" "$MPICH") SUMBENCH_ROOT=$SRC \
         SUMBENCH_SWEEP_ARGS="--kernels=sum --modes=mpi,hybrid --workers=2 --hybrid=2x1 --repetitions=1 --quick" \
         cl_run timeout 60 sbatch --parsable -D "$W" -o "$W/job-%j.out" "$SRC/slurm/sumbench.sbatch")
    cl_expect_state "$id" COMPLETED 90 "$W/job-$id.out"
    R=$SUMBENCH_RESULTS/slurm-$id
    "${CHECK[@]}" points "$R" --ok-min 2 --complete-min 2
    "${CHECK[@]}" raw "$R" --no-errors --context mpi_ranks=2 --context "mpi_library=MPICH Version: 4.0.2"
    grep -q -- 'srun --mpi=pmi2 ' "$R"/points/*/command.txt || cl_die "MPICH points not through srun --mpi=pmi2"
    grep -q '"mpi_kind": "mpich"' "$R/manifest.json" || cl_die "manifest.json does not record sumbench's MPI"

    cl_step "MPICH directly, told SUMBENCH_SRUN_MPI=pmix: obeyed, each task alone, sumbench stops (exit 2) and says why"
    id=$(SUMBENCH=$MPICH SUMBENCH_SRUN_MPI=pmix SUMBENCH_ARGS="--quick --kernels=sum --modes=mpi --benchmark_repetitions=1" \
         cl_run timeout 60 sbatch --parsable -D "$SRC" -o "$W/job-%j.out" "$SRC/slurm/sumbench.sbatch")
    cl_expect_state "$id" FAILED 60 "$W/job-$id.out"
    grep -q "has 1 rank(s) but the launcher was asked for 2 (SUMBENCH_EXPECT_RANKS)" "$W/job-$id.out" ||
        { cl_show "$W/job-$id.out"; cl_die "the MPICH/pmix mismatch was not reported"; }
elif [ -n "${SUMBENCH_REQUIRE_MPICH:-}" ]; then
    cl_die "no MPICH build at '$MPICH' (SUMBENCH_REQUIRE_MPICH is set): cmake --preset mpich && cmake --build --preset mpich"
else
    echo "SKIP the MPICH jobs: no MPICH build at '$MPICH' (cmake --preset mpich && cmake --build --preset mpich)"
fi

cl_step "sbatch -c 2 with SUMBENCH_ARGS (sumbench directly under srun, the site's --mpi=pmix) and a site file"
# OMP_NUM_THREADS comes from SLURM_CPUS_PER_TASK; the site file (SUMBENCH_SITE) moves the results.
cat >"$W/site.sh" <<SITE
# test site file
export SUMBENCH_RESULTS="$W/site-results"
SITE
id=$(SUMBENCH_SITE="$W/site.sh" SUMBENCH_ARGS="--quick --kernels=sum --modes=omp,hybrid --benchmark_repetitions=1" \
     cl_run timeout 60 sbatch --parsable -N1 --ntasks-per-node=1 -c 2 -D "$SRC" -o "$W/job-%j.out" "$SRC/slurm/sumbench.sbatch")
cl_expect_state "$id" COMPLETED 60 "$W/job-$id.out"
R=$W/site-results/slurm-$id
[ -d "$R" ] || cl_die "the site file's SUMBENCH_RESULTS was not used ($R missing)"
"${CHECK[@]}" slurm-json "$R" --job-id "$id" --state COMPLETED --exit-code 0 --nodes 1 --ntasks 1 --cpus-per-task 2
grep -q "\"site_file\": \"$W/site.sh\"" "$R/slurm.json" || cl_die "slurm.json does not name the site file"
"${CHECK[@]}" raw "$R" --no-errors --context OMP_NUM_THREADS=2
"${CHECK[@]}" csv "$R" --rows-min 2 --status ok --valid 1 --modes omp,hybrid
grep -q '"launch": "direct"' "$R/slurm.json" || cl_die "slurm.json does not say launch=direct"
grep -q 'srun --mpi=pmix' "$R/points/direct/command.txt" || cl_die "direct launch not through srun --mpi=pmix"

cl_step "submit_sweep.py --dry-run submits nothing"
before=$(cl_query squeue -h -t all -o %i | wc -l)
cl_run timeout 120 "$PY" "$SRC/slurm/submit_sweep.py" --dry-run --nodes 1,2 --layouts 2x1,1x2 --scaling both \
    --out "$W/dry" | tee "$W/dry.txt"
[ "$(grep -c '^.*sbatch --parsable' "$W/dry.txt")" = 3 ] || cl_die "dry run: expected 3 sbatch lines (2 arrays, combine)"
grep -q -- '--array=0-1%2 ' "$W/dry.txt" || cl_die "dry run: no array of the two layouts"
grep -q -- '--dependency=afterany:' "$W/dry.txt" || cl_die "dry run: no dependent job"
[ "$(cl_query squeue -h -t all -o %i | wc -l)" = "$before" ] || cl_die "dry run submitted jobs"
[ ! -e "$W/dry" ] || cl_die "dry run created $W/dry"

cl_step "submit_sweep.py: node counts 1, layouts 2x1,1x2 (one array), strong+weak, exclusive, dependent combine/report job"
cl_run timeout 120 "$PY" "$SRC/slurm/submit_sweep.py" --nodes 1 --layouts 2x1,1x2 --scaling both \
    --sweep-args "--kernels=sum --repetitions=1 --quick" --out "$W/sweep" | tee "$W/submit.txt"
ids=$(sed -n 's/^jobs: \([0-9_ ]*\) combine: \([0-9]*\)$/\1/p' "$W/submit.txt")
cid=$(sed -n 's/^jobs: .* combine: \([0-9]*\)$/\1/p' "$W/submit.txt")
[ -n "$ids" ] && [ -n "$cid" ] || cl_die "submit_sweep.py did not print the job ids"
[ "$(echo $ids)" = "${ids%% *}" ] && cl_die "expected two array tasks, got '$ids'"
for j in $ids; do
    [[ $j == *_[01] ]] || cl_die "$j is not a task of the array"
    cl_expect_state "$j" COMPLETED 120 "$W/sweep/logs/sumbench-$j.out"
    cl_query scontrol show job "$j" | grep -q 'OverSubscribe=NO' || cl_die "$j: not exclusive (--exclusive)"
done
# shellcheck disable=SC2086  # $ids: the array's task ids, one word each
cl_expect_combine "$cid" "$W/sweep" $ids
"${CHECK[@]}" csv "$W/sweep" --rows-min 8 --status ok --valid 1 --modes mpi,hybrid --scalings strong,weak --nodes 1
"${CHECK[@]}" report "$W/sweep" --text "whole nodes (sbatch --exclusive)" --text "SUMBENCH=$SUMBENCH "
echo "PASS"
