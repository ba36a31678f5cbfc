#!/usr/bin/env bash
# Configures and builds rflow into build/ (or the directory given as $1) with Ninja and
# ccache. Extra arguments after the directory go to CMake (e.g. -DRFLOW_SANITIZE=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > /dev/null
cmake --build "$dir" -- -j"$(nproc)"
