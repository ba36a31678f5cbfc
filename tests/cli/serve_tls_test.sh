#!/usr/bin/env bash
# `rflow serve` over HTTPS (issue 16), with a certificate this test makes with the openssl
# command: `curl --cacert` gets the same answers as plain HTTP on the same data; plain HTTP
# and TLS 1.1 to the TLS port fail cleanly (the service keeps serving); a key that does
# not belong to the certificate, or a missing file, stops the start with exit 1 naming
# the file; plain HTTP on an address other machines reach starts with a warning.
# Usage: serve_tls_test.sh RFLOW
source "$(dirname "$0")/lib.sh" "$@"

make_pair() {  # make_pair NAME: NAME-cert.pem and NAME-key.pem for localhost and 127.0.0.1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$work/$1-key.pem" -out "$work/$1-cert.pem" 2> "$work/openssl.log" ||
    { echo "openssl cannot make a certificate: $(cat "$work/openssl.log")"; exit 1; }
}
make_pair server
make_pair other

mkdir -p "$work/proj"
cat > "$work/proj/tls.rflow" << 'RFLOW'
module tls

workflow Count(n: int) -> int {
  owner "ops"
  return n + 1
}
RFLOW

write_config() {  # write_config [TLS-TABLE-LINES]
  {
    printf '[service]\n%s\n\n' "${1:-}"
    printf '[[auth.users]]\nname = "root"\nroles = ["admin"]\ntoken_sha256 = "%s"\n' \
      "$(printf %s root-token | sha256sum | cut -d' ' -f1)"
  } > "$work/proj/rflow.toml"
}

start_server() {  # start_server LOG SCHEME [LISTEN]: sets server_pid and url
  "$rflow" serve "$work/proj" --data "$work/data" --listen "${3:-127.0.0.1:0}" > "$1" 2>&1 &
  server_pid=$!
  await_service "$1" "$2://[0-9.]+:[0-9]+" --cacert "$work/server-cert.pem"
}

auth=(-H "Authorization: Bearer root-token" -H "Content-Type: application/json")
# The answers compared between HTTP and HTTPS (the clock's `now` left out).
answers() {  # answers URL ID
  for path in /v1/me /v1/workflows "/v1/instances/$2" "/v1/instances/$2/history" /readyz; do
    curl -sS --cacert "$work/server-cert.pem" "${auth[@]}" "$1$path" |
      python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("now",None); print(json.dumps(d,sort_keys=True))'
  done
}

# 1. Plain HTTP first, then HTTPS on the same data: the same answers.
write_config ""
start_server "$work/plain.log" http || exit 1
started=$(curl -sS "${auth[@]}" -X POST -d '{"n": 41}' "$url/v1/workflows/Count/instances")
id=$(printf %s "$started" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
sleep 0.5
answers "$url" "$id" > "$work/plain.answers"
stop_server

write_config "tls_cert = \"$work/server-cert.pem\"
tls_key = \"../server-key.pem\""  # relative to rflow.toml's directory
start_server "$work/tls.log" https || exit 1
case "$url" in https://127.0.0.1:*) ;; *) fail "the service's URL is $url, not https" ;; esac
answers "$url" "$id" > "$work/tls.answers"
if ! diff "$work/plain.answers" "$work/tls.answers" > "$work/answers.diff"; then
  fail "HTTPS answers differ from plain HTTP: $(cat "$work/answers.diff")"
fi
[ -s "$work/tls.answers" ] && grep -q '"result": 42' "$work/tls.answers" ||
  fail "no answers over HTTPS: $(cat "$work/tls.answers")"
code=$(curl -sS --cacert "$work/server-cert.pem" -o /dev/null -w "%{http_code}" "${auth[@]}" \
  -X POST -d '{"n": 1}' "$url/v1/workflows/Count/instances")
[ "$code" = 201 ] || fail "a start over HTTPS answered $code"

# 2. Plain HTTP to the TLS port: no HTTP answer, and the service carries on.
plain_url="http://${url#https://}"
if out=$(curl -sS -m 5 -o /dev/null -w "%{http_code}" "$plain_url/healthz" 2>&1); then
  fail "plain HTTP to the TLS port answered: $out"
fi
# 3. TLS 1.1 (and 1.0) refused in the handshake; TLS 1.2 and 1.3 accepted. The client is
# let to offer the old protocols at all (OpenSSL 3 refuses them at security level 1).
host_port="${url#https://}"
for old in -tls1_1 -tls1; do
  if openssl s_client -connect "$host_port" "$old" -cipher 'DEFAULT@SECLEVEL=0' \
    < /dev/null > "$work/s_client.log" 2>&1; then
    fail "a $old handshake was accepted: $(tail -5 "$work/s_client.log")"
  fi
done
for ok in -tls1_2 -tls1_3; do
  openssl s_client -connect "$host_port" "$ok" -CAfile "$work/server-cert.pem" \
    -verify_return_error < /dev/null > "$work/s_client.log" 2>&1 ||
    fail "a $ok handshake failed: $(tail -5 "$work/s_client.log")"
done
if curl -sS --cacert "$work/server-cert.pem" --tls-max 1.1 -o /dev/null "$url/healthz" \
  2> /dev/null; then
  fail "curl --tls-max 1.1 got an answer"
fi
code=$(curl -sS --cacert "$work/server-cert.pem" -o /dev/null -w "%{http_code}" "$url/healthz")
[ "$code" = 200 ] || fail "after the refused connections /healthz answered $code"
stop_server

# 4. Files that cannot serve stop the start, naming the file and what to do.
expect_refused() {  # expect_refused WHAT EXPECTED-TEXT
  "$rflow" serve "$work/proj" --data "$work/data" --listen 127.0.0.1:0 > "$work/bad.log" 2>&1 &
  server_pid=$!
  wait "$server_pid"
  code=$?
  server_pid=""
  [ "$code" = 1 ] || fail "$1: exit $code, not 1: $(cat "$work/bad.log")"
  grep -qF -- "$2" "$work/bad.log" || fail "$1: no '$2' in: $(cat "$work/bad.log")"
}
write_config "tls_cert = \"$work/server-cert.pem\"
tls_key = \"$work/other-key.pem\""
expect_refused "a key of another certificate" \
  "the private key $work/other-key.pem does not belong to the certificate $work/server-cert.pem"
write_config "tls_cert = \"$work/missing.pem\"
tls_key = \"$work/server-key.pem\""
expect_refused "a missing certificate" "tls_cert = \"$work/missing.pem\": there is no such file"
write_config "tls_cert = \"$work/server-key.pem\"
tls_key = \"$work/server-key.pem\""
expect_refused "a key as the certificate" "the file holds no PEM certificate"
write_config "tls_cert = \"$work/server-cert.pem\""
expect_refused "a certificate without a key" "tls_cert is set without tls_key"

# 5. Plain HTTP beyond loopback: served, with a warning; on loopback, none.
write_config ""
start_server "$work/open.log" http 0.0.0.0:0 || exit 1
grep -q "rflow serve: warning: http://0.0.0.0:[0-9]* is reachable from other machines over plain HTTP" \
  "$work/open.log" || fail "no warning for plain HTTP on 0.0.0.0: $(cat "$work/open.log")"
stop_server
grep -q "warning" "$work/plain.log" "$work/tls.log" &&
  fail "a warning on loopback or with TLS: $(grep warning "$work/plain.log" "$work/tls.log")"

if [ "$failures" -gt 0 ]; then
  echo "serve_tls_test: $failures failures"
  exit 1
fi
echo "serve_tls_test: passed"
