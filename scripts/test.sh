#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite:
#   1. unit + integration tests (CTest) on the normal build (build/);
#   2. the same suite built by clang with ASan + UBSan (build-asan/), halting on the first report;
#   3. every libFuzzer target, from that same build, for a short time (scripts/fuzz.sh,
#      FUZZ_SECONDS each, default 15).
# `scripts/test.sh --quick` runs stage 1 only.
# Every test must run here (CI is root with every tool installed): DF_REQUIRE_ALL=1 makes a skipped
# integration test a failure (tests/support/run_unittest.py); DF_REQUIRE_ALL=0 lets them skip.
set -euo pipefail
export DF_REQUIRE_ALL="${DF_REQUIRE_ALL-1}"
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

bash scripts/setup.sh
bash scripts/build.sh
echo "== stage 1: unit + integration tests"
(cd build && ctest --output-on-failure --no-tests=error --timeout 900)
[ "$quick" = 1 ] && exit 0

echo "== stage 2: the suite under AddressSanitizer + UndefinedBehaviorSanitizer"
bash scripts/sanitizer_build.sh
(cd build-asan && DF_SANITIZERS=1 ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure --no-tests=error --timeout 1200)

echo "== stage 3: fuzzing smoke"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
echo "== all stages passed"
