#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite (unit + integration) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 900 "$@"
