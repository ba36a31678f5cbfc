#!/usr/bin/env bash
# The main job: install what is needed, build, and run the example project as a live
# service with the simulated 300-store chain beside it:
#
#   rflow serve examples/ --config examples/simulator/rflow.toml --time-scale 60
#   rflow-simulator --time-scale 60
#
# Before serving it trains the IssueKind classifier (docs/triage.md) on
# examples/data/store_issues.csv and, once the service answers, deploys the model with
# PUT /v1/classifiers/IssueKind/model; the stores type texts generated with another
# seed, so the "Triage quality" page measures the model on text it was not trained on.
# Without a model (a failed deploy) every issue goes to the simulated support desk.
# Prints the dashboard's URL and the admin token (a demo token: see
# examples/simulator/rflow.toml). Time runs 60x (an hour in a minute), so escalations
# after 2h and SLAs of 8h show within minutes. Each run starts from an empty data
# directory, build/demo-data (a clock that ran 60x cannot be resumed at another speed).
#
# Trends compare weeks, and a live demo at 60x would need hours to have two: so the same
# service and simulator first play RFLOW_HISTORY_DAYS (14) days of history at
# RFLOW_HISTORY_SCALE (5000)x — the service's clock started that many days ago
# (--clock-start), the simulator stopping when it reaches the wall clock, about 4 minutes
# — then serve live from the same data directory. RFLOW_HISTORY_DAYS=0 skips it.
# Ctrl-C stops both. Environment: RFLOW_PORT (8080), RFLOW_TIME_SCALE (60),
# RFLOW_BUILD_DIR (build), RFLOW_HISTORY_DAYS (14), RFLOW_HISTORY_SCALE (5000).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
build=${RFLOW_BUILD_DIR:-build}
./scripts/build.sh "$build"

port=${RFLOW_PORT:-8080}
scale=${RFLOW_TIME_SCALE:-60}
history_days=${RFLOW_HISTORY_DAYS:-14}
history_scale=${RFLOW_HISTORY_SCALE:-5000}
if ! [[ "$history_days" =~ ^[0-9]+$ && "$history_scale" =~ ^[0-9]+$ ]] ||
  ((history_days > 0 && (history_scale < 100 || history_scale > 10000))); then
  echo "run.sh: RFLOW_HISTORY_DAYS ($history_days) must be a whole number of days and" \
    "RFLOW_HISTORY_SCALE ($history_scale) a whole number from 100 to 10000" >&2
  exit 2
fi
# The story's day 0: refrigeration issues have risen since then, in history and live.
story_start=$(date -u -d "-$history_days days" +%Y-%m-%dT%H:%M:%SZ)
data=$build/demo-data
rm -rf "$data"
admin_token=sim-ops-admin-demo-token

# Models are made, never committed: train one from the committed examples, and write
# what the simulated stores will type with another seed than the training data's.
models=$build/demo-models
mkdir -p "$models"
./$build/cli/rflow train IssueKind examples/ --data examples/data/store_issues.csv \
  -o "$models/issue_kind.ftz"
python3 scripts/make_triage_data.py --seed 2027 --rows 3000 -o "$build/demo-issues.csv"

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
}
trap stop INT TERM EXIT

# The simulator first: its stub ERP/WMS/POS must be up when the service recovers work.
simulate() {  # TIME-SCALE [SIMULATOR-OPTIONS...]
  local at=$1
  shift
  ./$build/examples/simulator/rflow-simulator --url "http://127.0.0.1:$port" --time-scale "$at" \
    --issues "$build/demo-issues.csv" --story-start "$story_start" "$@" &
  sim_pid=$!
  pids+=($sim_pid)
}
serve() {  # TIME-SCALE [SERVE-OPTIONS...]
  local at=$1
  shift
  ./$build/cli/rflow serve examples/ --config examples/simulator/rflow.toml --data "$data" \
    --listen "127.0.0.1:$port" --time-scale "$at" "$@" &
  serve_pid=$!
  pids+=($serve_pid)
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2> /dev/null && break
    sleep 0.2
  done
}
# The first issues may reach the service before the model does; people file those.
triage="the IssueKind model ($models/issue_kind.ftz) is deployed"
deploy_model() {
  if ! curl -sS --fail-with-body -o "$models/deployed.json" -X PUT \
    --data-binary @"$models/issue_kind.ftz" -H "Content-Type: application/octet-stream" \
    -H "Authorization: Bearer $admin_token" \
    "http://127.0.0.1:$port/v1/classifiers/IssueKind/model"; then
    echo "run.sh: the service refused the model: $(cat "$models/deployed.json" 2> /dev/null)" >&2
    triage="NO model deployed (see above): the support desk files every issue"
  fi
}

if ((history_days > 0)); then
  echo "run.sh: playing $history_days days of history at ${history_scale}x first" \
    "(about $((history_days * 86400 / history_scale / 60 + 1)) minutes), then serving live"
  simulate "$history_scale" --until-wall-clock
  serve "$history_scale" --clock-start "$story_start"
  deploy_model
  wait "$sim_pid" || true
  kill -TERM "$serve_pid" 2> /dev/null || true
  wait "$serve_pid" || true
  pids=()
fi
simulate "$scale"
serve "$scale"
# The store keeps the model across the restart; deploying it again changes nothing.
((history_days > 0)) || deploy_model
cat << MSG

  rflow is serving the examples with a simulated 300-store chain.

    Dashboard:    http://127.0.0.1:$port/
    Admin token:  $admin_token
    An approver:  sim-priya.planner-demo-token (InventoryPlanner); every simulated
                  person's token is sim-<name>-demo-token (examples/simulator/README.md)

  Triage:       $triage;
                the dashboard's "Triage quality" page shows how it does (docs/triage.md)

  The story (examples/README.md): the west DC is slow to hand refills off ("Where
  time goes", Replenish), refrigeration issues rise week over week (ResolveIssue by
  category, period 7d: $history_days days of history were played first), and slow
  refills show on "At risk" before they breach.

  Time runs ${scale}x. Ctrl-C stops the service and the simulator.

MSG
wait -n "${pids[@]}"
