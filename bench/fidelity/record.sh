#!/usr/bin/env bash
# Records the model-against-real table of BENCHMARKS.md's GIL section, in one run of the
# package command runners/fidelity.py, into bench/results/fidelity-<host>-<date>/ (a
# sweep-style folder: points/fidelity/ holds every measurement in raw.json, the tidy rows
# and the table; results.csv; plus machine.txt and the exact command in command.txt):
#   bench/fidelity/record.sh [more runners/fidelity.py flags]
# Needs build/sumbench (scripts/build.sh) and the interpreters (pyenv: 2.7 and 3.6-3.13;
# missing ones are named and skipped). About 16 minutes on a quiet 2-core machine, longer
# while it waits for quiet windows. Run it on a quiet machine: other users' jobs move
# wake-up latencies by whole scheduler ticks (NOTES.md, E2); --quiet-wait makes each
# figure of each repetition wait up to 120 s for a quiet window, and the run says how
# many had one. A stopped recording resumes: run the command in its command.txt again.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=/usr/bin/python3
[ -x "$python" ] || python=python3
out=bench/results/fidelity-$(hostname)-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
[ ! -e "$out" ] || { echo "record.sh: $out exists" >&2; exit 2; }
before=$({ uname -a; lscpu | grep -E 'Model name|^CPU\(s\)|L3'; nproc; git rev-parse HEAD; git status --short; date -u; uptime; } 2>&1)
cmd=("$python" runners/fidelity.py --python all --repetitions 7 --quiet-wait 120 --out "$out" "$@")
log=$(mktemp bench/results/.fidelity-log.XXXXXX)
set +e
"${cmd[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ ! -d "$out" ]; then  # refused before it started: nothing recorded
  rm -f "$log"
  exit "$status"
fi
# The command made the folder (its marker first); the record's own files join it.
mv "$log" "$out/output.txt"
echo "${cmd[*]}" >"$out/command.txt"
{ echo "$before"; echo "--- after:"; date -u; uptime; } >"$out/machine.txt"
if [ "$status" -ne 0 ]; then
  echo "runners/fidelity.py failed (exit $status); its output is in $out/output.txt; the same command resumes" >&2
  exit "$status"
fi
echo "recorded into $out (table: $out/points/fidelity/table.txt)"
