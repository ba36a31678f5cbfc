#!/usr/bin/env bash
# The main job: install what is needed, build, and run rflow on the example project.
# (Until the service exists this checks and builds the examples; see README.md.)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build
./build/cli/rflow check examples/
./build/cli/rflow build examples/ -o build/examples.rfc
