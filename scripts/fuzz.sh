#!/usr/bin/env bash
# Runs every libFuzzer target for a fixed time (default 20 s; first argument to change it). The
# targets live in the sanitizer build (build-asan/: clang, ASan + UBSan, coverage-instrumented
# libraries; scripts/sanitizer_build.sh configures and builds it, a no-op when it is up to date).
# Seeds: fuzz/corpus/<target>/ (not modified; new inputs go to build-asan/fuzz-work/corpus/). A crash
# leaves its input in build-asan/fuzz-work/artifacts/ and makes the script fail; so does undefined
# behaviour (UBSan halts on its first report).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
bash scripts/sanitizer_build.sh
out=build-asan/fuzz-work
mkdir -p "$out/artifacts"
# Built with -fno-sanitize-recover=all (cmake/warnings.cmake): undefined behaviour is a crash
# with its stack, never a line in the log while the run goes on and passes.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for target in scheduler_protocol scheduler_swarm local_protocol frame_header task_metadata url text_values daemon_config scheduler_config \
    proxy_request manager_json connect_request; do
  work="$out/corpus/$target"
  mkdir -p "$work"
  echo "fuzz: $target for ${seconds}s"
  if ! "build-asan/fuzz/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$target-" "$work" "fuzz/corpus/$target" \
      >"$out/$target.log" 2>&1; then
    echo "fuzz: $target FAILED; see $out/$target.log and $out/artifacts/" >&2
    tail -30 "$out/$target.log" >&2
    status=1
  else
    grep -E "^stat::number_of_executed_units" "$out/$target.log" | sed "s/^/fuzz: $target /" || true
  fi
done
exit $status
