#!/usr/bin/env bash
# Configures and builds one CMake preset (default: release, into build/).
#   scripts/build.sh [release|portable|asan|tsan|mpich]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
cmake --preset "$preset"
cmake --build --preset "$preset" -j "$(nproc)"
