#!/usr/bin/env bash
# `rflow run` as a user runs it (runtime.md §2): every example workflow end to end on
# its stub connectors, a waiting instance carried on by a second process, and the
# errors for bad input. Usage: run_test.sh RFLOW SOURCE_DIR
set -u
rflow="$1"
src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run NAME EXPECTED_EXIT EXPECTED_TEXT ARGS...: runs rflow run, checks the exit code and
# that stdout+stderr contain the text.
run() {
  local name="$1" want_exit="$2" want="$3"
  shift 3
  "$rflow" run "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = "$want_exit" ] || fail "$name: exit $got, not $want_exit: $(cat "$work/out" "$work/err")"
  grep -qF -- "$want" "$work/out" "$work/err" || fail "$name: no '$want' in: $(cat "$work/out" "$work/err")"
}

store='{"id": "S0042", "region": "north"}'
usd() { echo "{\"amount\": \"$1\", \"currency\": \"USD\"}"; }

# Every example workflow, on the stubs of examples/rflow.toml.
run Replenish 0 '"status":"Completed","result":"CoveredByOpenOrders"' "$src/examples" \
  --workflow Replenish --input "{\"r\": {\"store\": $store, \"sku\": \"SKU-10231\", \"on_hand\": -3, \"reported_by\": \"sam.store\"}}"
run DailyShelfGapSweep 0 '"status":"Completed","result":2' "$src/examples" --workflow DailyShelfGapSweep
run ThreeWayMatch 0 '"status":"Completed","result":"Posted"' "$src/examples" --workflow ThreeWayMatch \
  --input "{\"inv\": {\"number\": \"INV-1\", \"supplier\": \"Northwind Foods\", \"po_number\": \"PO-4500812\", \"ship_to\": $store, \"lines\": [{\"sku\": \"SKU-10231\", \"qty\": 100, \"unit_price\": $(usd 14.25)}]}}"
run ProcessReturn 0 '"status":"Completed","result":"Refunded"' "$src/examples" --workflow ProcessReturn \
  --input "{\"r\": {\"id\": \"RT-1\", \"store\": $store, \"receipt\": \"S0042-03-18877\", \"sku\": \"SKU-10231\", \"reason\": \"Damaged\", \"customer\": \"L-88213\", \"processed_by\": \"cara.till\"}}"
run FraudReview 0 '"status":"Completed","result":true' "$src/examples" --workflow FraudReview \
  --input "{\"r\": {\"id\": \"RT-2\", \"store\": $store, \"sku\": \"SKU-1\", \"reason\": \"ChangedMind\", \"processed_by\": \"cara.till\"}, \"flags\": [\"no receipt\"]}"
promo="{\"id\": \"PX-1\", \"sku\": \"SKU-10231\", \"regular_price\": $(usd 4.99), \"promo_price\": $(usd 3.49), \"unit_cost\": $(usd 2.10), \"stores\": [\"S0042\"], \"starts_at\": \"2027-03-01T06:00:00Z\", \"requested_by\": \"pat.promo\"}"
run PromotionException 0 '"status":"Waiting","result":null,"error":null,"key":"PX-1","waiting_for":[{"kind":"approval"' \
  "$src/examples" --workflow PromotionException --input "{\"p\": $promo}"
run RunPromotion 0 '"status":"Waiting"' "$src/examples" --workflow RunPromotion --input "{\"p\": $promo}" --wait 0s
run TriageIssue 0 '"status":"Waiting"' "$src/examples" --workflow TriageIssue \
  --input "{\"issue\": {\"store\": $store, \"text\": \"Label says 3.49, till charges 4.99\", \"urgency\": \"today\", \"reported_by\": \"sam.store\"}}"

