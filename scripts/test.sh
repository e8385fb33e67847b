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
cmake --build build-asan -j"$(nproc)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -L unit
