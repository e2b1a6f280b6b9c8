#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (+ ASan/UBSan) into build-fuzz/ and runs each one for a
# fixed time (default 20 s; first argument to change it). Seeds: fuzz/corpus/<target>/ (not
# modified; new inputs go to build-fuzz/corpus/). A crash leaves its input in build-fuzz/artifacts/
# and makes the script fail; so does undefined behaviour (UBSan halts on its first report).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DDF_FUZZ=ON -DDF_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "${JOBS:-2}"
mkdir -p build-fuzz/artifacts
# Built with -fno-sanitize-recover=all (CMakeLists.txt, DF_FUZZ): undefined behaviour is a crash
# with its stack, never a line in the log while the run goes on and passes.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for target in scheduler_protocol scheduler_swarm local_protocol frame_header task_metadata url text_values daemon_config scheduler_config \
    proxy_request manager_json connect_request; do
  work="build-fuzz/corpus/$target"
  mkdir -p "$work"
  echo "fuzz: $target for ${seconds}s"
  if ! "build-fuzz/fuzz/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="build-fuzz/artifacts/$target-" "$work" "fuzz/corpus/$target" \
      >"build-fuzz/$target.log" 2>&1; then
    echo "fuzz: $target FAILED; see build-fuzz/$target.log and build-fuzz/artifacts/" >&2
    tail -30 "build-fuzz/$target.log" >&2
    status=1
  else
    grep -E "^stat::number_of_executed_units" "build-fuzz/$target.log" | sed "s/^/fuzz: $target /" || true
  fi
done
exit $status
