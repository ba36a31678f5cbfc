#!/usr/bin/env bash
# scripts/cluster-demo.sh's smoke mode: 3 nats-server processes in one JetStream cluster
# and 3 `rflow serve --cluster` nodes of examples/ with 16 partitions, on ports picked
# free (an offset to the demo's ports); every node lists instances and every partition has
# an owner; then the script stops exactly what it started. The simulator is not run (the
# demo's default single partition runs it; tested by hand, docs/cluster.md). Skipped when
# nats-server is not installed.
# Usage: cluster_demo_test.sh RFLOW BUILD_DIR
source "$(dirname "$0")/lib.sh" "$1"
build_dir=$2

if ! command -v nats-server > /dev/null; then
  echo "SKIP: nats-server is not installed (./scripts/setup.sh installs it)"
  exit 0
fi

# An offset under which all 12 of the demo's ports are free now.
offset=$(python3 - << 'PY'
import random, socket
for _ in range(200):
    off = random.randrange(1000, 40000)
    ports = [b + off + i for b in (14221, 16221, 18221, 8080) for i in (1, 2, 3)]
    try:
        socks = []
        for p in ports:
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
        for s in socks: s.close()
        print(off); break
    except OSError:
        for s in socks: s.close()
PY
)
if [[ -z "$offset" ]]; then
  echo "FAIL: no free set of ports for the demo"
  exit 1
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
RFLOW_BUILD_DIR=$build_dir RFLOW_DEMO_NO_BUILD=1 RFLOW_DEMO_SMOKE=1 RFLOW_PARTITIONS=16 \
  RFLOW_DEMO_PORT_OFFSET=$offset RFLOW_DEMO_DIR=$work/demo \
  "$root/scripts/cluster-demo.sh" > "$work/demo.out" 2>&1 ||
  fail "the demo's smoke run failed: $(tail -30 "$work/demo.out")
$(for f in "$work"/demo/*.log; do echo "---- $f"; tail -5 "$f"; done)"
grep -q "smoke test passed" "$work/demo.out" || fail "no smoke result: $(tail -30 "$work/demo.out")"
grep -q "no warnings" "$work/demo.out" || fail "the cluster status warns: $(tail -30 "$work/demo.out")"
# Everything it started is gone: no process still runs from its directory.
sleep 0.5
if pgrep -f "$work/demo" > /dev/null; then
  fail "the demo left processes running: $(pgrep -af "$work/demo")"
fi
if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "ok: the cluster demo's smoke run (3 NATS servers, 3 nodes, 16 partitions)"
