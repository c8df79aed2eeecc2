#!/usr/bin/env bash
# Formats sumbench's C++ with Debian's clang-format 14 and the repository's .clang-format
# (Google base, 110 columns). The one place that says which files are formatted: the
# test format.clang runs `scripts/format.sh --check`.
#   scripts/format.sh               format every C++ file in place
#   scripts/format.sh --check       change nothing; list each file that is not formatted, exit 1 if any
#   scripts/format.sh --list        print the files, one a line
#   --root DIR                      the source tree (default: this script's ../)
# Files: *.cpp, *.hpp and *.h. In a git checkout, those git knows (tracked, or new and not
# ignored); elsewhere (a release tarball), those under include/ kernels/ modes/ driver/
# tests/ examples/ bench/. CLANG_FORMAT names the binary (default clang-format-14); it must
# be version 14, since another version formats the same file differently.
set -euo pipefail

mode=apply
root=$(cd "$(dirname "$0")/.." && pwd -P)
while [ $# -gt 0 ]; do
  case "$1" in
    --check) mode=check ;;
    --list) mode=list ;;
    --root)
      [ $# -ge 2 ] || { echo "format.sh: --root needs a folder" >&2; exit 2; }
      [ -d "$2" ] || { echo "format.sh: --root '$2' is not a folder" >&2; exit 2; }
      root=$(cd "$2" && pwd -P); shift ;;
    *) echo "format.sh: unknown argument '$1'; use --check, --list or --root DIR" >&2; exit 2 ;;
  esac
  shift
done

source_folders=(include kernels modes driver tests examples bench)

list_files() {
  if [ "$(git -C "$root" rev-parse --show-toplevel 2>/dev/null)" = "$root" ]; then
    git -C "$root" ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp' '*.h'
  else
    local folder
    for folder in "${source_folders[@]}"; do
      [ -d "$root/$folder" ] || continue
      (cd "$root" && find "$folder" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \))
    done
  fi | sort -u | while IFS= read -r file; do
    [ -f "$root/$file" ] || continue  # deleted in the work tree, not yet in git
    printf '%s\n' "$file"
  done
}

mapfile -t files < <(list_files)
if [ "$mode" = list ]; then
  [ ${#files[@]} -eq 0 ] || printf '%s\n' "${files[@]}"
  exit 0
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "format.sh: no C++ files found under '$root'" >&2
  exit 1
fi
[ -f "$root/.clang-format" ] || { echo "format.sh: '$root/.clang-format' is missing" >&2; exit 1; }

clang_format=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "format.sh: '$clang_format' is not installed; install Debian's clang-format-14 (scripts/setup.sh test)" >&2
  exit 1
fi
version=$("$clang_format" --version 2>/dev/null || true)
if ! [[ "$version" =~ version\ 14\. ]]; then
  echo "format.sh: '$clang_format' is '${version:-not runnable}'; clang-format 14 is needed (Debian's clang-format-14)" >&2
  exit 1
fi

style="--style=file:$root/.clang-format"
cd "$root"
if [ "$mode" = apply ]; then
  "$clang_format" -i "$style" -- "${files[@]}"
  echo "format.sh: formatted ${#files[@]} files"
  exit 0
fi
bad=()
err=$(mktemp "${TMPDIR:-/tmp}/sumbench-format.XXXXXX")
trap 'rm -f "$err"' EXIT
for file in "${files[@]}"; do
  if ! "$clang_format" --dry-run -Werror --ferror-limit=3 "$style" -- "$file" 2>"$err"; then
    bad+=("$file")
    sed 's/^/  /' "$err" >&2
  fi
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "format.sh: ${#bad[@]} of ${#files[@]} files are not formatted (run scripts/format.sh): ${bad[*]}" >&2
  exit 1
fi
echo "format.sh: all ${#files[@]} files are formatted"
