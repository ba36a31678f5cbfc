#!/usr/bin/env bash
# Installs every Debian 12 package that rflow's build and tests need.
# Idempotent and non-interactive: run it as root as often as you like; it only
# calls apt when something is missing. Nothing else is downloaded.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  antlr4 default-jre-headless libantlr4-runtime-dev   # grammar: tool 4.7.2 + C++ runtime 4.9
  libfmt-dev libcli11-dev nlohmann-json3-dev           # formatting, command line, JSON
  librocksdb-dev libcpp-httplib-dev libtomlplusplus-dev libssl-dev
  libgtest-dev libgmock-dev                            # unit and golden tests
  clang libclang-rt-14-dev                             # libFuzzer targets and sanitizers
  libintelrdfpmath-dev                                 # bench_decimal: the reference decimal128 column
  lua5.4                                               # bench_vm: the Lua column
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run this script as root (it calls apt-get install)" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
