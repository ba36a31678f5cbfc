#!/usr/bin/env bash
# `rflow backup`, `rflow backup list|verify` and `rflow restore` from the command line
# (issue 16). While `rflow serve` holds the data directory and clients start instances,
# `rflow backup` asks the service (POST /v1/admin/backups) and refuses clearly without
# its address or with another --to; the backup restores into a new directory that
# `rflow audit verify` passes and a new `rflow serve` carries on (every start acknowledged
# before the backup is there, its task can be decided). A stopped directory is backed up
# directly. A corrupted backup file is named by verify and restore; a non-empty target is
# refused. Usage: backup_test.sh RFLOW
source "$(dirname "$0")/lib.sh" "$@"

mkdir -p "$work/proj"
cat > "$work/proj/depot.rflow" << 'RFLOW'
module depot

role Clerk "Clerk"

workflow Pack(n: int) -> int {
  owner "ops"
  let t = task "Pack {n}" {
    assign Clerk
    form { boxes: int }
  }
  return t.boxes + n
}
RFLOW
cat > "$work/proj/rflow.toml" << TOML
[backup]
dir = "$work/backups"

[[auth.users]]
name = "root"
roles = ["admin", "Clerk"]
token_sha256 = "$(printf %s root-token | sha256sum | cut -d' ' -f1)"
TOML

start_server() {  # start_server DATA LOG: sets server_pid and url
  "$rflow" serve "$work/proj" --data "$1" --listen 127.0.0.1:0 > "$2" 2>&1 &
  server_pid=$!
  await_service "$2" "http://127\.0\.0\.1:[0-9]+"
}
auth=(-H "Authorization: Bearer root-token" -H "Content-Type: application/json")
start() {  # start N: prints the HTTP status and N
  curl -s --max-time 30 -o /dev/null -w "%{http_code} $1\n" "${auth[@]}" -X POST -d "{\"n\": $1}" \
    "$url/v1/workflows/Pack/instances"
}

# --- 1. Backups of a served directory, under load, go through the service.
start_server "$work/data" "$work/serve1.log" || exit 1
for i in $(seq 1 40); do start "$i"; done > "$work/before"
( for i in $(seq 41 400); do start "$i"; done > "$work/during" ) &
load_pid=$!

out=$("$rflow" backup --data "$work/data" --to "$work/backups" 2>&1)
code=$?
[ "$code" = 1 ] || fail "a held directory without --url: exit $code, not 1"
grep -q "in use by another rflow process" <<< "$out" || fail "no 'in use' in: $out"
grep -q -- "--url" <<< "$out" || fail "the message does not say how to reach the service: $out"

out=$(RFLOW_TOKEN=root-token "$rflow" backup --data "$work/data" --to "$work/elsewhere" --url "$url" 2>&1)
[ $? = 1 ] || fail "--to another directory than [backup] dir was not refused: $out"
grep -q "backs up only into its \[backup\] dir" <<< "$out" || fail "unclear refusal: $out"
[ -e "$work/elsewhere" ] && fail "the refused backup wrote $work/elsewhere"

out=$(RFLOW_TOKEN=root-token "$rflow" backup --data "$work/other" --to "$work/backups" --url "$url" 2>&1)
grep -q "there is no data directory at" <<< "$out" || fail "a --data that is no database: $out"
out=$(RFLOW_TOKEN=wrong "$rflow" backup --data "$work/data" --to "$work/backups" --url "$url" 2>&1)
[ $? = 1 ] || fail "a wrong token was not refused: $out"
grep -q "answered 401" <<< "$out" || fail "the 401 is not said: $out"
out=$(env -u RFLOW_TOKEN "$rflow" backup --data "$work/data" --to "$work/backups" --url "$url" 2>&1)
grep -q "no admin token" <<< "$out" || fail "no token: $out"

echo root-token > "$work/token"
out=$("$rflow" backup --data "$work/data" --to "$work/backups" --url "$url" \
  --token-file "$work/token" --label "under load" 2>&1)
[ $? = 0 ] || fail "rflow backup through the service failed: $out"
grep -q "backup 1 of $work/data made in $work/backups by the service at $url" <<< "$out" ||
  fail "unexpected: $out"
wait "$load_pid"
grep -q "^201 " "$work/during" || fail "no start was acknowledged during the backup"
stop_server

out=$("$rflow" backup list --to "$work/backups")
[ $? = 0 ] || fail "backup list failed: $out"
grep -qE "^ +1  [0-9T:-]+Z .* under load$" <<< "$out" || fail "backup list: $out"
out=$("$rflow" backup verify --to "$work/backups")
[ $? = 0 ] || fail "backup verify failed: $out"
grep -q "backup 1: every file matches its checksum" <<< "$out" || fail "verify: $out"

# --- 2. A stopped directory is backed up directly (incremental: backup 2 beside 1).
out=$("$rflow" backup --data "$work/data" --to "$work/backups" --keep 5 2>&1)
[ $? = 0 ] || fail "the direct backup failed: $out"
grep -q "^rflow backup: backup 2 of $work/data made in $work/backups: " <<< "$out" ||
  fail "unexpected: $out"

