#!/usr/bin/env bash
# Configures and builds the sanitizer build (build-asan/): clang, ASan + UBSan that stop at the first
# report, -O1 with line tables, the tests, and the libFuzzer targets (coverage-instrumented
# libraries). scripts/test.sh runs the suite (stage 2) and the fuzzing smoke test (stage 3) on it.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDF_SANITIZE=ON -DDF_BUILD_TESTS=ON >/dev/null
cmake --build build-asan -j "${JOBS:-2}"
