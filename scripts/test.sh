#!/usr/bin/env bash
# Set everything up (scripts/setup.sh), run the whole test suite, then the unit tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

echo "== tests (Release build) =="
ctest --test-dir build --output-on-failure -j"$(nproc)"

echo "== unit tests under ASan + UBSan =="
WERROR=OFF
[[ "${CI:-}" == "true" ]] && WERROR=ON
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOUTBENCH_SANITIZE=ON -DOUTBENCH_BENCHMARKS=OFF \
  -DOUTBENCH_WERROR="$WERROR" >/dev/null
# Only what the unit tests need (the engine, hil and browser suites run in the Release build above).
cmake --build build-asan -j"$(nproc)" --target outbench_analysis_tests outbench_cli_tests outbench
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -L unit
