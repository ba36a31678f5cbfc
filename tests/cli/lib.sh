# What the shell tests that run `rflow serve` share. Sourced with the test's arguments
# (`source lib.sh "$@"`): $1 is the rflow binary.
#
# Sets rflow (its absolute path), work (a directory removed on exit), server_pid (the
# service a test starts; "" when none) and failures (counted by `fail MESSAGE`). On exit,
# the service and every pid in also_kill are killed, whatever happened.
set -u
rflow="$(realpath "$1")"
work="$(mktemp -d)"
server_pid=""
also_kill=()
cleanup() {
  local pid
  for pid in "$server_pid" "${also_kill[@]}"; do
    [ -n "$pid" ] && kill -9 "$pid" 2> /dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# await_service LOG PATTERN [CURL-ARGS...]: the service started in the background (its
# pid in server_pid) printed a URL matching PATTERN to LOG and answers /healthz (curl with
# CURL-ARGS). Sets url; fails and returns 1 after 10 s.
await_service() {
  local log="$1" pattern="$2"
  shift 2
  url=""
  for _ in $(seq 1 100); do
    url=$(grep -oE "$pattern" "$log" | head -1)
    [ -n "$url" ] && curl -fsS -o /dev/null "$@" "$url/healthz" 2> /dev/null && return 0
    sleep 0.1
  done
  fail "the service did not start: $(cat "$log")"
  return 1
}

# stop_server: SIGTERM to the service, and wait for it; its exit status is the return. A
# service still running 60 s later is a failure (named, with its pid), then killed: a
# shutdown that hangs must not hang the suite until ctest's timeout, which says nothing.
stop_server() {
  local code=0
  kill -TERM "$server_pid"
  for _ in $(seq 1 600); do
    kill -0 "$server_pid" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2> /dev/null; then
    fail "the service (pid $server_pid) did not stop within 60 s of SIGTERM: $(grep -h '' /proc/"$server_pid"/task/*/comm 2> /dev/null | sort | uniq -c | tr '\n' ' ')"
    kill -9 "$server_pid" 2> /dev/null
  fi
  wait "$server_pid" || code=$?
  server_pid=""
  return "$code"
}

# count_project MODULE: a project in $work/proj with one workflow, Count(n) -> n + 1, in
# module MODULE, and an rflow.toml with an admin "root" whose token is $root_token.
root_token=root-token-4711
count_project() {
  mkdir -p "$work/proj"
  printf 'module %s\n\nworkflow Count(n: int) -> int {\n  owner "ops"\n  return n + 1\n}\n' \
    "$1" > "$work/proj/$1.rflow"
  printf '[[auth.users]]\nname = "root"\nroles = ["admin"]\ntoken_sha256 = "%s"\n' \
    "$(printf %s "$root_token" | sha256sum | cut -d' ' -f1)" > "$work/proj/rflow.toml"
}
