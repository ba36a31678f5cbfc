#!/usr/bin/env bash
# `rflow cluster status` where there is no cluster to show: no NATS at the address, a
# NATS server on which no node has created a cluster (and reading creates none), an
# rflow.toml without [cluster], and misuse. The status of a running cluster is tested
# in tests/cluster/node_test.cpp. Skipped when nats-server is not installed.
# Usage: cluster_status_test.sh RFLOW
source "$(dirname "$0")/lib.sh" "$@"

if ! command -v nats-server > /dev/null; then
  echo "SKIP: nats-server is not installed (./scripts/setup.sh installs it)"
  exit 0
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Nothing listening.
port=$(free_port)
if "$rflow" cluster status --nats "nats://127.0.0.1:$port" > "$work/none.out" 2> "$work/none.err"; then
  fail "a status with no NATS server succeeded"
fi
grep -q "cannot connect" "$work/none.err" || fail "no NATS is not said: $(cat "$work/none.err")"

# A NATS server with JetStream and no cluster on it, asked twice: still none after.
port=$(free_port)
nats-server -js -a 127.0.0.1 -p "$port" -sd "$work/js" > "$work/nats.log" 2>&1 &
also_kill+=($!)
for _ in $(seq 1 50); do
  (echo > "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break
  sleep 0.1
done
for round in 1 2; do
  if "$rflow" cluster status --nats "nats://127.0.0.1:$port" > "$work/empty.out" 2> "$work/empty.err"; then
    fail "round $round: a status with no cluster succeeded: $(cat "$work/empty.out")"
  fi
  grep -q "no rflow cluster was created on these NATS servers" "$work/empty.err" ||
    fail "round $round: no cluster is not said: $(cat "$work/empty.err")"
done

# An rflow.toml without [cluster] names the way out.
count_project status
if (cd "$work/proj" && "$rflow" cluster status > "$work/toml.out" 2> "$work/toml.err"); then
  fail "a status from an rflow.toml without [cluster] succeeded"
fi
grep -q "has no \[cluster\] section" "$work/toml.err" || fail "no [cluster]: $(cat "$work/toml.err")"

# Misuse: `cluster` alone.
code=0
"$rflow" cluster > /dev/null 2> "$work/misuse.err" || code=$?
[ "$code" -ne 0 ] || fail "rflow cluster without a subcommand succeeded"
grep -q "status" "$work/misuse.err" || fail "misuse does not name the subcommand: $(cat "$work/misuse.err")"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "cluster status: all checks passed"
