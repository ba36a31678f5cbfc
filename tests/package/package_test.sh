#!/usr/bin/env bash
# The Debian package (issue 16, docs/operations.md) built and taken apart as an operator
# would meet it: cpack writes rflow_<version>_amd64.deb into a scratch directory;
# dpkg-deb shows its fields, files, conffiles and maintainer scripts; its Depends names
# the package of every shared library the packaged binary needs, each installed here at a
# version that satisfies it; the unit has its user, state directory and hardening and
# passes `systemd-analyze verify` and an exposure threshold; then the package is
# installed into a scratch root with `dpkg --root` (maintainer scripts included, made to
# work on that root by DPKG_ROOT), the installed binary is run with the unit's own
# command line (refusing the empty packaged project by name, then serving a project with
# the dashboard from inside the binary, then stopping on SIGTERM), a changed conffile
# survives a reinstall, and remove and purge undo what they should and keep the data.
# About 15 s, most of it cpack stripping the binary.
#
# Usage: package_test.sh CPACK BUILD_DIR SOURCE_DIR VERSION
# Installing into the scratch root needs root (CI runs as root); as another user that
# half is skipped with a message and the rest still runs.
set -u
cpack="$1"
build="$(realpath "$2")"
src="$(realpath "$3")"
version="$4"
work="$(mktemp -d)"
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill -KILL "$serve_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
finish() {
  if ((failures > 0)); then
    echo "$failures failure(s)"
    exit 1
  fi
  echo "package test passed"
  exit 0
}

for tool in dpkg-deb dpkg-shlibdeps dpkg objdump curl; do
  command -v "$tool" > /dev/null || { echo "FAIL: $tool is missing: run ./scripts/setup.sh"; exit 1; }
done

# --- Build. Into the scratch directory, so no .deb is left in the build or source tree.
if ! "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" > "$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  echo "FAIL: cpack"
  exit 1
fi
deb="$work/out/rflow_${version}_amd64.deb"
[ -f "$deb" ] || { ls -l "$work/out"; echo "FAIL: cpack wrote no $(basename "$deb")"; exit 1; }

# --- The control fields.
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = rflow ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', not the project's $version"
[ "$(field Architecture)" = amd64 ] || fail "Architecture is '$(field Architecture)'"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ "$(field Recommends)" = ca-certificates ] || fail "Recommends is '$(field Recommends)', not ca-certificates"
depends="$(field Depends)"
echo "Depends: $depends"
# The libraries the build links by name, as Debian 12 packages them.
for want in librocksdb7.8 libfasttext0 libantlr4-runtime4.9 libcpp-httplib0.11 libtomlplusplus3 \
  libssl3 libjemalloc2 libfmt9 libstdc++6 libc6; do
  [[ ", $depends," == *", $want "* || ", $depends," == *", $want,"* ]] ||
    fail "Depends does not name $want"
done

# Depends as (package, version) pairs: "libc6 (>= 2.34)" -> "libc6 >= 2.34".
dep_list="$(echo "$depends" | tr ',' '\n' | sed -e 's/^ *//' -e 's/ *(\(.*\) \(.*\))$/ \1 \2/')"
# Every dependency is installed here at a version that satisfies it, so the package
# installs with apt on a machine like the one that built it.
while read -r name op ver; do
  [ -n "$name" ] || continue
  have="$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null)"
  if [ -z "$have" ]; then
    fail "Depends names $name, which is not installed here"
  elif [ -n "${op:-}" ] && ! dpkg --compare-versions "$have" "$op" "$ver"; then
    fail "Depends wants $name $op $ver, installed here is $have"
  fi
done <<< "$dep_list"

