#!/usr/bin/env bash
# `rflow openapi` and `rflow contract` as an integration team runs them: the documents
# for the examples are written, are valid OpenAPI 3.0 to a real validator
# (tests/contracts/validate_documents.mjs: @readme/openapi-parser, and ajv compiling every
# schema), and say concretely what the examples accept and send; bad input gets a clear
# error and no file. Usage: contract_test.sh RFLOW SOURCE_DIR NODE
set -u
rflow="$1"
src="$2"
node="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
has() {  # FILE JQ-LIKE-NODE-EXPRESSION: a node expression over `d` that must be true
  "$node" -e "const d = JSON.parse(require('fs').readFileSync('$1', 'utf8')); process.exit(($2) ? 0 : 1)"
}

# The inbound document of the examples.
"$rflow" openapi "$src/examples" -o "$work/inbound.json" 2>"$work/err" || fail "openapi: $(cat "$work/err")"
grep -q "^wrote $work/inbound.json (version [0-9a-f]\{12\}, [0-9]* paths)" "$work/err" ||
  fail "openapi's summary: $(cat "$work/err")"
has "$work/inbound.json" "/^[0-9a-f]{64}$/.test(d.info.version)" || fail "the version is not the module hash"
has "$work/inbound.json" "d.paths['/v1/workflows/Replenish/instances'].post.requestBody.content['application/json'].schema.required.includes('r')" ||
  fail "no concrete start path for Replenish with its parameter"
has "$work/inbound.json" "d.paths['/v1/events/StockoutDetected']" || fail "no path for the event StockoutDetected"
has "$work/inbound.json" "Object.keys(d.paths).some(p => p.startsWith('/v1/instances/{id}/signals/') && !p.endsWith('{name}'))" ||
  fail "no concrete signal path"
has "$work/inbound.json" "Object.keys(d.paths).some(p => p.startsWith('/v1/keys/{workflow}/{key}/signals/') && !p.endsWith('{name}'))" ||
  fail "no concrete signal-by-key path"
has "$work/inbound.json" "d.paths['/v1/tasks/{id}/decision'].post.requestBody.content['application/json'].schema.anyOf.length > 1" ||
  fail "the decision body lists no task form"
has "$work/inbound.json" "d.components.schemas['retail.invoices.SupplierInvoice'].properties.number.description === 'The supplier\\'s own number, e.g. \"INV-2025-04417\".'" ||
  fail "doc comments are not descriptions"
has "$work/inbound.json" "d.components.schemas['retail.invoices.InvoiceLine'].properties.unit_price.required.join() === 'amount,currency'" ||
  fail "money is not {amount, currency}"
# The same document as the service answers it: stdout without -o.
"$rflow" openapi "$src/examples" >"$work/stdout.json" 2>"$work/err" || fail "openapi to stdout: $(cat "$work/err")"
cmp -s "$work/stdout.json" "$work/inbound.json" || fail "stdout and -o differ"

# The outbound contracts, one per connector of the examples.
for connector in pos wms erp payments pricing maintenance; do
  "$rflow" contract "$src/examples" --connector "$connector" -o "$work/$connector.json" 2>"$work/err" ||
    fail "contract $connector: $(cat "$work/err")"
done
has "$work/erp.json" "d.paths['/purchase_order'].post.parameters[0].name === 'Idempotency-Key'" ||
  fail "erp.purchase_order: no Idempotency-Key header"
has "$work/wms.json" "d.servers[0].url === 'http://127.0.0.1:9100/wms' || d.servers[0].url.startsWith('https://wms.example')" ||
  fail "wms: no server"

