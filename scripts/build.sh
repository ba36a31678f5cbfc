#!/usr/bin/env bash
# Configures and builds rflow into build/ (or the directory given as $1) with Ninja and
# ccache. Extra arguments after the directory go to CMake (e.g. -DRFLOW_SANITIZE=ON).
# RFLOW_BUILD_TARGET builds one target instead of everything (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > /dev/null
cmake --build "$dir" --target "${RFLOW_BUILD_TARGET:-all}" -- -j"$(nproc)"
