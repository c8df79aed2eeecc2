#!/usr/bin/env bash
# The main-thread experiment (docs/DESIGN.md, GIL policies: main thread, an open question): for
# every interpreter given (default: pyenv's 3.11.7, 3.12.1 and Debian's python3), run
# main_thread.py unpinned, pinned to CPU 0, pinned to CPU 1, and under perf stat's
# software events, and print it all. Needs a quiet machine (nothing else running): the
# effect is 5-18% and other load moves it as much. About 2 minutes per interpreter.
#   bench/fidelity/main_thread.sh [PYTHON ...] > main_thread.txt
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
pythons=("$@")
[ ${#pythons[@]} -gt 0 ] || pythons=("$root/versions/3.11.7/bin/python" "$root/versions/3.12.1/bin/python" /usr/bin/python3)
echo "# $(date -u) $(uname -r); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
for py in "${pythons[@]}"; do
  [ -x "$py" ] || { echo "# $py: not found, skipped"; continue; }
  echo "## $py unpinned";   "$py" "$here/main_thread.py"
  echo "## $py taskset -c 0"; taskset -c 0 "$py" "$here/main_thread.py"
  echo "## $py taskset -c 1"; taskset -c 1 "$py" "$here/main_thread.py"
  if command -v perf >/dev/null; then
    # Software events of the whole process (the guest has no hardware counters).
    echo "## $py perf stat (software events)"
    perf stat -e task-clock,context-switches,cpu-migrations,page-faults \
      "$py" "$here/main_thread.py" 10300000 3 2>&1 | grep -vE '^\s*$'
  fi
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
