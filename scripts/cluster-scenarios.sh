#!/usr/bin/env bash
# Runs the longer cluster fault scenarios of ../shared/design/scaleout.md §8 (S3, S5, S6,
# S7, S8: tests/cluster/scenario_long_test.cpp), which the README's test command does not
# run, each several times with different seeds, and prints a table of their results.
# S1, S2 and S4 are in the README's test command (ctest label `normal`; S1 and S2 in the
# normal build only).
#
#   scripts/cluster-scenarios.sh [--repeat N] [--seed S] [--only S3,S7] [--build DIR]
#
#   --repeat N  runs each scenario N times (default 3); run k has seed S+k-1
#   --seed S    the first seed (default 1): it moves the fault 4 to 6 s into the load
#   --only LIST the scenarios to run (default S3,S5,S6,S7,S8)
#   --build DIR the build directory (default build; configured if it is not)
#
# Needs nats-server on PATH (scripts/setup.sh); S5 needs root and `ip netns` (it is
# skipped, saying why, without them). Builds only rflow and the scenarios' binary, with
# -j${JOBS:-2}. Each run's output is kept in $LOGS (default /tmp/rflow-cluster-scenarios-<pid>).
# Exits non-zero when a run failed. The processes each test starts die with it.
set -euo pipefail
cd "$(dirname "$0")/.."

repeat=3
seed=1
only="S3,S5,S6,S7,S8"
build=build
while [[ $# -gt 0 ]]; do
  case "$1" in
    --repeat) repeat=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "cluster-scenarios.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

command -v nats-server > /dev/null || {
  echo "cluster-scenarios.sh: nats-server is not on PATH: run scripts/setup.sh" >&2
  exit 2
}
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
fi
cmake --build "$build" --target rflow cluster_scenario_long_tests -- -j"${JOBS:-2}"
binary="$build/tests/cluster_scenario_long_tests"

logs=${LOGS:-/tmp/rflow-cluster-scenarios-$$}
mkdir -p "$logs"
declare -A filter=([S3]='*.S3*' [S5]='*.S5*' [S6]='*.S6*' [S7]='*.S7*' [S8]='*.S8*')
rows=()
failed=0
IFS=',' read -r -a scenarios <<< "$only"
for s in "${scenarios[@]}"; do
  [[ -n "${filter[$s]:-}" ]] || { echo "cluster-scenarios.sh: no scenario $s" >&2; exit 2; }
  for ((k = 0; k < repeat; ++k)); do
    run_seed=$((seed + k))
    log="$logs/$s-seed$run_seed.log"
    echo "== $s, seed $run_seed (load average $(cut -d' ' -f1-3 /proc/loadavg)) -> $log"
    start=$(date +%s)
    status=0
    RFLOW_SCENARIO_SEED=$run_seed timeout 900 "$binary" --gtest_filter="${filter[$s]}" \
      > "$log" 2>&1 || status=$?
    took=$(( $(date +%s) - start ))
    if grep -q '^\[  SKIPPED \]' "$log"; then
      outcome=skipped
    elif [[ $status -eq 0 ]]; then
      outcome=passed
    else
      outcome="FAILED ($status)"
      failed=1
    fi
    what=$(grep -m1 '^RESULT ' "$log" | cut -d'|' -f2- || true)
    [[ -n "$what" ]] || what=" $(grep -m1 -E 'Skipped|Failure' -A2 "$log" | tr '\n' ' ' | cut -c1-300)"
    rows+=("| $s | $run_seed | $outcome | ${took} s |$what |")
    echo "${rows[-1]}"
  done
done

echo
echo "| scenario | seed | outcome | took | seen (… \| load average at the end) |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "logs: $logs"
exit $failed
