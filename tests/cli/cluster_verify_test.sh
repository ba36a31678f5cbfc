#!/usr/bin/env bash
# `rflow cluster verify` with the real binary: no token, no NATS, misuse; then a one-node
# cluster of `rflow serve --cluster` on a nats-server with work done: verify is clean (text
# and --json), its owner endpoint GET /v1/cluster/partitions/{p}/digest is admin only, a
# wrong token and a partition out of range are said with exit 1. A store that differs from
# its log and a log whose epoch goes down are tested in tests/cluster/node_test.cpp, the
# scenarios' oracle in tests/cluster/scenario_test.cpp. Skipped without nats-server.
# Usage: cluster_verify_test.sh RFLOW
source "$(dirname "$0")/lib.sh" "$@"

if ! command -v nats-server > /dev/null; then
  echo "SKIP: nats-server is not installed (./scripts/setup.sh installs it)"
  exit 0
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 100); do
    (echo > "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0
    sleep 0.1
  done
  return 1
}

# No token: said before anything is asked.
code=0
env -u RFLOW_TOKEN "$rflow" cluster verify --nats nats://127.0.0.1:1 > /dev/null 2> "$work/notoken.err" || code=$?
[ "$code" -eq 1 ] || fail "no token: exit $code"
grep -q "no admin token: put one in the RFLOW_TOKEN" "$work/notoken.err" || fail "no token: $(cat "$work/notoken.err")"

# No NATS.
port=$(free_port)
if RFLOW_TOKEN=x "$rflow" cluster verify --nats "nats://127.0.0.1:$port" > /dev/null 2> "$work/none.err"; then
  fail "a verify with no NATS server succeeded"
fi
grep -q "cannot connect" "$work/none.err" || fail "no NATS is not said: $(cat "$work/none.err")"

# A one-node cluster with 2 partitions.
nats_port=$(free_port)
nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/js" > "$work/nats.log" 2>&1 &
also_kill+=($!)
wait_port "$nats_port" || fail "nats-server did not start"
nats="nats://127.0.0.1:$nats_port"
RFLOW_TOKEN=x "$rflow" cluster verify --nats "$nats" > /dev/null 2> "$work/empty.err" &&
  fail "a verify where no cluster was created succeeded"
grep -q "no rflow cluster was created" "$work/empty.err" || fail "no cluster: $(cat "$work/empty.err")"

count_project verify
printf '[[auth.users]]\nname = "clerk"\nroles = []\ntoken_sha256 = "%s"\n' \
  "$(printf %s clerk-token | sha256sum | cut -d' ' -f1)" >> "$work/proj/rflow.toml"
http_port=$(free_port)
printf '[cluster]\nnode = "n1"\nnats = ["%s"]\nadvertise = "http://127.0.0.1:%s"\npartitions = 2\nreplicas = 1\nmember_ttl = "4s"\n' \
  "$nats" "$http_port" > "$work/n1.toml"
"$rflow" serve "$work/proj" --cluster "$work/n1.toml" --data "$work/data" \
  --listen "127.0.0.1:$http_port" > "$work/n1.log" 2>&1 &
also_kill+=($!)
url="http://127.0.0.1:$http_port"
owned=0
for _ in $(seq 1 100); do
  if "$rflow" cluster status --nats "$nats" --json 2> /dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(0 if all(p["owner"]["node"]=="n1" for p in r["partitions"]) else 1)' 2> /dev/null; then
    owned=1
    break
  fi
  sleep 0.2
done
((owned)) || { fail "n1 does not own both partitions: $(tail -20 "$work/n1.log")"; exit 1; }
for i in 1 2 3 4; do
  curl -fsS -o /dev/null -H "Authorization: Bearer $root_token" -H "Idempotency-Key: c-$i" \
    -H 'Content-Type: application/json' -d "{\"n\": $i}" "$url/v1/workflows/Count/instances" ||
    fail "start $i"
done

RFLOW_TOKEN=$root_token "$rflow" cluster verify --nats "$nats" > "$work/clean.out" 2>&1 ||
  fail "verify of a clean cluster: $(cat "$work/clean.out")"
grep -q "clean: 2 partitions verified" "$work/clean.out" || fail "clean: $(cat "$work/clean.out")"
echo "$root_token" > "$work/token"
env -u RFLOW_TOKEN "$rflow" cluster verify --nats "$nats" --token-file "$work/token" --partition 1 --json \
  > "$work/clean.json" 2>&1 || fail "verify --json: $(cat "$work/clean.json")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); v=r["verdicts"]; sys.exit(0 if r["ok"] and len(v)==1 and v[0]["partition"]==1 and v[0]["compared"] and v[0]["position"]>0 else 1)' \
  "$work/clean.json" || fail "verify --json: $(cat "$work/clean.json")"

# The owner endpoint: admin only.
for who in none clerk-token; do
  auth=()
  [ "$who" = none ] || auth=(-H "Authorization: Bearer $who")
  status=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$url/v1/cluster/partitions/0/digest")
  want=401
  [ "$who" = none ] || want=403
  [ "$status" = "$want" ] || fail "digest with $who: $status, expected $want"
done
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $root_token" "$url/v1/cluster/partitions/7/digest")
[ "$status" = 404 ] || fail "digest of partition 7 of 2: $status"

# A token the owner refuses, and a partition out of range.
code=0
RFLOW_TOKEN=clerk-token "$rflow" cluster verify --nats "$nats" > "$work/clerk.out" 2>&1 || code=$?
[ "$code" -eq 1 ] || fail "a clerk's token: exit $code"
grep -q "refused the token (403)" "$work/clerk.out" || fail "a clerk's token: $(cat "$work/clerk.out")"
code=0
RFLOW_TOKEN=$root_token "$rflow" cluster verify --nats "$nats" --partition 2 > /dev/null 2> "$work/range.err" || code=$?
[ "$code" -eq 1 ] || fail "--partition 2: exit $code"
grep -q "the cluster has partitions 0 to 1" "$work/range.err" || fail "--partition 2: $(cat "$work/range.err")"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  tail -30 "$work/n1.log"
  exit 1
fi
echo "cluster verify: all checks passed"
