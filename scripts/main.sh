#!/usr/bin/env bash
# The main job: `mpirun -n 4 ./sumbench` (every kernel in every mode at 4 workers),
# then a quick sweep of this machine (the post's sum and sleep, plus CPython itself),
# the gil policies beside the real interpreters found (runners/fidelity.py, a short run),
# then the report; it ends with the report's answer, one sentence per kernel. Run
# scripts/setup.sh and scripts/build.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/mpi-env.sh
sumbench=build/sumbench
[ -x "$sumbench" ] || { echo "main.sh: $sumbench is missing: run scripts/build.sh first" >&2; exit 1; }

mpi_flags_for 4
echo "+ mpirun -n 4 ${MPI_FLAGS[*]} $sumbench"
mpirun -n 4 "${MPI_FLAGS[@]}" "$sumbench"

out=${SUMBENCH_RESULTS:-results}/quick-$(date -u +%Y%m%dT%H%M%SZ)
echo
echo "+ python3 runners/sweep.py ... --out $out   (quick sweep: sum and sleep, every mode, 1..2x cores workers)"
python3 runners/sweep.py --kernels sum,sleep --modes serial,omp,mpi,hybrid,gil --scaling strong \
  --repetitions 3 --max-reruns 1 --timeout 120 --out "$out"
echo "+ python3 runners/cpython_baseline.py ... --out $out   (the post's experiment in this machine's CPython)"
python3 runners/cpython_baseline.py --kernels sum,sleep --scaling strong --repetitions 3 --out "$out" ||
  echo "note: the CPython baseline did not complete; the report will show sumbench's modes only" >&2
echo "+ python3 runners/fidelity.py --out $out --python all --figures cpu:2,convoy:2:check100,convoy:2:1ms --repetitions 5"
echo "  (the gil policies beside every CPython found, with their controls: the CPU ratio and one convoy"
echo "   figure, interleaved; 5 repetitions, the fewest the verdict takes: BENCHMARKS.md's run has 15)"
python3 runners/fidelity.py --out "$out" --python all --figures cpu:2,convoy:2:check100,convoy:2:1ms \
  --repetitions 5 ||
  echo "note: the fidelity run did not complete; the report will say that it has no model-vs-real rows" >&2
echo "+ python3 reports/report.py $out --out $out/report"
python3 reports/report.py "$out" --out "$out/report" | sed -n 1p   # its answer is printed last, below
echo
echo "report: $(cd "$out/report" && pwd)/index.html"
echo "answer (the top of the report, one sentence per kernel):"
python3 reports/summary.py "$out" --format answer | sed 's/^/  /'
