#!/usr/bin/env bash
# Records BENCHMARKS.md's "The default run" and "Harness overhead" figures into
# bench/results/<host>-<date>-overhead/ (summary.txt, walls.txt, commands.txt, machine.txt,
# one default run in full; the rest of the raw outputs into build-overhead-raw/):
#  - the default run (mpirun -n 4 build/sumbench) of a "before" commit and of this build,
#    N times each, interleaved: wall time, and this build's measured share per kernel;
#  - each kernel alone, before and after: its timed regions against the command's wall
#    time (MPI start-up included), the method of issue 13's table;
#  - every kernel's timed figures before and after, at the same min time (0.01 s, the old
#    default), at each build's own default, and for triad and combine in steady state
#    (min time 0.2 s);
#  - combine's step against a plain MPI_Reduce at 2 ranks, before and after, and
#    build/bench/reduce_ways (data types and methods).
#   bench/overhead.sh [BEFORE_COMMIT [N]]   (default 18ebea3, main before this work; N = 5)
# Run after scripts/build.sh; it builds BEFORE_COMMIT's sumbench into build-overhead-before/.
# On a shared machine, SUMBENCH_TIMING_PRIORITY=1 runs each timed command in a session of
# its own with autogroup nice -10 (root only): with autogroups (sched_autogroup_enabled=1)
# the other sessions' nice 19 jobs otherwise still take a fair share of the CPUs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/mpi-env.sh
before_commit=${1:-18ebea3}
n=${2:-5}
case $n in '' | *[!0-9]* | 0) echo "overhead.sh: N must be a whole number >= 1 (got '$n')" >&2; exit 2 ;; esac
git rev-parse --verify -q "$before_commit^{commit}" >/dev/null ||
  { echo "overhead.sh: '$before_commit' is not a commit of this repository" >&2; exit 2; }
after=build/sumbench
[ -x "$after" ] && [ -x build/bench/reduce_ways ] || { echo "overhead.sh: run scripts/build.sh first" >&2; exit 1; }

before_dir=build-overhead-before
if [ ! -x "$before_dir/build/sumbench" ] || [ "$(cat "$before_dir/commit" 2>/dev/null)" != "$before_commit" ]; then
  echo "building $before_commit into $before_dir/ ..." >&2
  mkdir -p "$before_dir/src"
  git archive "$before_commit" | tar -x -C "$before_dir/src"
  nice -n 19 cmake -S "$before_dir/src" -B "$before_dir/build" -DCMAKE_BUILD_TYPE=Release -DSUMBENCH_TESTS=OFF >/dev/null
  nice -n 19 cmake --build "$before_dir/build" -j "$(nproc)" --target sumbench >/dev/null
  echo "$before_commit" >"$before_dir/commit"
fi
before=$before_dir/build/sumbench

out=bench/results/$(hostname)-$(date -u +%Y%m%dT%H%M%SZ)-overhead
mkdir -p "$out"
{ uname -a; lscpu | grep -E 'Model name|^CPU\(s\)|L3'; nproc; echo "after: $(git rev-parse HEAD) $(git status --porcelain --untracked-files=no | grep -q . && echo '(dirty)')";
  echo "before: $(git rev-parse "$before_commit")"; echo "timing priority: ${SUMBENCH_TIMING_PRIORITY:-0}"; date -u; } >"$out/machine.txt"

timed() {  # timed NAME CMD...: stdout+stderr in NAME.txt, wall seconds and load in walls.txt
  local name=$1; shift
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "+ $*" >>"$out/commands.txt"
  local status=0
  if [ "${SUMBENCH_TIMING_PRIORITY:-0}" = 1 ]; then
    /usr/bin/time -f "%e" -o "$out/$name.wall" setsid bash -c 'echo -10 > /proc/self/autogroup && exec "$@"' bash "$@" \
      >"$out/$name.txt" 2>&1 || status=$?
  else
    /usr/bin/time -f "%e" -o "$out/$name.wall" "$@" >"$out/$name.txt" 2>&1 || status=$?
  fi
  echo "$name load_before $load wall_s $(tail -1 "$out/$name.wall") exit $status" | tee -a "$out/walls.txt"
}

mpi_flags_for 4
for i in $(seq 1 "$n"); do
  for who in before after; do
    bin=${!who}
    timed "default-$who-$i" mpirun -n 4 "${MPI_FLAGS[@]}" "$bin" --benchmark_out="$out/default-$who-$i.json" --benchmark_out_format=json
  done
  timed "default-after-mt0.01-$i" mpirun -n 4 "${MPI_FLAGS[@]}" "$after" --benchmark_min_time=0.01 \
    --benchmark_out="$out/default-after-mt0.01-$i.json" --benchmark_out_format=json
done
# The issue's method: each kernel alone (MPI start-up included), its timed regions against
# the wall time of the whole command.
for i in $(seq 1 "$n"); do
  for kernel in sum sleep triad combine; do
    for who in before after; do
      bin=${!who}
      timed "kernel-$kernel-$who-$i" mpirun -n 4 "${MPI_FLAGS[@]}" "$bin" --kernels=$kernel \
        --benchmark_out="$out/kernel-$kernel-$who-$i.json" --benchmark_out_format=json
    done
  done
done
# Steady state: triad and combine with about 20 iterations per repetition, so that the
# first iteration after a validation (which may find data in cache) hardly counts.
for i in $(seq 1 "$n"); do
  for who in before after; do
    bin=${!who}
    timed "steady-$who-$i" mpirun -n 4 "${MPI_FLAGS[@]}" "$bin" --kernels=triad,combine --benchmark_min_time=0.2 \
      --benchmark_out="$out/steady-$who-$i.json" --benchmark_out_format=json
  done
done
for i in $(seq 1 "$n"); do
  for who in before after; do
    bin=${!who}
    timed "combine2-$who-$i" mpirun -n 2 "$bin" --kernels=combine --modes=mpi --workers=2 --benchmark_repetitions=10 \
      --benchmark_out="$out/combine2-$who-$i.json" --benchmark_out_format=json
  done
done
timed reduce_ways mpirun -n 2 build/bench/reduce_ways 20
python3 bench/overhead_summary.py "$out" | tee "$out/summary.txt"
# The repository keeps what BENCHMARKS.md cites (the summary, every wall time, the commands,
# the machine, and the first default run of this build in full); the other raw outputs
# (several MB) move to build-overhead-raw/ (ignored by git), where the summary can be re-run.
raw=build-overhead-raw/$(basename "$out")
mkdir -p "$raw"
for f in "$out"/*; do
  case $(basename "$f") in
    machine.txt | commands.txt | walls.txt | summary.txt | reduce_ways.txt | default-after-1.json | default-after-1.txt) ;;
    *) mv "$f" "$raw/" ;;
  esac
done
echo "recorded into $out (the other raw outputs: $raw)"
