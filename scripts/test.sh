#!/usr/bin/env bash
# Builds and runs every test: the release build runs them all (unit, e2e, mpi, gil,
# runners, reports, slurm); the ASan+UBSan build runs the C++ and driver tests; the
# TSan build runs the GIL lock and mode tests; the MPICH build (sumbench against MPICH,
# build-mpich/) runs the MPI driver tests and a sweep under mpiexec.mpich, and the Slurm
# test's MPICH job (srun --mpi=pmi2). The runner tests run once, in a build folder of no
# preset (tests pass in any build folder, `cmake -S . -B anywhere`). Run
# scripts/setup.sh test first.
# Every ctest runs $(nproc) tests at once (ctest -j): the Slurm tests mostly wait on their
# cluster (jobs that sleep, a node declared down), the runner and hardening tests on
# launchers; tests that time something or signal a run are RUN_SERIAL (alone), the Slurm
# ones hold one lock (RESOURCE_LOCK slurm_cluster). Set SUMBENCH_TEST_JOBS=1 to run one at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/mpi-env.sh
ctest_jobs=${SUMBENCH_TEST_JOBS:-$(nproc)}

echo "== mpich: build (sumbench only: its tests and the release Slurm test use it)"
scripts/build.sh mpich
# Before the release build: on a clean clone no build/sumbench exists yet for a test to
# lean on. sumbench alone is built there (the runner tests need nothing else), in a
# temporary folder outside the tree; the release step below leaves the runner tests out.
echo "== elsewhere: sumbench in a non-default build folder, and the runner tests there"
elsewhere=$(mktemp -d "${TMPDIR:-/tmp}/sumbench-elsewhere.XXXXXX")
trap 'rm -rf "$elsewhere"' EXIT
cmake -S . -B "$elsewhere" -DCMAKE_BUILD_TYPE=Release
cmake --build "$elsewhere" --target sumbench -j "$(nproc)"
ctest --test-dir "$elsewhere" -R '^runners\.' --output-on-failure --no-tests=error -j "$ctest_jobs"
export SUMBENCH_REQUIRE_MPICH=1  # the Slurm test must run its MPICH job, never skip it
export SUMBENCH_REQUIRE_CLANG_FORMAT=1  # the formatting check must run, never skip
for preset in release asan tsan; do
  echo "== $preset: build"
  scripts/build.sh "$preset"
  echo "== $preset: test"
  if [ "$preset" = release ]; then
    ctest --preset release -E '^runners\.' -j "$ctest_jobs"   # the runner tests ran above, elsewhere
  else
    ctest --preset "$preset" -j "$ctest_jobs"
  fi
done
echo "== mpich: test"
ctest --preset mpich -j "$ctest_jobs"
echo "== all tests passed (elsewhere, release, asan, tsan, mpich)"
