#!/usr/bin/env bash
# Configures and builds everything (binaries, tests, benchmarks) into build/ with Ninja, -j2, and
# the web console into console/dist (scripts/console.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build_type="${BUILD_TYPE:-RelWithDebInfo}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DDF_BUILD_TESTS=ON >/dev/null
cmake --build build -j "${JOBS:-2}"
bash scripts/console.sh
