#!/usr/bin/env bash
# Builds and runs every test: the release build runs them all (unit, e2e, mpi, gil,
# runners, reports, slurm); the ASan+UBSan build runs the C++ and driver tests; the
# TSan build runs the GIL lock and mode tests. Run scripts/setup.sh test first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/mpi-env.sh

for preset in release asan tsan; do
  echo "== $preset: build"
  scripts/build.sh "$preset"
  echo "== $preset: test"
  ctest --preset "$preset"
done
echo "== all tests passed (release, asan, tsan)"