# --- The files.
dpkg-deb --contents "$deb" > "$work/contents"
files="$(awk '{ print $6 }' "$work/contents" | grep -v '/$' | sort)"
expected="./etc/rflow/rflow.toml
./lib/systemd/system/rflow.service
./usr/bin/rflow
./usr/share/doc/rflow/operations.md"
[ "$files" = "$expected" ] || fail "the package's files are
$files
and not
$expected"
grep -q '^drwxr-xr-x root/root .* \./etc/rflow/project/$' "$work/contents" ||
  fail "no /etc/rflow/project/ directory: $(cat "$work/contents")"
grep -q '^-rwxr-xr-x root/root .* \./usr/bin/rflow$' "$work/contents" || fail "/usr/bin/rflow is not root's 0755"
grep -q '^-rw-r--r-- root/root .* \./etc/rflow/rflow.toml$' "$work/contents" ||
  fail "/etc/rflow/rflow.toml is not root's 0644"

dpkg-deb --info "$deb" > "$work/info"
for script in postinst prerm postrm; do
  grep -Eq "^ +[0-9]+ bytes, +[0-9]+ lines +\* +$script +#!/bin/sh" "$work/info" ||
    fail "no executable $script: $(cat "$work/info")"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$work" ./conffiles 2> /dev/null
[ "$(cat "$work/conffiles" 2> /dev/null)" = "/etc/rflow/rflow.toml" ] ||
  fail "conffiles is '$(cat "$work/conffiles" 2> /dev/null)', not /etc/rflow/rflow.toml"

mkdir "$work/x"
dpkg-deb -x "$deb" "$work/x"
bin="$work/x/usr/bin/rflow"
# Stripped: the build's binary carries about 200 MB of debug information.
if objdump -h "$bin" | grep -q '\.debug_info'; then fail "/usr/bin/rflow is not stripped"; fi
[ "$("$bin" --version)" = "rflow $version" ] || fail "rflow --version says '$("$bin" --version)'"

