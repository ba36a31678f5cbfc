#!/usr/bin/env bash
# A cluster on one machine (docs/cluster.md): 3 nats-server processes in one JetStream
# cluster on 127.0.0.1 (clients on 14222-14224, routes on 16222-16224, monitoring on
# 18222-18224) and 3 `rflow serve --cluster` nodes of the example project on 8081-8083
# (replicas = 3, member TTL 6 s), with the simulated 300-store chain of scripts/run.sh
# sending its work to the first node (any node takes any request).
#
#   ./scripts/cluster-demo.sh               # builds, starts everything, waits for Ctrl-C
#   kill -9 <a node's PID>                  # printed at start: watch another take over
#   ./build/cli/rflow cluster status --nats nats://127.0.0.1:14222
#   RFLOW_TOKEN=sim-ops-admin-demo-token ./build/cli/rflow cluster verify --nats nats://127.0.0.1:14222
#
# Partitions: RFLOW_PARTITIONS (default 1). A cluster does not serve events across
# partitions yet (501 with more than one, docs/cluster.md "Routing"), and the simulator
# starts its work with events: with the default single partition, the 3 nodes are its
# owner and two standbys and the simulator runs as against one node; with more, every
# partition has an owner and a standby, and the simulator is not started (the API, the
# dashboard and `rflow cluster status` show the cluster).
#
# Everything it starts is recorded by PID, and Ctrl-C (or any exit) stops exactly those:
# the simulator, then the rflow nodes (SIGTERM: they hand their partitions over), then the
# NATS servers. Each run starts from empty stores (a clock that ran 60x cannot be resumed).
# Environment: RFLOW_BUILD_DIR (build), RFLOW_TIME_SCALE (60), RFLOW_PARTITIONS (1),
# RFLOW_DEMO_DIR (its stores and logs; $RFLOW_BUILD_DIR/cluster-demo, emptied first),
# RFLOW_DEMO_NO_BUILD=1 (use the build as it is), RFLOW_DEMO_PORT_OFFSET (0, added to every
# port), RFLOW_DEMO_SMOKE=1 (start everything but the simulator, check that every node
# serves and every partition has an owner, and stop: tests/cli/cluster_demo_test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${RFLOW_BUILD_DIR:-build}
scale=${RFLOW_TIME_SCALE:-60}
partitions=${RFLOW_PARTITIONS:-1}
smoke=${RFLOW_DEMO_SMOKE:-0}
off=${RFLOW_DEMO_PORT_OFFSET:-0}  # added to every port (the smoke test picks free ones)
if ! [[ "$off" =~ ^[0-9]+$ ]] || ((off > 40000)); then
  echo "cluster-demo.sh: RFLOW_DEMO_PORT_OFFSET ($off) must be a whole number up to 40000" >&2
  exit 2
fi
if ! [[ "$partitions" =~ ^[0-9]+$ ]] || ((partitions < 1 || partitions > 64)); then
  echo "cluster-demo.sh: RFLOW_PARTITIONS ($partitions) must be a whole number from 1 to 64" >&2
  exit 2
fi
command -v nats-server > /dev/null || {
  echo "cluster-demo.sh: nats-server is not on PATH: run ./scripts/setup.sh" >&2
  exit 2
}
if [[ "${RFLOW_DEMO_NO_BUILD:-0}" != 1 ]]; then
  ./scripts/build.sh "$build"
fi
rflow=$build/cli/rflow
simulator=$build/examples/simulator/rflow-simulator
bins=("$rflow")
((partitions > 1)) || [[ "$smoke" == 1 ]] || bins+=("$simulator")
for bin in "${bins[@]}"; do
  [[ -x "$bin" ]] || {
    echo "cluster-demo.sh: $bin is not built" >&2
    exit 2
  }
done

dir=${RFLOW_DEMO_DIR:-$build/cluster-demo}
rm -rf "$dir"
mkdir -p "$dir"
admin_token=sim-ops-admin-demo-token  # examples/simulator/rflow.toml's demo admin

