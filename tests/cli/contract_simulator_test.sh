#!/usr/bin/env bash
# `rflow contract check` against the systems the demo plays (issue 18): the simulator's
# stub ERP, WMS and POS, served alone (`rflow-simulator --systems-only`), answer every
# operation examples/simulator/rflow.toml lists as safe to call with what the examples
# declare. Usage: contract_simulator_test.sh RFLOW SIMULATOR SOURCE_DIR
source "$(dirname "$0")/lib.sh" "$1"
simulator="$(realpath "$2")"
src="$(realpath "$3")"

# A free port for the stub systems, and the demo's config pointed at it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed "s/127\.0\.0\.1:18931/127.0.0.1:$port/; s|\.\./stubs|$src/examples/stubs|" \
  "$src/examples/simulator/rflow.toml" > "$work/rflow.toml"
"$simulator" --systems-only --systems-port "$port" --time-scale 1 > "$work/sim.log" 2>&1 &
also_kill+=($!)
for _ in $(seq 1 100); do
  grep -q "stub systems on" "$work/sim.log" && break
  sleep 0.1
done
grep -q "stub systems on 127.0.0.1:$port" "$work/sim.log" ||
  { fail "the stub systems did not start: $(cat "$work/sim.log")"; exit 1; }

for connector in erp wms pos; do
  code=0
  "$rflow" contract check "$src/examples" --connector "$connector" --config "$work/rflow.toml" \
    > "$work/$connector.out" 2>&1 || code=$?
  [ "$code" = 0 ] || fail "$connector: exit $code: $(cat "$work/$connector.out")"
  grep -q ": matching" "$work/$connector.out" || fail "$connector: nothing was called"
  if grep -v -e ": matching$" -e "not called: not listed in the connector's safe_to_call" \
    "$work/$connector.out" | grep -q .; then
    fail "$connector: $(cat "$work/$connector.out")"
  fi
done
# Every operation the demo's config lists (4 of the ERP's, 1 of the WMS's, 6 of the
# POS's) was called and matched.
matched=$(cat "$work"/*.out | grep -c ": matching$")
[ "$matched" = 11 ] || fail "$matched operations matched, not the 11 listed: $(cat "$work"/*.out)"

if ((failures == 0)); then echo "contract check against the simulator's systems: all passed"; fi
exit $((failures > 0))
