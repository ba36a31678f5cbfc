#!/usr/bin/env bash
# `rflow serve --clock-start` (the demo's history, scripts/run.sh): the engine's clock
# starts at the time given and runs at --time-scale from there; started instances carry
# that time. A time in the future, or one that is not RFC 3339, is refused before
# anything is served. Usage: serve_clock_test.sh RFLOW
source "$(dirname "$0")/lib.sh" "$@"

count_project clock

# Ten days ago, at 100x: a few seconds later the clock is minutes past it, days before now.
start=$(date -u -d "-10 days" +%Y-%m-%dT%H:%M:%SZ)
start_s=$(date -u -d "$start" +%s)
"$rflow" serve "$work/proj" --data "$work/data" --listen 127.0.0.1:0 --time-scale 100 \
  --clock-start "$start" > "$work/out.log" 2>&1 &
server_pid=$!
await_service "$work/out.log" "http://127\.0\.0\.1:[0-9]+" || exit 1
said=$(sed -n 's/.*time runs 100x faster than the wall clock (--time-scale), from \(.*\)$/\1/p' \
  "$work/out.log")
said_s=$(date -u -d "$said" +%s 2> /dev/null || echo 0)
((said_s >= start_s && said_s < start_s + 3600)) ||
  fail "the start does not say where the clock starts: $(cat "$work/out.log")"
curl -sS -o "$work/started" -H "Authorization: Bearer $root_token" \
  -H "Content-Type: application/json" -X POST -d '{"n": 1}' "$url/v1/workflows/Count/instances"
created=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["created_at"])' \
  "$work/started")
created_s=$(date -u -d "$created" +%s)
now_s=$(date -u +%s)
# Started within a few real seconds of the start: at 100x, under an hour of engine time.
((created_s >= start_s && created_s < start_s + 3600)) ||
  fail "an instance started at $created, not just after the clock's start $start"
((created_s < now_s - 9 * 86400)) || fail "the engine's clock ($created) is not in the past"
stop_server || fail "the service did not stop cleanly"

# Refused: a time in the future (the clock never goes backwards), and one that is not one.
future=$(date -u -d "+1 day" +%Y-%m-%dT%H:%M:%SZ)
if "$rflow" serve "$work/proj" --data "$work/data2" --listen 127.0.0.1:0 --time-scale 100 \
  --clock-start "$future" > "$work/future.log" 2>&1; then
  fail "a clock start in the future was taken"
fi
grep -q "that is in the future" "$work/future.log" ||
  fail "the refusal does not say why: $(cat "$work/future.log")"
code=0
"$rflow" serve "$work/proj" --data "$work/data3" --listen 127.0.0.1:0 \
  --clock-start "last tuesday" > "$work/bad.log" 2>&1 || code=$?
[ "$code" = 2 ] || fail "a clock start that is no time exited $code, not 2"
grep -q "expected an RFC 3339 time" "$work/bad.log" ||
  fail "the refusal does not say what to write: $(cat "$work/bad.log")"
[ ! -e "$work/data3" ] || fail "a refused start made its data directory"

if ((failures == 0)); then echo "serve clock: all checks passed"; fi
exit $((failures > 0))
