#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test; exits non-zero on any failure.
# Two builds share the suite (tests/CMakeLists.txt, "The normal tree's share"): on the CI
# machine's two cores, building and running all of it in both took 55 minutes.
#  1. The normal build (g++ -O2, what ships): the programs, the benchmarks and the tests
#     that drive them from outside (CLI, crash, cluster scenarios, examples, dashboard,
#     contracts, package), then `rflow check` and `rflow test` over the examples.
#  2. The whole suite built with clang under AddressSanitizer and
#     UndefinedBehaviorSanitizer: unit, golden-file, engine, service, LSP and cluster
#     tests, the CLI tests again, and the libFuzzer targets for a fixed budget; less the
#     few long kill-and-restart and timing tests of tests/common/sanitizers.h.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
jobs=$(nproc)

./scripts/setup.sh

# As a unity build, as the sanitizer tree below is (the same sources grouped the same
# way): the normal tree's compile was over half of a run, near the budget of 45 minutes.
# What ships (scripts/run.sh, the package) is built file by file; this tree tests the
# same code.
RFLOW_BUILD_TARGET=normal_suite ./scripts/build.sh build -DCMAKE_UNITY_BUILD=ON
(cd build && ctest --output-on-failure -j"$jobs" -L normal)
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
