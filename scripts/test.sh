#!/usr/bin/env bash
# Builds and runs every test: the release build runs them all (unit, e2e, mpi, gil,
# runners, reports, slurm); the ASan+UBSan build runs the C++ and driver tests; the
# TSan build runs the GIL lock and mode tests; the MPICH build (sumbench against MPICH,
# build-mpich/) runs the MPI driver tests and a sweep under mpiexec.mpich, and the Slurm
# test's MPICH job (srun --mpi=pmi2). Run scripts/setup.sh test first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/mpi-env.sh

echo "== mpich: build (sumbench only: its tests and the release Slurm test use it)"
scripts/build.sh mpich
export SUMBENCH_REQUIRE_MPICH=1  # the Slurm test must run its MPICH job, never skip it
for preset in release asan tsan; do
  echo "== $preset: build"
  scripts/build.sh "$preset"
  echo "== $preset: test"
  ctest --preset "$preset"
done
echo "== mpich: test"
ctest --preset mpich
echo "== all tests passed (release, asan, tsan, mpich)"