pids=()
names=()
stop() {
  trap - INT TERM EXIT
  # Newest first: the simulator, the rflow nodes, then the NATS servers under them.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2> /dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "${pids[$i]}" 2> /dev/null || break
      sleep 0.1
    done
    kill -KILL "${pids[$i]}" 2> /dev/null || true
    wait "${pids[$i]}" 2> /dev/null || true
  done
  echo "cluster-demo.sh: stopped ${names[*]:-nothing}"
}
trap stop EXIT
trap 'exit 130' INT TERM  # through the EXIT trap

fail() {
  echo "cluster-demo.sh: $*" >&2
  exit 1
}

# ---- 3 NATS servers, one JetStream cluster ----
routes="nats-route://127.0.0.1:$((16222 + off)), nats-route://127.0.0.1:$((16223 + off)), nats-route://127.0.0.1:$((16224 + off))"
for i in 1 2 3; do
  cat > "$dir/nats-$i.conf" << CONF
server_name: n$i
listen: 127.0.0.1:$((14221 + off + i))
http: 127.0.0.1:$((18221 + off + i))
jetstream { store_dir: "$dir/nats-$i", max_memory_store: 64MB, max_file_store: 1GB }
cluster { name: rflow-demo, listen: 127.0.0.1:$((16221 + off + i)), routes: [$routes] }
CONF
  nats-server -c "$dir/nats-$i.conf" > "$dir/nats-$i.log" 2>&1 &
  pids+=($!)
  names+=("nats-n$i($!)")
done
# /healthz answers 200 once JetStream is up and, clustered, a meta leader is known.
for i in 1 2 3; do
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "http://127.0.0.1:$((18221 + off + i))/healthz" 2> /dev/null && break
    sleep 0.2
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$((18221 + off + i))/healthz" ||
    fail "NATS server n$i is not ready: see $dir/nats-$i.log"
done

# ---- 3 rflow nodes, started together so that they share the partitions ----
nats="[\"nats://127.0.0.1:$((14222 + off))\", \"nats://127.0.0.1:$((14223 + off))\", \"nats://127.0.0.1:$((14224 + off))\"]"
for i in 1 2 3; do
  cat > "$dir/rflow-$i.toml" << TOML
[cluster]
node = "rflow-$i"
nats = $nats
advertise = "http://127.0.0.1:$((8080 + off + i))"
partitions = $partitions
replicas = 3
member_ttl = "6s"
TOML
done
declare -A node_pid
serve() {  # N
  "$rflow" serve examples/ --config examples/simulator/rflow.toml --cluster "$dir/rflow-$1.toml" \
    --data "$dir/rflow-$1" --listen "127.0.0.1:$((8080 + off + $1))" --time-scale "$scale" \
    >> "$dir/rflow-$1.log" 2>&1 &
  node_pid[$1]=$!
  pids+=($!)
  names+=("rflow-$1($!)")
}
# Node N answers /healthz; 1 when it exited or did not answer within 30 s.
up() {  # N
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "http://127.0.0.1:$((8080 + off + $1))/healthz" 2> /dev/null && return 0
    kill -0 "${node_pid[$1]}" 2> /dev/null || return 1
    sleep 0.2
  done
  return 1
}
# A node that starts while another creates the cluster's buckets and streams on a fresh
# 3-server cluster can meet one whose leader is not elected yet ("No responders") and
# exit before it joined (docs/cluster.md, "What is still to build"): it is started again,
# at most twice. rflow-1 goes first and creates them; the other two follow at once, within
# rflow-1's settle time (member_ttl / 2), so that the first placement shares the
# partitions among all three.
start_up() {  # N...
  local n tries
  for n in "$@"; do
    for tries in 1 2 3; do
      up "$n" && break
      kill -0 "${node_pid[$n]}" 2> /dev/null && fail "rflow-$n does not answer: see $dir/rflow-$n.log"
      ((tries < 3)) || fail "rflow-$n could not join: see $dir/rflow-$n.log"
      echo "cluster-demo.sh: rflow-$n exited before it joined ($(tail -1 "$dir/rflow-$n.log" | cut -c1-160)); starting it again" >&2
      serve "$n"
    done
  done
}
serve 1
start_up 1
serve 2
serve 3
start_up 2 3
# Every partition owned: `rflow cluster status` warns about none.
status() { "$rflow" cluster status --nats "nats://127.0.0.1:$((14222 + off))" "$@"; }
owned=0
for _ in $(seq 1 100); do
  if status --json > "$dir/status.json" 2> /dev/null &&
    python3 - "$dir/status.json" "$partitions" "$smoke" << 'PY'; then