# Every document is valid OpenAPI, and ajv compiles every schema in it.
"$node" "$src/tests/contracts/validate_documents.mjs" "$work"/*.json >"$work/out" 2>&1 ||
  fail "the documents do not validate:
$(cat "$work/out")"

# Bad input: a clear error, no file.
if "$rflow" contract "$src/examples" --connector ermp -o "$work/x.json" 2>"$work/err"; then
  fail "an unknown connector exited 0"
fi
grep -q "no connector \`ermp\` (did you mean \`erp\`?)" "$work/err" || fail "unknown connector: $(cat "$work/err")"
[ ! -e "$work/x.json" ] || fail "an unknown connector wrote a file"
if "$rflow" openapi "$work/no-such-project" -o "$work/x.json" 2>"$work/err"; then
  fail "a missing path exited 0"
fi
grep -q "no-such-project" "$work/err" || fail "a missing path: $(cat "$work/err")"
[ ! -e "$work/x.json" ] || fail "a missing path wrote a file"
if "$rflow" openapi "$src/examples" -o "$work/no-such-dir/x.json" 2>"$work/err"; then
  fail "an unwritable -o exited 0"
fi
grep -q "rflow openapi: cannot write .*no-such-dir" "$work/err" || fail "an unwritable -o: $(cat "$work/err")"
if "$rflow" contract "$src/examples" -o "$work/x.json" 2>"$work/err"; then
  fail "contract without --connector exited 0"
fi
grep -q "connector" "$work/err" || fail "contract without --connector: $(cat "$work/err")"

# rflow contract check: against the stubs, the operations marked safe to call match.
stubs="$src/examples/stubs"
cat >"$work/stub.toml" <<TOML
[connectors.pos]
stub = "$stubs/pos.json"
safe_to_call = ["velocity", "shelf_price"]
[connectors.wms]
stub = "$stubs/wms.json"
safe_to_call = ["availability"]
[connectors.erp]
stub = "$stubs/erp.json"
[connectors.payments]
stub = "$stubs/payments.json"
[connectors.pricing]
stub = "$stubs/pricing.json"
[connectors.maintenance]
stub = "$stubs/maintenance.json"
TOML
"$rflow" contract check "$src/examples" --connector wms --config "$work/stub.toml" >"$work/out" 2>"$work/err" ||
  fail "check against the wms stub: $(cat "$work/out" "$work/err")"
grep -q "^wms.availability: matching$" "$work/out" || fail "check wms: $(cat "$work/out")"
grep -q "^wms.allocate: not called: not listed" "$work/out" || fail "check wms, not called: $(cat "$work/out")"
"$rflow" contract check "$src/examples" --connector pos --config "$work/stub.toml" >"$work/out" 2>&1 ||
  fail "check against the pos stub: $(cat "$work/out")"
[ "$(grep -c ": matching$" "$work/out")" = 2 ] || fail "check pos: $(cat "$work/out")"
# A live endpoint that answers a wrong type: mismatching, with the field named; exit 1.
cat >"$work/wrong.mjs" <<'JS'
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
const seen = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    seen.push({ path: req.url, key: req.headers['idempotency-key'], body: JSON.parse(body) });
    writeFileSync(process.argv[3], JSON.stringify(seen));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ units: 'ten', case_pack: 12 }));
  });
});
server.listen(0, '127.0.0.1', () => writeFileSync(process.argv[2], String(server.address().port)));
JS
"$node" "$work/wrong.mjs" "$work/port" "$work/seen.json" &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
sed "s#^stub = \"$stubs/wms.json\"#url = \"http://127.0.0.1:$(cat "$work/port")/wms\"#" "$work/stub.toml" >"$work/live.toml"
if "$rflow" contract check "$src/examples" --connector wms --config "$work/live.toml" >"$work/out" 2>&1; then
  fail "a wrong answer exited 0"
fi
grep -q "^wms.availability: mismatching: .*\`units\`: expected an int" "$work/out" || fail "a wrong answer: $(cat "$work/out")"
has "$work/seen.json" "d.length === 1 && d[0].path === '/wms/availability' && d[0].key === 'contract-check/retail.systems.wms/availability' && typeof d[0].body.args.region === 'string'" ||
  fail "what the check sent: $(cat "$work/seen.json")"
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
# A listed name that is no operation is refused (it would check nothing).
sed 's/safe_to_call = \["availability"\]/safe_to_call = ["availabilty"]/' "$work/stub.toml" >"$work/typo.toml"
if "$rflow" contract check "$src/examples" --connector wms --config "$work/typo.toml" >"$work/out" 2>"$work/err"; then
  fail "a misspelt safe_to_call exited 0"
fi
grep -q "lists \`availabilty\`, which is no operation of \`retail.systems.wms\`" "$work/err" ||
  fail "a misspelt safe_to_call: $(cat "$work/err")"

# rflow contract diff and rflow build --deny-breaking: a copy of the examples whose
# event StockoutDetected is renamed (its callers break) and whose wms connector gains an
# operation (the WMS must serve it). tests/runtime/wire_schema_test.cpp covers fields.
"$rflow" build "$src/examples" -o "$work/old.rfc" 2>/dev/null || fail "build old.rfc"
cp -r "$src/examples" "$work/new"
sed -i 's/^on event StockoutDetected(/on event StockoutReported(/' "$work/new/replenishment/replenish.rflow"
sed -i 's/^  fn allocate(store: string, sku: string, qty: int) -> Allocation$/&\n  fn release(id: string) -> Allocation/' \
  "$work/new/common/systems.rflow"
"$rflow" contract diff "$work/old.rfc" "$src/examples" >"$work/out" 2>"$work/err" ||
  fail "diff of the same project: $(cat "$work/out" "$work/err")"
grep -q "^0 contract changes, 0 breaking" "$work/err" || fail "diff of the same project: $(cat "$work/err")"
if "$rflow" contract diff "$work/old.rfc" "$work/new" >"$work/out" 2>"$work/err"; then
  fail "a breaking diff exited 0"
fi
grep -q "^breaking   inbound  event StockoutDetected: removed" "$work/out" ||
  fail "diff misses the removed event: $(cat "$work/out")"
grep -q "^breaking   outbound connector operation retail.systems.wms.release: added" "$work/out" ||
  fail "diff misses the new operation: $(cat "$work/out")"
grep -q "^compatible inbound  event StockoutReported: added" "$work/out" ||
  fail "diff misses the new event: $(cat "$work/out")"
cp "$work/old.rfc" "$work/keep.rfc"
if "$rflow" build "$work/new" --deny-breaking "$work/old.rfc" -o "$work/new.rfc" 2>"$work/err"; then
  fail "build --deny-breaking of a breaking change exited 0"
fi
grep -q "would break callers" "$work/err" || fail "build --deny-breaking: $(cat "$work/err")"
[ ! -e "$work/new.rfc" ] || fail "build --deny-breaking wrote a module"
"$rflow" build "$src/examples" --deny-breaking "$work/old.rfc" -o "$work/same.rfc" 2>"$work/err" ||
  fail "build --deny-breaking without a change: $(cat "$work/err")"

[ "$failures" -eq 0 ] && echo "contract_test: all passed"
exit $((failures > 0))
