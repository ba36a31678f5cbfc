#!/usr/bin/env bash
# `rflow serve` on SIGTERM (issue 16): it stops taking requests, finishes the ones in
# flight and their steps, flushes and exits 0; every start it acknowledged is there after
# a restart. A stop that cannot finish (a connector that accepts and never answers) ends
# after [service] shutdown_grace with exit 1 and says why, and the instance it left is
# carried on at the next start. Usage: serve_stop_test.sh RFLOW
source "$(dirname "$0")/lib.sh" "$@"

mkdir -p "$work/proj"
cat > "$work/proj/stop.rflow" << 'RFLOW'
module stop

connector slow {
  fn look(n: int) -> int
}

workflow Count(n: int) -> int {
  owner "ops"
  return n + 1
}

workflow Ask(n: int) -> int {
  owner "ops"
  let got = slow.look(n) timeout 30s
  return got
}
RFLOW

# A system that accepts a connection and never answers.
python3 - > "$work/hang.port" << 'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
PY
also_kill+=($!)
for _ in $(seq 1 50); do [ -s "$work/hang.port" ] && break; sleep 0.1; done
hang_port=$(cat "$work/hang.port")

write_config() {  # write_config GRACE
  cat > "$work/proj/rflow.toml" << TOML
[service]
shutdown_grace = "$1"

[connectors.slow]
url = "http://127.0.0.1:$hang_port/slow"
timeout = "30s"

[[auth.users]]
name = "root"
roles = ["admin"]
token_sha256 = "$(printf %s root-token | sha256sum | cut -d' ' -f1)"
TOML
}

start_server() {  # start_server LOG: sets server_pid and url
  "$rflow" serve "$work/proj" --data "$work/data" --listen 127.0.0.1:0 > "$1" 2>&1 &
  server_pid=$!
  await_service "$1" "http://127\.0\.0\.1:[0-9]+"
}

auth=(-H "Authorization: Bearer root-token" -H "Content-Type: application/json")

# 1. SIGTERM while starts are arriving: exit 0, and every acknowledged start is kept.
write_config "20s"
start_server "$work/serve1.log" || exit 1
clients=()
for i in $(seq 1 200); do
  curl -s -o /dev/null -w "%{http_code} $i\n" "${auth[@]}" -X POST \
    -d "{\"n\": $i}" -H "Idempotency-Key: count-$i" "$url/v1/workflows/Count/instances" \
    >> "$work/codes" 2> /dev/null &
  clients+=($!)
  [ "$i" = 100 ] && kill -TERM "$server_pid"
done
wait_start=$(date +%s)
wait "$server_pid"
code=$?
server_pid=""
wait "${clients[@]}" 2> /dev/null
[ "$code" = 0 ] || fail "SIGTERM: exit $code, not 0: $(cat "$work/serve1.log")"
grep -q "rflow serve: stopped" "$work/serve1.log" || fail "no 'stopped' line: $(cat "$work/serve1.log")"
[ $(($(date +%s) - wait_start)) -le 20 ] || fail "stopping took longer than the grace"
acknowledged=$(grep -c "^201 " "$work/codes")
[ "$acknowledged" -ge 1 ] || fail "no start was acknowledged before SIGTERM: $(sort "$work/codes" | uniq -c | head)"

start_server "$work/serve2.log" || exit 1
listed=$(curl -s "${auth[@]}" "$url/v1/instances?workflow=Count&limit=500")
kept=$(printf %s "$listed" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
[ "$kept" -ge "$acknowledged" ] || fail "$acknowledged starts acknowledged, $kept instances after the restart"
for i in $(grep "^201 " "$work/codes" | cut -d' ' -f2); do
  again=$(curl -s -o /dev/null -w "%{http_code}" "${auth[@]}" -X POST -d "{\"n\": $i}" \
    -H "Idempotency-Key: count-$i" "$url/v1/workflows/Count/instances")
  [ "$again" = 201 ] || fail "acknowledged start $i answers $again after the restart"
done
# Every acknowledged start ran to completion (its step finished before the exit, or
# after the restart).
sleep 1
done_count=$(curl -s "${auth[@]}" "$url/v1/instances?workflow=Count&status=Completed&limit=500" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
[ "$done_count" = "$kept" ] || fail "$kept instances, $done_count completed"

# 2. A stop that cannot finish: a call to the system that never answers is in flight.
stop_server
write_config "1s"
start_server "$work/serve3.log" || exit 1
asked=$(curl -s "${auth[@]}" -X POST -d '{"n": 1}' "$url/v1/workflows/Ask/instances")
id=$(printf %s "$asked" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
sleep 0.5
stop_start=$(date +%s%N)
stop_server
code=$?
took_ms=$((($(date +%s%N) - stop_start) / 1000000))
[ "$code" = 1 ] || fail "a stop past the grace: exit $code, not 1: $(cat "$work/serve3.log")"
grep -q "did not stop within the grace" "$work/serve3.log" ||
  fail "no word of the grace: $(cat "$work/serve3.log")"
[ "$took_ms" -lt 10000 ] || fail "a grace of 1s took ${took_ms} ms"
start_server "$work/serve4.log" || exit 1
status=$(curl -s "${auth[@]}" "$url/v1/instances/$id" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
[ "$status" = Waiting ] || [ "$status" = Running ] ||
  fail "the instance left by the hung stop is $status, not waiting for its call again"

if [ "$failures" -gt 0 ]; then
  echo "serve_stop_test: $failures failures"
  exit 1
fi
echo "serve_stop_test: passed"
