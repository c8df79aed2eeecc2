#!/usr/bin/env bash
# Records BENCHMARKS.md's GIL section: the pre-registered fidelity run (issue 20), one run
# of runners/fidelity.py into bench/results/fidelity-<host>-<date>/ (a sweep-style folder:
# points/fidelity/ holds every measurement in raw.json, the tidy rows and the table;
# results.csv; plus machine.txt and the exact command in command.txt):
#   bench/fidelity/record.sh           the recording
#   bench/fidelity/record.sh --plan    what it runs and how long it should take; runs nothing
#
# Pre-registered, so it takes no other argument: every figure (35, with the controls fifo,
# none and the crossed pairing, legacy's defaults, and the C = 0 runs), every interpreter
# found (pyenv: 2.7 and 3.6-3.13; missing ones are named and skipped), 15 repetitions
# interleaved (the fewest issue 20 allows: the verdict's bootstrap needs runs, and every
# repetition costs ~3.5 min), 100 waits per convoy run, 0.25 s per I/O convoy and CPU run,
# a quiet window of up to 60 s before each group. The rule is fixed in
# python/sumbench/fidelity/verdict.py. The whole run is what gets reported: no figure is
# re-run alone toward a verdict (runners/fidelity.py --figures is for experiments, not
# for BENCHMARKS.md).
#
# Duration: about 50 minutes on the quiet 2-core guest (fidelity.py prints its estimate at
# the start and an ETA after every group); longer while the quiet windows wait. During
# every run the machine's busy share (/proc/stat) is compared with our own CPU time: a
# run during which others used over 10% of the machine is marked noisy; if more than 5%
# of the runs are, the table says NOISY RECORDING, this script says so at the end, and the
# recording is to be repeated whole on a quiet machine, not patched.
# Needs build/sumbench (scripts/build.sh) and Debian's /usr/bin/python3.
# A stopped recording resumes: run the command in its command.txt again.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=/usr/bin/python3
[ -x "$python" ] || python=python3
args=(--python all --repetitions 15 --waits 100 --cpu-seconds 0.25 --io-seconds 0.25 --quiet-wait 60)
if [ "$#" -gt 0 ]; then
  if [ "$*" = "--plan" ]; then
    exec "$python" runners/fidelity.py "${args[@]}" --out bench/results/unused --plan
  fi
  echo "record.sh: '$*': the recording takes no arguments (it is pre-registered); allowed: --plan" >&2
  exit 2
fi
out=bench/results/fidelity-$(hostname)-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
[ ! -e "$out" ] || { echo "record.sh: $out exists" >&2; exit 2; }
snapshot() { date -u; uptime; cat /proc/pressure/cpu 2>/dev/null || true; top -bn1 -w 200 2>/dev/null | head -15 || true; }
before=$({ uname -a; lscpu | grep -E 'Model name|^CPU\(s\)|L3'; nproc; git rev-parse HEAD; git status --short; snapshot; } 2>&1)
cmd=("$python" runners/fidelity.py "${args[@]}" --out "$out")
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
{ echo "$before"; echo "--- after:"; snapshot; } >"$out/machine.txt" 2>&1
if [ "$status" -ne 0 ]; then
  echo "runners/fidelity.py failed (exit $status); its output is in $out/output.txt; the same command resumes" >&2
  exit "$status"
fi
recording=$("$python" -c 'import json,sys; d=json.load(open(sys.argv[1])); l=d["load"]; print(l["recording"], l["noisy_runs"])' \
  "$out/points/fidelity/raw.json")
echo "recorded into $out (table: $out/points/fidelity/table.txt); recording: $recording noisy runs"
case "$recording" in
  noisy*) echo "record.sh: NOISY RECORDING: more than 5% of the runs were noisy; repeat it whole on a quiet machine" >&2 ;;
esac