# Every shared library the binary needs comes from a package Depends names. One dpkg -S
# for all of them: each call reads every package's file list.
mapfile -t needed < <(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }')
((${#needed[@]} > 5)) || fail "objdump found only ${#needed[@]} NEEDED libraries"
dpkg -S "${needed[@]/#/*/x86_64-linux-gnu/}" > "$work/owners" 2> /dev/null
for so in "${needed[@]}"; do
  owner="$(awk -v so="/$so" 'substr($NF, length($NF) - length(so) + 1) == so {
    sub(/:.*/, "", $1); print $1; exit }' "$work/owners")"
  if [ -z "$owner" ]; then
    fail "no installed package holds $so"
  elif ! echo "$dep_list" | grep -q "^$owner\( \|$\)"; then
    fail "$so comes from $owner, which Depends does not name"
  fi
done

# --- The unit.
unit="$work/x/lib/systemd/system/rflow.service"
for line in "User=rflow" "Group=rflow" "StateDirectory=rflow" "StateDirectory=rflow-backups" \
  "NoNewPrivileges=yes" \
  "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" "PrivateDevices=yes" \
  "ProtectKernelTunables=yes" "ProtectKernelModules=yes" \
  "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "Restart=on-failure" \
  "KillSignal=SIGTERM" "WantedBy=multi-user.target"; do
  grep -qxF "$line" "$unit" || fail "the unit lacks '$line'"
done
grep -Eqx 'LimitNOFILE=[0-9]+' "$unit" || fail "the unit sets no LimitNOFILE"
grep -Eqx 'TimeoutStopSec=[0-9]+s' "$unit" || fail "the unit sets no TimeoutStopSec"
exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
[ "$exec_start" = "/usr/bin/rflow serve /etc/rflow/project --config /etc/rflow/rflow.toml --data /var/lib/rflow" ] ||
  fail "ExecStart is '$exec_start'"

if command -v systemd-analyze > /dev/null; then
  # verify loads the unit's dependencies from the root it is given: the standard
  # targets come from this machine's systemd.
  mkdir -p "$work/verify/lib/systemd/system" "$work/verify/usr/bin"
  cp "$unit" "$work/verify/lib/systemd/system/"
  cp "$bin" "$work/verify/usr/bin/"
  for target in sysinit.target basic.target shutdown.target network-online.target multi-user.target; do
    cp "/lib/systemd/system/$target" "$work/verify/lib/systemd/system/"
  done
  # It exits 0 on unknown keys and bad values and only prints them: any output fails.
  if ! systemd-analyze verify --root="$work/verify" rflow.service > "$work/verify.log" 2>&1 ||
    [ -s "$work/verify.log" ]; then
    fail "systemd-analyze verify: $(cat "$work/verify.log")"
  fi
  # The hardening as systemd scores it: 1.5 today; 2.0 leaves room for a new check in a
  # systemd update, while dropping the system call filter or the namespace options fails.
  systemd-analyze security --offline=yes --root="$work/verify" --threshold=20 rflow.service \
    > "$work/security.log" 2>&1 ||
    fail "systemd-analyze security: exposure above 2.0: $(grep -E '✗|Overall' "$work/security.log")"
else
  echo "SKIPPED: systemd-analyze is not installed (Debian's systemd package; ./scripts/setup.sh installs it)"
fi

if [ "$(id -u)" != 0 ]; then
  echo "SKIPPED: installing into a scratch root with dpkg --root needs root"
  finish
fi

# --- Install into a scratch root. --force-script-chrootless runs the maintainer scripts
# here with DPKG_ROOT set (a chroot would need a shell inside the root); the scratch root
# has no libraries, so dependencies were checked against this machine above instead.
root="$work/root"
mkdir -p "$root/etc" "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
host_user_before="$(getent passwd rflow)"
dpkg_root() {
  dpkg --root="$root" --log=/dev/null --force-script-chrootless --force-depends "$@" \
    > "$work/dpkg.log" 2>&1 || fail "dpkg $*: $(cat "$work/dpkg.log")"
}
dpkg_root -i "$deb"
[ "$(dpkg --root="$root" -s rflow 2> /dev/null | sed -n 's/^Status: //p')" = "install ok installed" ] ||
  fail "rflow is not 'install ok installed' in the scratch root"
grep -q "put your project's .rflow files in /etc/rflow/project" "$work/dpkg.log" ||
  fail "postinst did not say where the project goes: $(cat "$work/dpkg.log")"
grep -qx 'rflow:[^:]*:[0-9]*:[0-9]*:rflow workflow service:/var/lib/rflow:/usr/sbin/nologin' \
  "$root/etc/passwd" 2> /dev/null || fail "postinst made no rflow system user: $(cat "$root/etc/passwd" 2>&1)"
uid="$(awk -F: '$1 == "rflow" { print $3 }' "$root/etc/passwd")"
((uid > 0 && uid < 1000)) || fail "rflow's uid $uid is not a system uid"
grep -q '^rflow:' "$root/etc/group" 2> /dev/null || fail "postinst made no rflow group"
[ "$(getent passwd rflow)" = "$host_user_before" ] ||
  fail "the maintainer scripts changed this machine's rflow user, not the scratch root's"

# The unit's own command line, every absolute path moved into the scratch root, on a
# free port: first on the empty packaged project, which must be refused by name.
rerooted=()
for arg in $exec_start; do
  [[ "$arg" == /* ]] && arg="$root$arg"
  rerooted+=("$arg")
done
[ -x "${rerooted[0]}" ] || fail "the installed ${rerooted[0]} is not executable"
"${rerooted[@]}" --listen 127.0.0.1:0 > "$work/empty.out" 2> "$work/empty.err"
code=$?
[ "$code" = 1 ] || fail "serve on the empty project: exit $code, not 1"
grep -qF "there are no \`.rflow\` files in \`$root/etc/rflow/project\`" "$work/empty.err" ||
  fail "serve on the empty project does not say so: $(cat "$work/empty.out" "$work/empty.err")"

cat > "$root/etc/rflow/project/hello.rflow" << 'RFLOW'
module hello

workflow Hello(name: string) -> string {
  owner "operations"
  return "hello {name}"
}
RFLOW
"$work/x/usr/bin/rflow" check "$root/etc/rflow/project" > /dev/null 2>&1 || fail "rflow check on the project"
"${rerooted[@]}" --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
serve_pid=$!
url=""
for _ in $(seq 100); do
  url="$(sed -n 's#^rflow serve: the dashboard is at \(http://[^/]*\)/ .*#\1#p' "$work/serve.out")"
  [ -n "$url" ] && break
  kill -0 "$serve_pid" 2> /dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  fail "serve with the packaged config did not start: $(cat "$work/serve.out" "$work/serve.err")"
else
  # The dashboard is served from the binary: nothing of it is in the package's files.
  page="$(curl -sf "$url/")" || fail "GET / failed"
  [[ "$page" == *"<title>rflow</title>"* ]] || fail "GET / is not the dashboard: ${page:0:200}"
  asset="$(echo "$page" | grep -o '/assets/app\.js?v=[0-9a-f]*' | head -1)"
  [ -n "$asset" ] || fail "the dashboard page names no /assets/app.js"
  [ -n "$asset" ] && { curl -sf -o /dev/null "$url$asset" || fail "GET $asset failed"; }
  token="$(sed -n 's/^ *\(rflow_[0-9a-f]*\)$/\1/p' "$work/serve.out")"
  [ -n "$token" ] || fail "no first-start admin token was printed"
  [ -f "$root/var/lib/rflow/admin-token.sha256" ] || fail "no admin token hash in the state directory"
  workflows="$(curl -sf -H "Authorization: Bearer $token" "$url/v1/workflows")" ||
    fail "GET /v1/workflows with the admin token failed"
  [[ "$workflows" == *'hello.Hello'* ]] || fail "the project is not deployed: $workflows"
  # systemctl stop: SIGTERM, and a clean exit well within TimeoutStopSec.
  kill -TERM "$serve_pid"
  for _ in $(seq 100); do
    kill -0 "$serve_pid" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$serve_pid" 2> /dev/null; then
    fail "serve did not stop within 10 s of SIGTERM"
  else
    wait "$serve_pid"
    code=$?
    [ "$code" = 0 ] || fail "serve exited $code on SIGTERM"
  fi
fi
serve_pid=""

# An operator's change to the conffile survives installing the package again.
echo '# changed by the operator' >> "$root/etc/rflow/rflow.toml"
dpkg_root -i "$deb"
grep -q '^# changed by the operator$' "$root/etc/rflow/rflow.toml" ||
  fail "reinstalling replaced the changed /etc/rflow/rflow.toml"

# remove keeps the configuration and the user; purge takes them, and keeps the data.
dpkg_root -r rflow
[ -e "$root/usr/bin/rflow" ] && fail "remove left /usr/bin/rflow"
[ -e "$root/lib/systemd/system/rflow.service" ] && fail "remove left the unit"
[ -f "$root/etc/rflow/rflow.toml" ] || fail "remove took the conffile"
grep -q '^rflow:' "$root/etc/passwd" || fail "remove took the rflow user"
dpkg_root -P rflow
[ -e "$root/etc/rflow/rflow.toml" ] && fail "purge left /etc/rflow/rflow.toml"
grep -q '^rflow:' "$root/etc/passwd" && fail "purge left the rflow user"
grep -q '^rflow:' "$root/etc/group" && fail "purge left the rflow group"
[ -f "$root/var/lib/rflow/admin-token.sha256" ] || fail "purge took the data in /var/lib/rflow"
[ "$(getent passwd rflow)" = "$host_user_before" ] ||
  fail "the maintainer scripts changed this machine's rflow user, not the scratch root's"

finish
