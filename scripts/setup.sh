#!/usr/bin/env bash
# Installs the Debian 12 packages sumbench needs. Safe to run again: it installs
# only what is missing. Works as root with no terminal; as another user it uses
# `sudo -n` if it may, and otherwise prints exactly what to install.
#   scripts/setup.sh main   what the main job needs (compiler, CMake, Open MPI, hwloc, Google Benchmark,
#                           and the report's matplotlib, numpy, scipy and jinja2)
#   scripts/setup.sh test   that, plus what the tests need (GoogleTest, Chromium, Slurm, munge, iproute2,
#                           MPICH beside Open MPI, hwloc's tools for the synthetic topologies,
#                           JUBE, tclsh and Environment Modules for the modulefile test,
#                           clang-format-14 for the formatting check)
set -euo pipefail

what=${1:-main}
main_packages=(g++ cmake make git pkg-config openmpi-bin libopenmpi-dev libhwloc-dev libbenchmark-dev
               libgtest-dev python3 python3-matplotlib python3-numpy python3-scipy python3-jinja2 procps)
# MPICH installs beside Open MPI: Debian's alternatives keep Open MPI the default mpirun/mpicxx.
test_packages=(chromium slurmctld slurmd slurm-client munge iproute2 util-linux mpich libmpich-dev hwloc
               jube tcl environment-modules clang-format-14)
case "$what" in
  main) wanted=("${main_packages[@]}") ;;
  test) wanted=("${main_packages[@]}" "${test_packages[@]}") ;;
  *) echo "setup.sh: unknown target '$what'; use 'main' or 'test'" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#wanted[@]} packages for '$what' are installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: installing them needs root; run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q "${missing[@]}" </dev/null
echo "setup: done"
