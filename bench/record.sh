#!/usr/bin/env bash
# Records the figures of BENCHMARKS.md on this machine, in one run, into
# bench/results/<host>-<date>/ (raw outputs + the exact commands), for provenance.
#   bench/record.sh            (after scripts/build.sh; takes about 5 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/mpi-env.sh
out=bench/results/$(hostname)-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
sb=build/sumbench
log() { echo "+ $*" | tee -a "$out/commands.txt"; }
run() {  # run NAME CMD...: keeps stdout+stderr in NAME.txt
  local name=$1; shift
  log "$*"
  "$@" >"$out/$name.txt" 2>&1 || echo "exit $?" >>"$out/$name.txt"
}
{ uname -a; lscpu | grep -E 'Model name|^CPU\(s\)|L3'; nproc; git rev-parse HEAD; date -u; } >"$out/machine.txt"

# 1. sum kernel against the plain g++ -O3 -march=native loop, and time(8n)/time(n).
run sum_loop build/bench/sum_loop --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
# 2. Speedup at 2 workers on 2 cores (ranks unbound so rank 0's threads get both cores).
run two_workers mpirun -n 2 --bind-to none $sb --workers=2 --hybrid=2x1,1x2 --modes=serial,omp,mpi,hybrid,gil \
    --gil-policy=cpython,legacy --benchmark_repetitions=5 --benchmark_out="$out/two_workers.json" --benchmark_out_format=json
# 3. Convoy: added latency per 1 ms wait, C = 0, 1, 2 CPU threads, every policy, 1 ms and 5 ms.
run convoy $sb --kernels=convoy --modes=serial,omp,gil --workers=1,2,3 --gil-policy=cpython,fifo,none \
    --switch-interval=1ms,5ms --n=20 --benchmark_repetitions=3 --benchmark_min_time=0 --benchmark_out="$out/convoy.json" --benchmark_out_format=json
# legacy (Python 2.7's semaphore, check interval 100): the woken I/O thread wins within
# microseconds. Its model-against-Python-2.7 figures come from bench/fidelity/record.sh.
run convoy_legacy $sb --kernels=convoy --modes=gil --workers=2,3,4 --gil-policy=legacy \
    --check-interval=100 --n=20 --benchmark_repetitions=3 --benchmark_min_time=0 \
    --benchmark_out="$out/convoy_legacy.json" --benchmark_out_format=json
run cpython_convoy python3 runners/cpython_baseline.py --kernels convoy,sum,sleep --workers 1,2,3 --scaling strong \
    --switch-interval 1ms,5ms --io-waits 20 --repetitions 3 --out "$out/cpython"
# 4. Lock hand-off latency per policy.
run gil_handoff build/bench/gil_handoff --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
# 5. Switch-interval sweep, 50 us to 50 ms: sum throughput at 2 threads and convoy latency (C=1).
run interval_sweep_sum $sb --kernels=sum --modes=serial,gil --workers=2 --gil-policy=cpython \
    --switch-interval=50us,200us,1ms,5ms,20ms,50ms --benchmark_repetitions=3 \
    --benchmark_out="$out/interval_sweep_sum.json" --benchmark_out_format=json
run interval_sweep_convoy $sb --kernels=convoy --modes=gil --workers=2 --gil-policy=cpython \
    --switch-interval=50us,200us,1ms,5ms,20ms,50ms --n=50 --benchmark_repetitions=3 --benchmark_min_time=0 \
    --benchmark_out="$out/interval_sweep_convoy.json" --benchmark_out_format=json
# 6. Wall time of the default main run.
mpi_flags_for 4
log "mpirun -n 4 ${MPI_FLAGS[*]} $sb  (timed)"
/usr/bin/time -f "wall_s %e" -o "$out/default_wall.txt" mpirun -n 4 "${MPI_FLAGS[@]}" $sb >"$out/default.txt" 2>&1
echo "recorded into $out"
