#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test; exits non-zero on any failure.
#  1. The normal build (g++): unit, golden-file, fuzz, CLI and crash tests through
#     ctest, then `rflow check` and `rflow test` over the examples.
#  2. The whole suite again built with clang under AddressSanitizer and
#     UndefinedBehaviorSanitizer, plus the libFuzzer targets for a fixed budget.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
jobs=$(nproc)

./scripts/setup.sh

./scripts/build.sh build
(cd build && ctest --output-on-failure -j"$jobs")
./build/cli/rflow check examples/
./build/cli/rflow test examples/
echo "test.sh: normal build passed after $(( $(date +%s) - start ))s"

#     At -O1 (the sanitizers' usual level, which compiles faster), without the
#     benchmarks, which no test runs, and as a unity build: the files of a target are
#     compiled 8 to a translation unit, so the heavy headers (gtest, json, httplib) are
#     parsed a third as often (139 compile jobs instead of 411). Two files of one target
#     must therefore not define one name twice (tests/README.md).
./scripts/build.sh build-asan -DCMAKE_CXX_COMPILER=clang++ -DRFLOW_SANITIZE=ON -DRFLOW_FUZZ=ON \
  -DRFLOW_FUZZ_BUDGET=5000 -DRFLOW_BENCH=OFF "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
  -DCMAKE_UNITY_BUILD=ON
(cd build-asan && ctest --output-on-failure -j"$jobs")
echo "test.sh: all tests passed in $(( $(date +%s) - start ))s"
