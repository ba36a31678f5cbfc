#!/usr/bin/env bash
# `rflow train` and `rflow classify` as a user runs them (intelligence.md §1): a model
# trained on the store issues measures well and routes a freezer to Refrigeration; the
# model drives `classify` in `rflow run` when rflow.toml configures it; and every misuse
# exits 1 with a message that says what and where, writing nothing. Trains twice (~10 s
# each); every other case reuses the model. Usage: classify_test.sh RFLOW SOURCE_DIR
set -u
rflow="$(realpath "$1")"
src="$(realpath "$2")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$work/proj" "$work/other"
cat >"$work/proj/triage.rflow" <<'RFLOW'
module triage

enum IssueCategory { Equipment, Refrigeration, Pricing, Staffing, Damage, Customer }

/// What a store's request is about, read from its text.
classifier IssueKind -> IssueCategory {
  threshold 0.75
}

workflow Triage(text: string) -> IssueCategory {
  owner "store-ops"
  let guess = classify IssueKind(text)
  return guess.label ?? IssueCategory.Customer
}
RFLOW
cat >"$work/other/mood.rflow" <<'RFLOW'
module mood

enum Mood { Happy, Sad }

classifier MoodOf -> Mood {
  threshold 0.6
}
RFLOW

# expect_fail NAME TEXT ARGS...: rflow ARGS exits 1 and its stderr contains TEXT.
expect_fail() {
  local name="$1" want="$2"
  shift 2
  "$rflow" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = 1 ] || fail "$name: exit $got, not 1: $(cat "$work/out" "$work/err")"
  grep -qF -- "$want" "$work/err" || fail "$name: stderr lacks '$want': $(cat "$work/err")"
}

# Train once on the 1,800 store issues.
"$rflow" train IssueKind "$work/proj" --data "$src/examples/data/store_issues.csv" \
  -o "$work/issue_kind.ftz" >"$work/train.out" 2>"$work/train.err" ||
  fail "train: $(cat "$work/train.out" "$work/train.err")"
[ -s "$work/issue_kind.ftz" ] || fail "train wrote no model"
accuracy="$(sed -n 's/^validation accuracy: \([0-9.]*\) on .*/\1/p' "$work/train.out")"
[ -n "$accuracy" ] || fail "no accuracy line: $(cat "$work/train.out")"
awk -v a="${accuracy:-0}" 'BEGIN { exit !(a > 0.8) }' || fail "accuracy $accuracy is not above 0.8"
grep -q "^threshold  precision  coverage" "$work/train.out" || fail "no threshold table"
grep -q "^     0.75 " "$work/train.out" || fail "the table has no 0.75 row"
grep -qE "^(suggested threshold for precision 0.90: |no threshold reaches precision 0.90)" \
  "$work/train.out" || fail "no suggested threshold: $(cat "$work/train.out")"
grep -q "Refrigeration" "$work/train.out" || fail "no examples per label"
# stderr is not a terminal here: no progress lines.
grep -q "training:" "$work/train.err" && fail "progress printed to a pipe"

# classify: the freezer is a refrigeration issue, labelled at the declared threshold.
"$rflow" classify IssueKind "$work/proj" --model "$work/issue_kind.ftz" \
  "freezer in aisle 4 is warm and dripping" >"$work/out" 2>"$work/err" ||
  fail "classify: $(cat "$work/err")"
grep -qP "^Refrigeration\t0\.\d{4}\t\w+\t0\.\d{4}\tlabelled" "$work/out" ||
  fail "freezer not Refrigeration: $(cat "$work/out")"
# The project defaults to the current directory.
(cd "$work/proj" && "$rflow" classify IssueKind --model ../issue_kind.ftz "price tag is wrong") \
  >"$work/out" 2>"$work/err" || fail "classify in the project: $(cat "$work/err")"
grep -qP "^Pricing\t" "$work/out" || fail "price tag not Pricing: $(cat "$work/out")"
# Labelled data: accuracy and the declared threshold's precision and coverage.
"$rflow" classify IssueKind "$work/proj" --model "$work/issue_kind.ftz" \
  --data "$src/examples/data/store_issues.csv" >"$work/out" 2>"$work/err" ||
  fail "classify --data: $(cat "$work/err")"
