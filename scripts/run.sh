#!/usr/bin/env bash
# The main job: install what is needed, build, and run the example project as a live
# service with the simulated 300-store chain beside it:
#
#   rflow serve examples/ --config examples/simulator/rflow.toml --time-scale 60
#   rflow-simulator --time-scale 60
#
# Prints the dashboard's URL and the admin token (a demo token: see
# examples/simulator/rflow.toml). Time runs 60x (an hour in a minute), so escalations
# after 2h and SLAs of 8h show within minutes. Each run starts from an empty data
# directory, build/demo-data (a clock that ran 60x cannot be resumed at another speed).
# Ctrl-C stops both. Environment: RFLOW_PORT (8080), RFLOW_TIME_SCALE (60),
# RFLOW_BUILD_DIR (build).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
build=${RFLOW_BUILD_DIR:-build}
./scripts/build.sh "$build"

port=${RFLOW_PORT:-8080}
scale=${RFLOW_TIME_SCALE:-60}
data=$build/demo-data
rm -rf "$data"

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
}
trap stop INT TERM EXIT

# The simulator first: its stub ERP/WMS/POS must be up when the service recovers work.
./$build/examples/simulator/rflow-simulator --url "http://127.0.0.1:$port" --time-scale "$scale" &
pids+=($!)
./$build/cli/rflow serve examples/ --config examples/simulator/rflow.toml --data "$data" \
  --listen "127.0.0.1:$port" --time-scale "$scale" &
pids+=($!)

for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2> /dev/null && break
  sleep 0.2
done
cat << MSG

  rflow is serving the examples with a simulated 300-store chain.

    Dashboard:    http://127.0.0.1:$port/
    Admin token:  sim-ops-admin-demo-token
    An approver:  sim-priya.planner-demo-token (InventoryPlanner); every simulated
                  person's token is sim-<name>-demo-token (examples/simulator/README.md)

  Time runs ${scale}x. Ctrl-C stops the service and the simulator.

MSG
wait -n "${pids[@]}"
