#!/usr/bin/env bash
# `rflow whatif` as a user runs it (intelligence.md §4): instances recorded by `rflow run`
# into a data directory are replayed with a changed constant, the counts are what the
# change implies, the data directory is byte for byte the same afterwards, and every
# misuse (unknown constant, a value of another type, no --data, a directory that is not
# a data directory, an unknown workflow) exits 2 naming what is wrong.
# Usage: whatif_test.sh RFLOW
set -u
rflow="$(realpath "$1")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$work/proj" "$work/empty"
cat >"$work/proj/grade.rflow" <<'RFLOW'
module grade

/// Scores above this are high.
const LIMIT: int = 10

enum Level { Low, High }

workflow Grade(score: int) -> Level {
  owner "qa"
  measure points = score
  if score > LIMIT {
    return Level.High
  }
  return Level.Low
}
RFLOW

for score in 1 4 8 12 20; do
  "$rflow" run "$work/proj" --workflow Grade --input "{\"score\": $score}" --data "$work/data" \
    >/dev/null || fail "rflow run with score $score failed"
done
before=$(cd "$work/data" && find . -type f -exec md5sum {} + | sort)

# LIMIT 3: the 4 and the 8 become High; 1, 12 and 20 stay.
out=$("$rflow" whatif "$work/proj" --data "$work/data" --set LIMIT=3 --format json)
code=$?
[ $code -eq 0 ] || fail "whatif exited $code: $out"
for want in '"instances": 5' '"same": 3' '"different": 2' '"unknown": 0' '"count": 2'; do
  grep -qF "$want" <<<"$out" || fail "the JSON report lacks $want: $out"
done
text=$("$rflow" whatif "$work/proj" --data "$work/data" --set LIMIT=3 --workflow Grade)
grep -q "with LIMIT: 10 -> 3" <<<"$text" || fail "the text report does not say what changed: $text"
grep -q "Low → High" <<<"$text" || fail "the text report lacks old → new: $text"
# the project after the options: each --set takes one value, the path stays the path
after_set=$("$rflow" whatif --data "$work/data" --set LIMIT=3 "$work/proj" --format json 2>&1)
grep -qF '"different": 2' <<<"$after_set" || fail "whatif --set LIMIT=3 PATH: $after_set"
limited=$("$rflow" whatif "$work/proj" --data "$work/data" --set LIMIT=3 --limit 2 --format json)
grep -qF '"instances": 2' <<<"$limited" || fail "--limit 2 replayed other than 2: $limited"
after=$(cd "$work/data" && find . -type f -exec md5sum {} + | sort)
[ "$before" = "$after" ] || fail "whatif changed the data directory"

# misuse: exit 2 and a message naming the problem
expect_misuse() {
  local want="$1"
  shift
  local msg
  msg=$("$rflow" whatif "$@" 2>&1 >/dev/null)
  local code=$?
  [ $code -eq 2 ] || fail "whatif $* exited $code, not 2 ($msg)"
  grep -qF -- "$want" <<<"$msg" || fail "whatif $*: the message lacks \"$want\": $msg"
}
expect_misuse 'there is no constant `LIMT` in the project; did you mean `LIMIT`?' \
  "$work/proj" --data "$work/data" --set LIMT=3
expect_misuse '`LIMIT` is a constant of type `int`' "$work/proj" --data "$work/data" --set 'LIMIT=3.00 USD'
expect_misuse '`LIMIT` is a constant of type `int`' "$work/proj" --data "$work/data" --set 'LIMIT="three"'
expect_misuse 'give the data directory to replay: --data DIR' "$work/proj" --set LIMIT=3
expect_misuse 'is not an rflow data directory' "$work/proj" --data "$work/empty" --set LIMIT=3
expect_misuse 'there is no data directory' "$work/proj" --data "$work/nowhere" --set LIMIT=3
expect_misuse 'Grad' "$work/proj" --data "$work/data" --set LIMIT=3 --workflow Grad
expect_misuse 'write NAME=VALUE' "$work/proj" --data "$work/data" --set LIMIT
[ -e "$work/nowhere" ] && fail "whatif created the missing data directory"
[ -e "$work/empty/CURRENT" ] && fail "whatif made a database in a directory that had none"

[ $failures -eq 0 ] && echo "whatif CLI: all cases passed"
exit $((failures > 0))
