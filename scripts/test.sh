#!/usr/bin/env bash
# Builds and runs every test: a Release build in a folder of no preset (tests pass in any
# build folder, `cmake -S . -B anywhere`; a temporary one, removed at the end) runs them all
# (unit, e2e, mpi, gil, runners, reports, slurm, install, jube, format); the ASan+UBSan build
# runs the C++ and driver tests; the TSan build runs the GIL lock and mode tests; the MPICH
# build (sumbench against MPICH, build-mpich/) runs the MPI driver tests and a sweep under
# mpiexec.mpich, and the Slurm test's MPICH job (srun --mpi=pmi2). It builds no build/:
# scripts/build.sh does (the main job's). Run scripts/setup.sh test first.
# Every ctest runs $(nproc) tests at once (ctest -j): the Slurm tests mostly wait on their
# cluster (jobs that sleep, a node declared down), the runner and hardening tests on
# launchers; tests that time something or signal a run are RUN_SERIAL (alone), the Slurm
# ones hold one lock (RESOURCE_LOCK slurm_cluster). Set SUMBENCH_TEST_JOBS=1 to run one at a time.
# The sanitizer presets compile at -O1 -g1 (CMakePresets.json): the level the sanitizers'
# manuals recommend, with line tables for their reports, in about half the time of -O2 -g.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/mpi-env.sh
# pyenv's shim for `python3` is a bash script that runs several more (~0.3 s of CPU a start,
# against 0.04 s for python3 itself), paid at every start of a `#!/usr/bin/env python3` tool,
# fake launcher or helper in the tests: under ctest runners.fake_sweep took 51 CPU-s through
# the shim and 16 without it (2026-12-07). So the shim's answer is looked up once, and its
# folder put first on PATH: the same interpreter, as a shim-started python's own children
# find it anyway (pyenv exec puts that folder first).
# Only a folder of pyenv's own: with `pyenv global system` the answer is /usr/bin, and putting
# that first would change which mpirun or cmake the tests find.
# (pyenv which answers for this folder: a .python-version here would be honoured everywhere.)
if command -v pyenv >/dev/null && proot=$(pyenv root 2>/dev/null) &&
  [ "$(command -v python3 || true)" = "$proot/shims/python3" ]; then
  if shimmed=$(pyenv which python3 2>/dev/null) && [ -x "$shimmed" ] && [[ "$shimmed" == "$proot/versions/"* ]]; then
    PATH="$(dirname "$shimmed"):$PATH"
    echo "note: python3 is pyenv's shim; its interpreter, $shimmed, goes first on PATH for the tests" >&2
  fi
fi
ctest_jobs=${SUMBENCH_TEST_JOBS:-$(nproc)}
# The release run takes one test more than the CPUs: its Slurm tests, one at a time, hold a
# slot for 8-10 minutes in all while using ~20% of 2 CPUs (a job's 1-minute time limit, a node
# declared down: measured with /proc/stat, 2026-12-07).
release_jobs=${SUMBENCH_TEST_JOBS:-$(( $(nproc) + 1 ))}

echo "== mpich: build (sumbench only: its tests and the Slurm test's MPICH job use it)"
scripts/build.sh mpich
echo "== release, in a build folder of no preset: build"
elsewhere=$(mktemp -d "${TMPDIR:-/tmp}/sumbench-release.XXXXXX")
trap 'rm -rf "$elsewhere"' EXIT
chmod 755 "$elsewhere"  # mktemp's 0700 would hide sumbench from the tests that run as another user
cmake -S . -B "$elsewhere" -DCMAKE_BUILD_TYPE=Release
cmake --build "$elsewhere" -j "$(nproc)"
# The tests start the Python tools hundreds of times with PYTHONDONTWRITEBYTECODE=1: without
# bytecode each start compiles the package again (~0.07 s of CPU). So it is compiled once here,
# into python/**/__pycache__ (git-ignored; what any run of the tools writes), by the tests'
# Python and the python3 on PATH; an interpreter that cannot compile it just goes without.
for py in "$(sed -n 's/^SUMBENCH_PYTHON:FILEPATH=//p' "$elsewhere/CMakeCache.txt")" "$(command -v python3 || true)"; do
  if [ -n "$py" ]; then "$py" -m compileall -q -j 0 python >/dev/null 2>&1 || true; fi
done
export SUMBENCH_REQUIRE_MPICH=1  # the Slurm test must run its MPICH job, never skip it
export SUMBENCH_REQUIRE_CLANG_FORMAT=1  # the formatting check must run, never skip
# The tests labelled `serial` (RUN_SERIAL: they time something or signal a run in flight) run
# last in each run, one at a time, and mostly sleep (the CPUs 26-42% busy): so the next
# sanitizer build compiles beside them, at nice 19. Measured, 2026-12-07: the 14 of the release
# run all passed beside the asan build, in 345 s against 313 s alone, and the build's ~170 s
# came off the total.
bg=""
# A build still running when this script stops (a failed test) is stopped with it: its own
# process group (setsid), killed whole.
trap 'if [ -n "$bg" ]; then kill -- "-$bg" 2>/dev/null || true; wait "$bg" 2>/dev/null || true; fi; rm -rf "$elsewhere"' EXIT
build_beside() {  # build_beside PRESET: that preset's build, niced, in the background
  echo "== $1: build, beside the serial tests (nice 19; its output: $elsewhere/build-$1.log)"
  setsid nice -n 19 scripts/build.sh "$1" >"$elsewhere/build-$1.log" 2>&1 &
  bg=$!
}
built() {  # built PRESET: waits for build_beside's build; prints its log and stops if it failed
  if ! wait "$bg"; then
    bg=""
    cat "$elsewhere/build-$1.log" >&2
    echo "== $1: build FAILED" >&2
    exit 1
  fi
  bg=""
  echo "== $1: built"
}
echo "== release: test"
ctest --test-dir "$elsewhere" --output-on-failure --no-tests=error -j "$release_jobs" -LE '^serial$'
build_beside asan
echo "== release: the serial tests"
ctest --test-dir "$elsewhere" --output-on-failure --no-tests=error -L '^serial$'
built asan
echo "== asan: test"
ctest --preset asan -j "$ctest_jobs" -LE '^serial$'
build_beside tsan
echo "== asan: the serial tests"
ctest --preset asan -L '^serial$'
built tsan
echo "== tsan: test"
ctest --preset tsan -j "$ctest_jobs"
echo "== mpich: test"
ctest --preset mpich -j "$ctest_jobs"
echo "== all tests passed (release in $elsewhere, asan, tsan, mpich)"
