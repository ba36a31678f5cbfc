#!/usr/bin/env bash
# `rflow test` and the project's classifier models (intelligence.md §1, "an unmocked
# `classify` in a test uses the project's configured model if there is one, and fails
# the test naming the mock to add if not"). Trains a tiny model (two labels, a second or
# so), asks `rflow classify` what it says of a text (the confidence as the record holds
# it, 4 places), and checks that a test's unmocked
# `classify` gets exactly that answer (label, confidence, model hash) when rflow.toml
# configures the model; that a mock still wins over the model; that without a model the
# test fails naming the mock to add; and that a model that cannot load stops
# `rflow test` before any test runs. Usage: test_models_test.sh RFLOW
set -u
rflow="$(realpath "$1")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$work/proj" "$work/elsewhere"
cat >"$work/proj/mood.rflow" <<'RFLOW'
module mood

enum Mood { Happy, Sad }

classifier MoodOf -> Mood {
  threshold 0.6
}

/// What the classifier said, as one line: best, confidence, model.
workflow Read(text: string) -> string {
  owner "ops"
  let g = classify MoodOf(text)
  return "{g.best} {g.confidence} {g.model}"
}
RFLOW
cat >"$work/mood.csv" <<'CSV'
text,label
great day,Happy
lovely weather today,Happy
what a wonderful morning,Happy
I am so glad and happy,Happy
the party was fun,Happy
sunny and warm and nice,Happy
we won the game,Happy
delighted with the result,Happy
awful day,Sad
terrible news today,Sad
what a miserable morning,Sad
I am so sad and lonely,Sad
the funeral was long,Sad
cold and grey and wet,Sad
we lost the game,Sad
disappointed with the result,Sad
CSV
"$rflow" train MoodOf "$work/proj" --data "$work/mood.csv" --validate 0 -o "$work/mood.ftz" \
  >"$work/out" 2>"$work/err" || fail "train: $(cat "$work/out" "$work/err")"
# The record's `model`: the 12 hex digits `rflow train` names the model by.
hash="$(sed -n 's/^wrote .*, model \([0-9a-f]\{12\}\))$/\1/p' "$work/out")"
[ -n "$hash" ] || fail "train named no model: $(cat "$work/out")"

# What the model says of the test's text, as `rflow classify` prints it.
"$rflow" classify MoodOf "$work/proj" --model "$work/mood.ftz" "great day" \
  >"$work/out" 2>"$work/err" || fail "classify: $(cat "$work/err")"
# Its first line is a header; the second: label, confidence, runner-up, …
best="$(sed -n 2p "$work/out" | cut -f1)"
confidence="$(sed -n 2p "$work/out" | cut -f2)"
case "$best" in Happy | Sad) ;; *) fail "classify printed no label: $(cat "$work/out")" ;; esac

cat >"$work/proj/mood_test.rflow" <<RFLOW
module mood_test

import mood

test "an unmocked classify asks the configured model" {
  let run = start mood.Read("great day")
  expect run.status == RunStatus.Completed
  expect run.result == "$best $confidence $hash"
}

test "a mock wins over the model" {
  mock classify mood.MoodOf(t) => mood.Mood.Sad confidence 0.93
  let run = start mood.Read("great day")
  expect run.result == "Sad 0.9300 mock"
}
RFLOW

# No rflow.toml: the unmocked classify fails its test, naming the mock to add.
"$rflow" test "$work/proj" >"$work/out" 2>"$work/err"
got=$?
[ "$got" = 1 ] || fail "no model: exit $got, not 1: $(cat "$work/out" "$work/err")"
grep -qF "\`MoodOf\` classifies text but is not mocked and has no model; add \`mock classify MoodOf(text) => Mood.Happy confidence 0.9\` to the test" \
  "$work/out" || fail "no model: the mock to add is not named: $(cat "$work/out")"
grep -q "^FAIL an unmocked classify asks the configured model" "$work/out" ||
  fail "no model: the unmocked test did not fail: $(cat "$work/out")"
grep -q "^1 passed, 1 failed$" "$work/out" || fail "no model: $(cat "$work/out")"

# The project's rflow.toml configures the model: the unmocked classify gets its answer.
# Its connector's secret is not set here, as in CI: tests never send it, so it does not
# stop them.
printf '[classifiers.MoodOf]\nmodel = "../mood.ftz"\n' >"$work/proj/rflow.toml"
cat >>"$work/proj/rflow.toml" <<'TOML'
[connectors.crm]
url = "https://crm.example/rflow"
headers = { Authorization = "Bearer ${RFLOW_TEST_MODELS_NEVER_SET}" }
TOML
unset RFLOW_TEST_MODELS_NEVER_SET
"$rflow" test "$work/proj" >"$work/out" 2>"$work/err" ||
  fail "with a model: $(cat "$work/out" "$work/err")"
grep -q "^2 passed, 0 failed$" "$work/out" || fail "with a model: $(cat "$work/out")"
# The same with one file of the project named: the rflow.toml beside it.
"$rflow" test "$work/proj/mood.rflow" "$work/proj/mood_test.rflow" >"$work/out" 2>"$work/err" ||
  fail "with a model, files named: $(cat "$work/out" "$work/err")"

# --config names an rflow.toml that is not the project's.
mv "$work/proj/rflow.toml" "$work/elsewhere/rflow.toml"
"$rflow" test "$work/proj" --config "$work/elsewhere/rflow.toml" >"$work/out" 2>"$work/err" ||
  fail "--config: $(cat "$work/out" "$work/err")"
grep -q "^2 passed, 0 failed$" "$work/out" || fail "--config: $(cat "$work/out")"
rm "$work/elsewhere/rflow.toml"

# expect_refused NAME TEXT ARGS...: rflow test ARGS exits 1 before running any test, and
# its stderr contains TEXT.
expect_refused() {
  local name="$1" want="$2"
  shift 2
  "$rflow" test "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = 1 ] || fail "$name: exit $got, not 1: $(cat "$work/out" "$work/err")"
  grep -qF -- "$want" "$work/err" || fail "$name: stderr lacks '$want': $(cat "$work/err")"
  grep -q "passed" "$work/out" && fail "$name: tests ran: $(cat "$work/out")"
}
head -c 4000 "$work/mood.ftz" >"$work/cut.ftz"
printf '[classifiers.MoodOf]\nmodel = "../cut.ftz"\n' >"$work/proj/rflow.toml"
expect_refused "a truncated model" "rflow.toml:1:14: \`classifiers.MoodOf\`: " "$work/proj"
grep -qF "cut.ftz" "$work/err" || fail "a truncated model: the file is not named: $(cat "$work/err")"
printf '[classifiers.MoodOf]\nmodel = "../nothere.ftz"\n' >"$work/proj/rflow.toml"
expect_refused "a missing model" "nothere.ftz" "$work/proj"
printf '[classifiers.Mood0f]\nmodel = "../mood.ftz"\n' >"$work/proj/rflow.toml"
expect_refused "a table naming no classifier" "Mood0f" "$work/proj"
rm "$work/proj/rflow.toml"
expect_refused "a --config that does not exist" "nothere.toml" "$work/proj" \
  --config "$work/nothere.toml"

if [ "$failures" -gt 0 ]; then
  echo "$failures failures"
  exit 1
fi
echo "rflow test with classifier models: all passed"