# A waiting instance survives its process: the invoice beats the truck (the ERP stub has
# no goods receipt yet), waits for GoodsReceipted; a second process hands it the signal
# and it carries on to the review.
mkdir -p "$work/proj/stubs"
cp -r "$src/examples/common" "$src/examples/invoices" "$work/proj/"
sed 's/"received": {"SKU-10231": 1200}/"received": {}/' "$src/examples/stubs/erp.json" >"$work/proj/stubs/erp.json"
printf '[connectors.erp]\nstub = "stubs/erp.json"\n' >"$work/proj/rflow.toml"
for c in pos wms payments maintenance pricing; do
  cp "$src/examples/stubs/$c.json" "$work/proj/stubs/"
  printf '[connectors.%s]\nstub = "stubs/%s.json"\n' "$c" "$c" >>"$work/proj/rflow.toml"
done
invoice="{\"inv\": {\"number\": \"INV-9\", \"supplier\": \"Northwind Foods\", \"po_number\": \"PO-4500812\", \"ship_to\": $store, \"lines\": [{\"sku\": \"SKU-10231\", \"qty\": 100, \"unit_price\": $(usd 14.25)}]}}"
run "invoice waits" 0 '"status":"Waiting"' "$work/proj" --workflow ThreeWayMatch --input "$invoice" \
  --data "$work/data" --request-id inv-9
grep -qF '"kind":"signal","detail":"GoodsReceipted"' "$work/out" || fail "invoice waits: $(cat "$work/out")"
id="$(sed 's/.*"instance":"\([^"]*\)".*/\1/' "$work/out")"
# The same start again (a script that lost the answer) finds the same instance.
run "repeated start" 0 "\"instance\":\"$id\"" "$work/proj" --workflow ThreeWayMatch --input "$invoice" \
  --data "$work/data" --request-id inv-9
run "resumed by a signal" 0 '"status":"Waiting"' "$work/proj" --data "$work/data" --instance "$id" \
  --signal GoodsReceipted --value '{"po_number": "PO-4500812", "receipt": "GR-1"}' --history
grep -qF '"kind":"note","text":"Goods receipt GR-1' "$work/out" || fail "resumed: no goods receipt note: $(cat "$work/out")"
grep -qF '"kind":"approval","detail"' "$work/out" || fail "resumed: not waiting for the review: $(cat "$work/out")"

# The audit trails of what ran are whole (tampering is tested in engine_tests).
"$rflow" audit verify --data "$work/data" >"$work/out" 2>&1 || fail "audit verify: $(cat "$work/out")"
grep -q "every trail is whole" "$work/out" || fail "audit verify: $(cat "$work/out")"
if "$rflow" audit verify --data "$work/none" >"$work/out" 2>&1; then fail "audit verify of nothing exited 0"; fi
grep -q "there is no data directory" "$work/out" || fail "audit verify of nothing: $(cat "$work/out")"

# Bad input: clear messages, exit 1, nothing started.
run "no workflow" 1 'say which workflow to start' "$src/examples"
run "unknown workflow" 1 'there is no workflow `Nope`' "$src/examples" --workflow Nope
run "bad JSON" 1 '--input: the text is not JSON' "$src/examples" --workflow Replenish --input '{"r": '
run "bad field" 1 '`r.store.id`' "$src/examples" --workflow Replenish \
  --input '{"r": {"store": {"id": 42, "region": "north"}, "sku": "S", "reported_by": "sam"}}'
run "bad config" 1 'rflow.toml' "$src/examples" --workflow DailyShelfGapSweep --config "$work/missing/rflow.toml"
run "instance without data" 1 '--instance needs --data' "$src/examples" --instance in-0000000001
run "unknown instance" 1 'there is no instance in-0000000077' "$work/proj" --data "$work/data" --instance in-0000000077
run "bad wait" 1 '--wait' "$src/examples" --workflow DailyShelfGapSweep --wait soon
run "unknown signal" 1 'there is no signal `Nope`' "$work/proj" --data "$work/data" --instance "$id" --signal Nope

if [ "$failures" -gt 0 ]; then
  echo "$failures run checks failed"
  exit 1
fi
echo "all run checks passed"