import json, sys
s = json.load(open(sys.argv[1]))
parts = s.get("partitions", [])
owned = [p for p in parts if (p.get("owner") or {}).get("node")]
ok = len(parts) == int(sys.argv[2]) and len(owned) == len(parts)
# The smoke test also waits for a standby of every partition (no warnings at all).
sys.exit(0 if ok and (sys.argv[3] != "1" or not s.get("warnings")) else 1)
PY
    owned=1
    break
  fi
  sleep 0.3
done
((owned)) || fail "not every partition has an owner (and, smoke, a standby): $(status 2>&1 | tail -24)"

# The simulator once the partition has an owner: it gives up when its first request is
# refused. (On a fresh cluster no work is waiting for its stub systems before it starts.)
if ((partitions == 1)) && [[ "$smoke" != 1 ]]; then
  "$simulator" --url "http://127.0.0.1:$((8081 + off))" --time-scale "$scale" > "$dir/simulator.log" 2>&1 &
  pids+=($!)
  names+=("simulator($!)")
fi

if [[ "$smoke" == 1 ]]; then
  # Any node takes any request; the admin lists what every partition holds. Partitions
  # may still be moving to the nodes that joined (rebalancing, two at a time): a list
  # that meets one between owners gets 503, and a client sends it again.
  for i in 1 2 3; do
    listed=0
    for _ in $(seq 1 60); do
      if curl -fsS -o /dev/null -H "Authorization: Bearer $admin_token" \
        "http://127.0.0.1:$((8080 + off + i))/v1/instances" 2> "$dir/list-$i.err"; then
        listed=1
        break
      fi
      sleep 0.5
    done
    ((listed)) || fail "rflow-$i does not list instances: $(cat "$dir/list-$i.err")"
  done
  # Every partition rebuilt from snapshot + log equals its owner's store (asked again while
  # a handover leaves a partition between owners; a store that differs fails at once).
  verified=0
  for _ in $(seq 1 20); do
    if RFLOW_TOKEN=$admin_token "$rflow" cluster verify --nats "nats://127.0.0.1:$((14222 + off))" \
      > "$dir/verify.out" 2>&1; then
      verified=1
      break
    fi
    grep -q "differs" "$dir/verify.out" && break
    sleep 1
  done
  ((verified)) || fail "rflow cluster verify is not clean: $(tail -24 "$dir/verify.out")"
  status
  echo "cluster-demo.sh: smoke test passed"
  exit 0
fi

simulated="The simulated 300-store chain sends its work to rflow-1
  (log: $dir/simulator.log)."
((partitions == 1)) || simulated="No simulator: it starts work with events, which a cluster
  of more than one partition does not serve yet (docs/cluster.md)."
cat << MSG

  An rflow cluster: 3 NATS servers (one JetStream cluster, R3) and 3 rflow nodes,
  $partitions partition(s), member TTL 6 s. Started: ${names[*]}

    Dashboard:    http://127.0.0.1:$((8081 + off))/  (also :$((8082 + off)) and :$((8083 + off)); any node serves any request)
    Admin token:  $admin_token
    Status:       $rflow cluster status --nats nats://127.0.0.1:$((14222 + off))
    Verify:       RFLOW_TOKEN=$admin_token $rflow cluster verify --nats nats://127.0.0.1:$((14222 + off))

  $simulated
  Try: kill -9 an rflow node's PID (above) and watch \`cluster status\`: after the member
  TTL, a standby owns its partitions. Logs and stores: $dir/

  Time runs ${scale}x. Ctrl-C stops exactly what this script started.

MSG
status || true
# Until Ctrl-C, whatever ends meanwhile (a node killed on purpose is the point).
while true; do sleep 1; done
