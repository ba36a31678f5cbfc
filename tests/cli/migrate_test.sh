#!/usr/bin/env bash
# `rflow migrate check OLD.rfc NEW.rfc` as a user runs it: the table of wait places, exit 0
# when every place moves, 1 when some stays, 2 for misuse (not a module, an unknown
# workflow). Usage: migrate_test.sh RFLOW
set -u
rflow="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$work/v1" "$work/v2" "$work/v3"
cat >"$work/v1/flow.rflow" <<'RF'
module mig
role Clerk "Clerk"
workflow Order(id: string, big: bool) -> string {
  owner "ops"
  if big {
    let r = approval "Big review" {
      assign Clerk
    }
    return "big {id} {r.approved}"
  }
  let s = approval "Small review" {
    assign Clerk
  }
  return "small {id} {s.approved}"
}
workflow Other() -> int {
  owner "ops"
  sleep 1h
  return 1
}
RF
# v2 keeps "Big review", renames "Small review" and drops Other.
sed -e 's/Small review/Quick look/' -e '/^workflow Other/,$d' "$work/v1/flow.rflow" >"$work/v2/flow.rflow"
# v3 only changes what happens after the waits.
sed -e 's/"big {id}/"large {id}/' "$work/v1/flow.rflow" >"$work/v3/flow.rflow"
for v in v1 v2 v3; do
  "$rflow" build "$work/$v" -o "$work/$v.rfc" 2>"$work/err" || fail "build $v: $(cat "$work/err")"
done

# Some places stay: exit 1, one row per place with the reason.
"$rflow" migrate check "$work/v1.rfc" "$work/v2.rfc" >"$work/out" 2>"$work/err"
[ $? = 1 ] || fail "v1 -> v2 should exit 1: $(cat "$work/out" "$work/err")"
head -1 "$work/out" | grep -q "^WORKFLOW  *PLACE  *MIGRATION" || fail "no table header: $(cat "$work/out")"
grep -q 'mig.Order  *approval "Big review"  *moves to approval "Big review"' "$work/out" ||
  fail "Big review does not move: $(cat "$work/out")"
grep -q 'mig.Order  *approval "Small review"  *stays: ' "$work/out" ||
  fail "Small review is not reported as staying: $(cat "$work/out")"
grep -q 'mig.Other .*stays: ' "$work/out" || fail "the dropped workflow is not listed: $(cat "$work/out")"
grep -q "^3 wait places: 1 move, 2 stay on the old version" "$work/out" ||
  fail "summary: $(tail -1 "$work/out")"

# Only one workflow.
"$rflow" migrate check "$work/v1.rfc" "$work/v2.rfc" --workflow Order >"$work/out" 2>"$work/err"
[ $? = 1 ] || fail "--workflow Order should exit 1"
grep -q "Other" "$work/out" && fail "--workflow Order lists Other: $(cat "$work/out")"
grep -q "^2 wait places: 1 move, 1 stay" "$work/out" || fail "--workflow summary: $(tail -1 "$work/out")"

# Every place moves: exit 0.
"$rflow" migrate check "$work/v1.rfc" "$work/v3.rfc" >"$work/out" 2>"$work/err" ||
  fail "v1 -> v3 should exit 0: $(cat "$work/out" "$work/err")"
grep -q "^3 wait places: 3 move, 0 stay" "$work/out" || fail "v1 -> v3 summary: $(tail -1 "$work/out")"

# Misuse: exit 2 with a message naming what is wrong.
"$rflow" migrate check "$work/v1.rfc" "$work/v3.rfc" --workflow Nope >"$work/out" 2>"$work/err"
[ $? = 2 ] || fail "an unknown workflow should exit 2"
grep -q "Nope" "$work/err" || fail "the unknown workflow is not named: $(cat "$work/err")"
echo "not a module" >"$work/junk.rfc"
"$rflow" migrate check "$work/junk.rfc" "$work/v3.rfc" >"$work/out" 2>"$work/err"
[ $? = 2 ] || fail "a file that is not a module should exit 2"
grep -q "junk.rfc" "$work/err" || fail "the bad file is not named: $(cat "$work/err")"
"$rflow" migrate check "$work/v1.rfc" >"$work/out" 2>"$work/err"
[ $? = 2 ] || fail "a missing NEW should exit 2"

[ "$failures" = 0 ] && echo "migrate check: all passed"
exit "$failures"
