#!/usr/bin/env bash
# Installs every Debian 12 package that rflow's build and tests need, then the two npm
# packages the dashboard needs (nothing third-party is committed):
#   service/dashboard/node_modules/chart.js   bundled into the rflow binary at build time
#   tests/browser/node_modules/playwright-core drives Debian's chromium in the browser test
# Idempotent and non-interactive: run it as root as often as you like; it only calls apt
# and npm when something is missing. npm's cache stays in .npm-cache/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  antlr4 default-jre-headless libantlr4-runtime-dev   # grammar: tool 4.7.2 + C++ runtime 4.9
  libfmt-dev libcli11-dev nlohmann-json3-dev           # formatting, command line, JSON
  librocksdb-dev libcpp-httplib-dev libtomlplusplus-dev libssl-dev
  libjemalloc-dev                                      # the allocator of rflow and the benches
  libfasttext-dev fasttext                             # classifiers: the library; bench_classify's peer CLI
  libhowardhinnant-date-dev tzdata                     # business calendars: time zones from the system's tzdata
  libgtest-dev libgmock-dev                            # unit and golden tests
  clang libclang-rt-14-dev                             # libFuzzer targets and sanitizers
  libintelrdfpmath-dev                                 # bench_decimal: the reference decimal128 column
  lua5.4                                               # bench_vm: the Lua column
  chromium                                             # tests/browser: the dashboard test
  curl                                                 # scripts/run.sh: waits for the service, deploys a model
  python3                                              # scripts/make_triage_data.py (run.sh's store texts)
  dpkg-dev                                             # the .deb: dpkg-shlibdeps finds its Depends
  systemd                                              # tests/package: systemd-analyze verify on the unit
  nats-server libnats-dev                              # runtime/cluster: JetStream 2.9.10 + the C client 3.4.1
)
# Node.js for the npm step. A machine may already have a node that did not come from
# Debian (with its own npm); installing Debian's npm beside it would fight over the
# files, so the Debian packages are only asked for when the commands are missing.
command -v node > /dev/null || packages+=(nodejs)
command -v npm > /dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
elif [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run this script as root (it calls apt-get install)" >&2
  exit 1
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The npm packages, at the versions pinned in each package.json. `npm install` is only
# run when the package is not there at that version, so a built tree needs no network.
npm_install() {  # DIR PACKAGE
  local dir=$1 package=$2 want have
  want=$(node -p "require('./$dir/package.json').dependencies['$package']")
  have=$(node -p "try { require('./$dir/node_modules/$package/package.json').version } catch { '' }")
  if [[ "$have" == "$want" ]]; then
    echo "setup: $dir: $package $want already installed"
    return
  fi
  echo "setup: $dir: npm install ($package $want)"
  (cd "$dir" && npm install --no-audit --no-fund --no-save --omit=dev --loglevel=error \
    --cache "$PWD/../../.npm-cache")
}
npm_install service/dashboard chart.js
npm_install tests/browser playwright-core
npm_install tests/contracts @readme/openapi-parser
npm_install tests/contracts ajv
npm_install tests/contracts ajv-formats
