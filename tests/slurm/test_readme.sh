#!/bin/bash
# slurm/README.md's examples, run (readme_examples.py): on a cluster shaped like the
# examples' (partition "compute" of 8 nodes of 2 x 32 x 2 hardware threads: this machine,
# declared so, and 7 that never answer), every sbatch line is taken by Slurm itself
# (sbatch --test-only: nothing is queued), every submit_sweep.py example's dry run passes
# and each of its sbatch lines is taken, and the other commands run as written.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/cluster.sh
. "$HERE/cluster.sh"
cl_begin 150
SHAPE="Sockets=2 CoresPerSocket=32 ThreadsPerCore=2"
# The 7 other nodes have an address nothing answers on: they stay "not responding" for
# SlurmdTimeout (300 s by default), and sbatch --test-only plans with them meanwhile.
CL_CPUS=128 CL_NODE_OPTS="$SHAPE" CL_EXTRA_CONF="NodeName=cn[1-7] CPUs=128 $SHAPE RealMemory=$(_cl_mem) NodeAddr=127.0.0.9 State=UNKNOWN
PartitionName=compute Nodes=$(hostname -s),cn[1-7] MaxTime=INFINITE State=UP" cl_start_single
# The README's own setting for a site's partition and account.
export SBATCH_PARTITION=compute SBATCH_ACCOUNT=myproj
cd "$CL_DIR/work"
"$PY" "$HERE/readme_examples.py" "$SRC/slurm/README.md" "$CL_DIR/work"
echo "PASS"
