#!/usr/bin/env bash
# `rflow serve --log-format json` (issue 16): every line on stderr is one JSON object
# (start-up, stop, requests) and nothing goes to stdout; each HTTP request is one line with
# its request id (the X-Request-Id sent, echoed in the reply, or a made one), method, route
# pattern, status, duration_ms and caller, and no line carries a token, a body or an
# instance id. The default stays the text lines. Usage: serve_log_test.sh RFLOW
source "$(dirname "$0")/lib.sh" "$@"

count_project logs

"$rflow" serve "$work/proj" --data "$work/data" --listen 127.0.0.1:0 --log-format json \
  > "$work/out.log" 2> "$work/err.log" &
server_pid=$!
await_service "$work/err.log" "http://127\.0\.0\.1:[0-9]+" -H "X-Request-Id: probe" || exit 1

auth=(-H "Authorization: Bearer $root_token" -H "Content-Type: application/json")
curl -sS -D "$work/headers" -o "$work/started" "${auth[@]}" -H "X-Request-Id: req-abc-1" \
  -X POST -d '{"n": 99887766}' "$url/v1/workflows/Count/instances"
tr -d '\r' < "$work/headers" | grep -qx "X-Request-Id: req-abc-1" ||
  fail "the reply does not echo X-Request-Id: $(cat "$work/headers")"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/started")
curl -sS -D "$work/headers2" -o /dev/null "${auth[@]}" "$url/v1/instances/$id"
made=$(tr -d '\r' < "$work/headers2" | sed -n 's/^X-Request-Id: //p')
[ -n "$made" ] || fail "no X-Request-Id made for a request without one"
curl -sS -o /dev/null -H "Authorization: Bearer wrong-token-1234" "$url/v1/me"
stop_server
code=$?
[ "$code" = 0 ] || fail "exit $code after SIGTERM"
[ -s "$work/out.log" ] && fail "stdout is not empty in JSON mode: $(cat "$work/out.log")"

python3 - "$work/err.log" "$id" "$made" << 'PY' || fail "the JSON log: see above"
import json, sys
path, instance, made = sys.argv[1], sys.argv[2], sys.argv[3]
problems = []
lines = open(path).read().splitlines()
records = []
for line in lines:
    try:
        records.append(json.loads(line))
    except ValueError:
        problems.append("not JSON: " + line)
    for secret in ("root-token-4711", "wrong-token-1234", "99887766", instance):
        if secret in line:
            problems.append(f"{secret!r} logged: {line}")
for r in records:
    if not {"time", "level", "message"} <= r.keys():
        problems.append(f"missing time/level/message: {r}")
requests = [r for r in records if r.get("message") == "request"]
want = [
    ("probe", "GET", "/healthz", 200, None),
    ("req-abc-1", "POST", "/v1/workflows/{name}/instances", 201, "root"),
    (made, "GET", "/v1/instances/{id}", 200, "root"),
    (None, "GET", "/v1/me", 401, None),
]
# A line is written once its reply is out, so the order of lines may differ from the
# order of requests: compare them as sets (the 401's id is made, so left out).
got = [((r["request_id"] if r["status"] != 401 else None), r["method"], r["route"],
        r["status"], r["caller"]) for r in requests]
if sorted(map(str, got)) != sorted(map(str, want)):
    problems.append(f"request lines {got}, expected {want}")
for r in requests:
    if not isinstance(r.get("duration_ms"), (int, float)) or r["duration_ms"] < 0:
        problems.append(f"bad duration_ms: {r}")
    if not r.get("request_id"):
        problems.append(f"no request id: {r}")
messages = " | ".join(r["message"] for r in records)
for expected in ("workflows of version", "the dashboard is at", "stopping:", "stopped"):
    if expected not in messages:
        problems.append(f"no line with {expected!r}: {messages}")
for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
PY

# The default is today's text, and a wrong format is refused.
"$rflow" serve "$work/proj" --data "$work/data" --listen 127.0.0.1:0 --log-format xml \
  > "$work/bad.log" 2>&1
code=$?
[ "$code" = 2 ] || fail "--log-format xml: exit $code, not 2"
grep -q "expected text" "$work/bad.log" || fail "--log-format xml: $(cat "$work/bad.log")"
"$rflow" serve "$work/proj" --data "$work/data" --listen 127.0.0.1:0 > "$work/text.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "^rflow serve: 1 workflows of version" "$work/text.log" && break
  sleep 0.1
done
grep -q "^rflow serve: 1 workflows of version" "$work/text.log" ||
  fail "the text start line: $(cat "$work/text.log")"
stop_server
grep -q "^{" "$work/text.log" && fail "JSON in text mode: $(cat "$work/text.log")"

if [ "$failures" -gt 0 ]; then
  echo "serve_log_test: $failures failures"
  exit 1
fi
echo "serve_log_test: passed"
