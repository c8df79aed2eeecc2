#!/usr/bin/env bash
# The formatting check (issue 25 item 5), two tests:
#   test_format.sh tree      scripts/format.sh --check over the source tree: every C++ file
#                            is as clang-format 14 and .clang-format leave it.
#   test_format.sh control   the check can fail: in a temporary tree of no git (so the
#                            folders are globbed), a formatted copy of a real source passes,
#                            the same copy misformatted fails and is named, a line over the
#                            110-column limit fails, and scripts/format.sh restores the copy
#                            byte for byte, after which the check passes again.
# Without clang-format-14 both exit 77 (CTest's skip), as the Chromium, JUBE and Slurm
# tests do; SUMBENCH_REQUIRE_CLANG_FORMAT=1 (scripts/test.sh sets it) makes that a failure.
# SUMBENCH_SOURCE_DIR: the source tree (default: this script's ../..).
set -euo pipefail

source_dir=${SUMBENCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
format="$source_dir/scripts/format.sh"
clang_format=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$clang_format" >/dev/null 2>&1; then
  line="'$clang_format' is not installed: apt-get install clang-format-14 (scripts/setup.sh test installs it)"
  if [ -n "${SUMBENCH_REQUIRE_CLANG_FORMAT:-}" ]; then
    echo "FAIL: $line; SUMBENCH_REQUIRE_CLANG_FORMAT is set" >&2
    exit 1
  fi
  echo "SKIP: $line" >&2
  exit 77
fi

fail() { echo "FAIL: $*" >&2; exit 1; }

case "${1:-}" in
  tree)
    exec "$format" --check --root "$source_dir"
    ;;
  control)
    ;;
  *) echo "test_format.sh: unknown test '${1:-}'; use 'tree' or 'control'" >&2; exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/sumbench-format-control.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/tree"
mkdir -p "$tree/kernels"
cp "$source_dir/.clang-format" "$tree/"
# A real source, formatted here first, so this control does not depend on the tree's own
# state (the tree test checks that).
real=kernels/sum.cpp
cp "$source_dir/$real" "$tree/$real"
"$clang_format" -i "--style=file:$tree/.clang-format" "$tree/$real"
cp "$tree/$real" "$work/formatted.cpp"

check() { "$format" --check --root "$tree" >"$work/out" 2>&1; }

# 1. The formatted copy passes: the check does not fail everything.
check || { cat "$work/out" >&2; fail "a formatted copy of $real was reported as misformatted"; }
[ "$("$format" --list --root "$tree")" = "$real" ] || fail "the globbed file list is not '$real'"
echo "ok: formatted $real passes"

# 2. Misformatted (every indented line one space deeper): fails, and names the file.
sed -i 's/^  \([^ ]\)/   \1/' "$tree/$real"
cmp -s "$tree/$real" "$work/formatted.cpp" && fail "the misformatting step changed nothing"
if check; then fail "a misformatted $real passed the check"; fi
grep -q "not formatted.*$real" "$work/out" || { cat "$work/out" >&2; fail "the failure does not name $real"; }
echo "ok: misformatted $real fails and is named"

# 3. scripts/format.sh restores it byte for byte; the check passes again.
"$format" --root "$tree" >/dev/null
cmp -s "$tree/$real" "$work/formatted.cpp" || fail "scripts/format.sh did not restore $real"
check || { cat "$work/out" >&2; fail "the check fails after scripts/format.sh"; }
echo "ok: scripts/format.sh restores it and the check passes"

# 4. One line over the column limit (a new file in another globbed folder) fails alone.
mkdir -p "$tree/tests"
{
  echo 'int long_line() {'
  printf '  return %s;\n' "$(printf '1 + %.0s' $(seq 40))1"
  echo '}'
} >"$tree/tests/long_line.cpp"
[ "$(awk '{ if (length > m) m = length } END { print m }' "$tree/tests/long_line.cpp")" -gt 110 ] ||
  fail "the long line is not over 110 columns"
if check; then fail "a line over 110 columns passed the check"; fi
grep -q "1 of 2 files are not formatted.*tests/long_line.cpp" "$work/out" ||
  { cat "$work/out" >&2; fail "the failure is not tests/long_line.cpp alone"; }
echo "ok: a line over 110 columns fails, and only its file is named"
