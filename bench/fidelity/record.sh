#!/usr/bin/env bash
# Records the model-against-real table of BENCHMARKS.md's GIL section, in one run, into
# bench/results/fidelity-<host>-<date>/ (fidelity.json with every measurement, the printed
# table, the machine and the exact command):
#   bench/fidelity/record.sh [more fidelity.py flags]
# Needs build/sumbench (scripts/build.sh) and the interpreters (pyenv: 2.7 and 3.6-3.13;
# missing ones are named and skipped). About 10-15 minutes on 2 cores. Run it on a quiet
# machine: other users' jobs move wake-up latencies by whole scheduler ticks (NOTES.md,
# E2); --quiet-wait makes each figure of each repetition wait up to 120 s for one, and the run says
# how many repetitions had it.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=/usr/bin/python3
[ -x "$python" ] || python=python3
out=bench/results/fidelity-$(hostname)-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
mkdir "$out"  # a new folder: never write into an existing one
{ uname -a; lscpu | grep -E 'Model name|^CPU\(s\)|L3'; nproc; git rev-parse HEAD; git status --short; date -u; uptime; } \
  >"$out/machine.txt" 2>&1
cmd=("$python" bench/fidelity/fidelity.py --repetitions 5 --quiet-wait 120 --out "$out/fidelity.json" "$@")
echo "${cmd[*]}" >"$out/command.txt"
set +e
"${cmd[@]}" 2>&1 | tee "$out/table.txt.part"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then  # no half-written table: the output is kept as the failure's log
  mv "$out/table.txt.part" "$out/failed.log"
  echo "fidelity.py failed (exit $status); its output is in $out/failed.log" >&2
  exit "$status"
fi
mv "$out/table.txt.part" "$out/table.txt"
echo "recorded into $out"