# --- 3. Restore backup 1 into a new directory; audit verify; serve it.
out=$("$rflow" restore --from "$work/backups" --id 1 --data "$work/restored" 2>&1)
[ $? = 0 ] || fail "restore failed: $out"
grep -q "backup 1 of .* (under load) restored into $work/restored" <<< "$out" || fail "restore: $out"
out=$("$rflow" audit verify --data "$work/restored" 2>&1)
[ $? = 0 ] || fail "audit verify of the restored data: $out"
grep -q "every trail is whole" <<< "$out" || fail "audit verify: $out"

start_server "$work/restored" "$work/serve2.log" || exit 1
listed=$(curl -s "${auth[@]}" "$url/v1/instances?workflow=Pack&limit=500")
# One python for all 40 (one each took minutes on a loaded machine).
gone=$(python3 -c 'import json,sys
listed = {i["arguments"]["n"] for i in json.load(open(sys.argv[1]))["items"]}
print(" ".join(n for n in sys.argv[2:] if int(n) not in listed))' \
  <(printf %s "$listed") $(grep "^201 " "$work/before" | cut -d' ' -f2))
[ -z "$gone" ] || fail "the starts of $gone, acknowledged before the backup, are gone"
[ "$(grep -c "^201 " "$work/before")" -gt 0 ] || fail "no start was acknowledged before the backup"
# The first instance's task is decided on the restored service and it completes.
first=$(printf %s "$listed" | python3 -c 'import json,sys
items = [i for i in json.load(sys.stdin)["items"] if i["arguments"]["n"] == 1]
print(items[0]["id"] if items else "")')
task=$(curl -s "${auth[@]}" "$url/v1/instances/$first" |
  python3 -c 'import json,sys; print([w["task"] for w in json.load(sys.stdin)["waiting_for"] if "task" in w][0])')
code=$(curl -s -o "$work/decided" -w "%{http_code}" "${auth[@]}" -X POST \
  -d '{"form": {"boxes": 2}}' "$url/v1/tasks/$task/decision")
[ "$code" = 200 ] || fail "deciding $task on the restored service: $code $(cat "$work/decided")"
result=""
for _ in $(seq 1 50); do
  result=$(curl -s "${auth[@]}" "$url/v1/instances/$first" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')
  [ "$result" = 3 ] && break
  sleep 0.1
done
[ "$result" = 3 ] || fail "the restored instance did not carry on: result '$result'"
stop_server

# --- 4. Restore refuses a non-empty target and leaves it alone.
mkdir -p "$work/busy" && echo keep > "$work/busy/notes"
out=$("$rflow" restore --from "$work/backups" --data "$work/busy" 2>&1)
[ $? = 1 ] || fail "a non-empty target was not refused: $out"
grep -q "is not empty (it holds \`notes\`)" <<< "$out" || fail "unclear refusal: $out"
[ "$(ls "$work/busy")" = notes ] || fail "the refused restore changed $work/busy: $(ls "$work/busy")"

# --- 5. A corrupted backup file is named by verify and by restore; nothing is restored.
cp -r "$work/backups" "$work/damaged"
# A table file of backup 1 (its description, meta/1, lists its files).
victim="$work/damaged/$(grep -oE '^shared_checksum/[^ ]+\.sst' "$work/damaged/meta/1" | head -1)"
[ -f "$victim" ] || fail "no table file of backup 1 found: $(cat "$work/damaged/meta/1")"
python3 - "$victim" << 'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(64)
    b = f.read(1)
    f.seek(64)
    f.write(bytes([b[0] ^ 0x5A]))
PY
out=$("$rflow" backup verify --to "$work/damaged" 2>&1)
[ $? = 1 ] || fail "verify passed a damaged backup: $out"
grep -qF "$victim" <<< "$out" || fail "verify does not name $victim: $out"
out=$("$rflow" restore --from "$work/damaged" --id 1 --data "$work/restored2" 2>&1)
[ $? = 1 ] || fail "restore of a damaged backup did not fail: $out"
grep -qF "$victim" <<< "$out" || fail "restore does not name $victim: $out"
grep -q "nothing was restored" <<< "$out" || fail "restore: $out"
[ -e "$work/restored2" ] && fail "the failed restore left $work/restored2"

# --- 6. Misuse.
"$rflow" backup > /dev/null 2>&1
[ $? = 2 ] || fail "rflow backup without --data and --to is not exit 2"
out=$("$rflow" backup list --to "$work/proj" 2>&1)
[ $? = 1 ] || fail "backup list of a directory without backups: not exit 1"
grep -q "holds no rflow backups" <<< "$out" || fail "backup list: $out"
out=$("$rflow" backup --data "$work/nowhere" --to "$work/b3" 2>&1)
grep -q "there is no data directory at" <<< "$out" || fail "backup of nothing: $out"

[ "$failures" = 0 ] && echo "backup_test: all passed"
exit "$failures"
