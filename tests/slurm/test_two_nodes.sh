#!/bin/bash
# Two emulated SMT nodes (network namespaces joined by a veth pair, one slurmd each,
# each declared 2 sockets x 2 cores x 2 hardware threads; hwloc is given the same shape):
# an sbatch -N 2 job of slurm/sumbench.sbatch whose MPI ranks run on both nodes and
# talk over TCP across the veth pair; then the node-count sweep 1,2 as job arrays, whose
# 4x1 and 1x4 points get 4 whole cores per node and are not oversubscribed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/cluster.sh
. "$HERE/cluster.sh"
cl_begin 150
CL_CPUS=8 CL_NODE_OPTS="Sockets=2 CoresPerSocket=2 ThreadsPerCore=2" cl_start_two
# sumbench and the runner read the node's shape from hwloc: the one Slurm was told.
export HWLOC_SYNTHETIC="pack:2 core:2 pu:2"
W=$CL_DIR/work
export SUMBENCH_RESULTS=$W/results
# MPI traffic over TCP on the namespace-only subnet, nothing else (no shared memory).
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=$CL_SUBNET OMPI_MCA_oob_tcp_if_include=$CL_SUBNET
cd "$W"

cl_step "srun --mpi=pmix across the two nodes"
cl_run timeout 60 srun -N 2 -n 2 --mpi=pmix hostname | sort | tee "$W/hostnames.txt"
[ "$(sort -u "$W/hostnames.txt" | wc -l)" = 2 ] || cl_die "srun -N 2 did not reach two hosts"

cl_step "sbatch -N 2 slurm/sumbench.sbatch: mpi + hybrid across the nodes, btl self,tcp on $CL_SUBNET"
b0=$(cl_veth_bytes 1)
id=$(SUMBENCH_SWEEP_ARGS="--kernels=sum,combine --modes=mpi,hybrid --workers=2 --hybrid=2x2 --repetitions=1 --quick" \
     cl_run timeout 60 sbatch --parsable -N 2 --ntasks-per-node=1 -c 2 -D "$SRC" -o "$W/job-%j.out" "$SRC/slurm/sumbench.sbatch")
cl_expect_state "$id" COMPLETED 120 "$W/job-$id.out"
b1=$(cl_veth_bytes 1)
cl_show "$W/job-$id.out"
R=$SUMBENCH_RESULTS/slurm-$id
"${CHECK[@]}" slurm-json "$R" --job-id "$id" --state COMPLETED --exit-code 0 --nodes 2 --ntasks 2 --cpus-per-task 2 --hosts snode1,snode2
"${CHECK[@]}" points "$R" --ok-min 4 --complete-min 4
"${CHECK[@]}" raw "$R" --no-errors --context nodes=2
"${CHECK[@]}" csv "$R" --rows-min 4 --status ok --valid 1 --modes mpi,hybrid --kernels sum,combine --nodes 2 --ranks 2 --hosts-all snode1,snode2
moved=$((b1 - b0))
echo "veth ${CL_VETH[0]}: $moved bytes moved during the job"
# The combine kernel sums per-rank partials (combine_bytes per iteration, at least one
# iteration per point): with one rank per node all of that must cross the veth.
need=$("$PY" - "$R/results.csv" <<'PY'
import csv, sys
print(int(sum(float(r["combine_bytes"] or 0) for r in csv.DictReader(open(sys.argv[1]))
              if r["kernel"] == "combine")))
PY
)
echo "combine kernel: at least $need bytes of partials between the ranks"
[ "$need" -gt 0 ] || cl_die "no combine_bytes in results.csv"
[ "$moved" -ge "$need" ] || cl_die "only $moved bytes crossed the veth (< $need): MPI did not go over TCP between the nodes"
grep -rq 'launcher.*srun\|srun --mpi=pmix' "$R"/points/*/command.txt || cl_die "points were not launched with srun --mpi=pmix"

cl_step "submit_sweep.py --nodes 1,2 --layouts 4x1,1x4 --shared: two arrays, whole cores on the SMT nodes"
cl_run timeout 120 "$PY" "$SRC/slurm/submit_sweep.py" --nodes 1,2 --layouts 4x1,1x4 --scaling weak --time 5 \
    --shared --sweep-args "--kernels=sum --repetitions=1 --quick" --out "$W/sweep" | tee "$W/submit.txt"
ids=$(sed -n 's/^jobs: \([0-9_ ]*\) combine: \([0-9]*\)$/\1/p' "$W/submit.txt")
cid=$(sed -n 's/^jobs: .* combine: \([0-9]*\)$/\1/p' "$W/submit.txt")
[ -n "$ids" ] && [ -n "$cid" ] || cl_die "submit_sweep.py did not print the job ids"
[ "$(echo "$ids" | wc -w)" = 4 ] && [ "$(echo "$ids" | tr ' ' '\n' | cut -d_ -f1 | sort -u | wc -l)" = 2 ] ||
    cl_die "expected 2 arrays of 2 tasks, got '$ids'"
for j in $ids; do
    cl_expect_state "$j" COMPLETED 120 "$W/sweep/logs/sumbench-$j.out"
    # Slurm gave the task 4 whole cores on every node: all 8 hardware threads (without
    # --hint=nomultithread, 4 tasks x 1 CPU get CPU_IDs=0-1,4-5: 2 cores).
    alloc=$(cl_query scontrol show job -d "$j" | grep -o 'CPU_IDs=[^ ]*' | sort -u)
    [ "$alloc" = "CPU_IDs=0-7" ] || cl_die "$j holds $alloc, not 4 whole cores per node"
    "${CHECK[@]}" whole-cores "$W/sweep/slurm-$j" 4
done
# shellcheck disable=SC2086  # $ids: the array's task ids, one word each
cl_expect_combine "$cid" "$W/sweep" $ids
"${CHECK[@]}" csv "$W/sweep" --rows-min 4 --status ok --valid 1 --modes mpi,hybrid --scalings weak
"$PY" - "$W/sweep/results.csv" <<'PY' || cl_die "the sweep lacks a node count"
import csv, sys
nodes = {r["nodes"] for r in csv.DictReader(open(sys.argv[1]))}
print("node counts in the combined results.csv:", sorted(nodes))
sys.exit(0 if {"1", "2"} <= nodes else 1)
PY
# The report draws the node-count curve (1 and 2 nodes at 1 rank x 2 threads per node)
# and takes the allocation's cores, not one node's, as the core count.
"$PY" - "$W/sweep/manifest.json" "$W/sweep/report/tables/nodes.csv" <<'PY' || cl_die "the combined core count is not the allocation's"
import csv, json, sys
m = json.load(open(sys.argv[1]))["machine"]
print("combined machine:", {k: m.get(k) for k in ("cores", "cores_per_node", "nodes")})
rows = list(csv.DictReader(open(sys.argv[2])))
over = [(r["series"], r["nodes"]) for r in rows if r.get("oversubscribed") not in ("", "0", "False", None)]
print("nodes.csv rows:", len(rows), "shaded oversubscribed:", over)
sys.exit(0 if m["nodes"] == 2 and m["cores"] == 2 * m["cores_per_node"] and not over else 1)
PY
"${CHECK[@]}" report "$W/sweep" --node-curve sum_weak --text "sbatch: " --text "did NOT ask for whole nodes" \
    --text "HWLOC_SYNTHETIC="
echo "PASS"
