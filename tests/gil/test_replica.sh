#!/bin/sh
# gil.replica: bench/fidelity/replica.c (the C replica of ceval_gil.c, docs/DESIGN.md, GIL
# policies: timeout from the return code) builds with
# the C compiler, runs a short convoy in both variants and prints a mean added latency, and
# refuses bad arguments with one line and exit 2.
# usage: test_replica.sh SOURCE
set -eu
src=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
${CC:-cc} -O2 -pthread -Wall -Wextra -Werror "$src" -o "$out/replica"
for variant in "" extra-read; do
  # shellcheck disable=SC2086  # the variant is one word or none
  ms=$("$out/replica" 2 1000 300 20 $variant)
  echo "$ms" | grep -Eq '^[0-9]+\.[0-9]{3}$' || { echo "replica $variant printed '$ms', not a latency in ms"; exit 1; }
done
for bad in "2 0 300 5" "0 1000 300 5" "2 1000 x 5" "2 1000 300 5 more" "2 1000 300"; do
  set +e
  # shellcheck disable=SC2086  # split into arguments on purpose
  "$out/replica" $bad 2>"$out/err" >/dev/null
  rc=$?
  set -e
  [ "$rc" -eq 2 ] || { echo "replica $bad: exit $rc, expected 2"; exit 1; }
  [ "$(wc -l <"$out/err")" -eq 1 ] || { echo "replica $bad: expected one line on stderr:"; cat "$out/err"; exit 1; }
done
echo "replica: ok"
