# Sourced by the scripts: the Open MPI settings a run on this machine needs, each
# added only where it is needed, and said out loud.
#   mpi_flags_for RANKS   sets MPI_FLAGS (an array) for `mpirun -n RANKS`
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  echo "note: running as root: OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 let mpirun start" >&2
fi
# Open MPI counts its slots in physical cores, not hardware threads: the cores come from
# sumbench's catalogue (hwloc), else nproc.
physical_cores() {
  build/sumbench --list=json 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["topology"]["allowed_cores"])' 2>/dev/null || nproc
}
mpi_flags_for() {
  local ranks=$1 cores
  cores=$(physical_cores)
  MPI_FLAGS=()
  if [ "$ranks" -gt "$cores" ]; then
    MPI_FLAGS+=(--oversubscribe)
    echo "note: $ranks ranks on $cores cores: adding --oversubscribe; sumbench marks these results OVERSUBSCRIBED" >&2
  fi
}