grep -q "^accuracy: 0\.[89]" "$work/out" || fail "classify --data accuracy: $(cat "$work/out")"
grep -q "^at the declared threshold 0.75: precision" "$work/out" ||
  fail "classify --data threshold line: $(cat "$work/out")"

# The configured model answers `classify` in rflow run; without one the person decides.
printf '[classifiers.IssueKind]\nmodel = "../issue_kind.ftz"\n' >"$work/proj/rflow.toml"
"$rflow" run "$work/proj" --workflow Triage --input '{"text":"freezer in aisle 4 is warm and dripping"}' \
  >"$work/out" 2>"$work/err" || fail "run with a model: $(cat "$work/err")"
grep -q '"result":"Refrigeration"' "$work/out" || fail "run with a model: $(cat "$work/out")"

# Misuse: exit 1, a clear message, nothing written.
expect_fail "unknown classifier" "did you mean \`IssueKind\`?" \
  train IssueKnd "$work/proj" --data "$src/examples/data/store_issues.csv" -o "$work/a.ftz"
expect_fail "classify, unknown classifier" "did you mean \`IssueKind\`?" \
  classify IssueKnd "$work/proj" --model "$work/issue_kind.ftz" "x"
printf 'text,label\nfreezer is warm,Refrigeration\ntill is broken,Hardware\n' >"$work/bad.csv"
expect_fail "label not a member" "bad.csv:3: " \
  train IssueKind "$work/proj" --data "$work/bad.csv" -o "$work/b.ftz"
grep -q "Hardware" "$work/err" || fail "label not a member: the label is not named: $(cat "$work/err")"
printf 'text,label\n' >"$work/empty.csv"
expect_fail "empty csv" "no examples to train on" \
  train IssueKind "$work/proj" --data "$work/empty.csv" -o "$work/c.ftz"
expect_fail "no directory for the model" "create it first" \
  train IssueKind "$work/proj" --data "$work/empty.csv" -o "$work/nodir/c.ftz"
# A model for another enum: trained for Mood, refused for IssueKind by name.
printf 'text,label\ngreat day,Happy\nlovely weather,Happy\nawful day,Sad\nterrible news,Sad\n' \
  >"$work/mood.csv"
"$rflow" train MoodOf "$work/other" --data "$work/mood.csv" --validate 0 -o "$work/mood.ftz" \
  >/dev/null 2>"$work/err" || fail "train MoodOf: $(cat "$work/err")"
expect_fail "model for another enum" "the model's label \`Happy\` is not a member" \
  classify IssueKind "$work/proj" --model "$work/mood.ftz" "x"
head -c 4000 "$work/issue_kind.ftz" >"$work/cut.ftz"
expect_fail "truncated model" "cut.ftz: " \
  classify IssueKind "$work/proj" --model "$work/cut.ftz" "x"
expect_fail "missing model" "no such model file" \
  classify IssueKind "$work/proj" --model "$work/nothere.ftz" "x"
# A configured model that does not fit stops rflow run before anything starts.
printf '[classifiers.IssueKind]\nmodel = "../mood.ftz"\n' >"$work/proj/rflow.toml"
expect_fail "run with a wrong model" "rflow.toml:1:14: \`classifiers.IssueKind\`: " \
  run "$work/proj" --workflow Triage --input '{"text":"x"}'
printf '[classifiers.IssueKind]\nmodel = 3\n' >"$work/proj/rflow.toml"
expect_fail "run with a non-string model" "rflow.toml:2:1: \`classifiers.IssueKind.model\`" \
  run "$work/proj" --workflow Triage --input '{"text":"x"}'
rm "$work/proj/rflow.toml"
for f in a b c; do [ -e "$work/$f.ftz" ] && fail "a failed train wrote $f.ftz"; done
ls "$work" | grep -q "\.tmp-" && fail "a temporary file was left behind"

if [ "$failures" -gt 0 ]; then
  echo "$failures failures"
  exit 1
fi
echo "rflow train and classify: all passed"
