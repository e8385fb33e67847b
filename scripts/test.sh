#!/usr/bin/env bash
# Set everything up (scripts/setup.sh), run the whole test suite, then the unit tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer, the FFT plan cache's and the two-thread Welch spectrum's tests under
# ThreadSanitizer, and the fuzzers for a minute (scripts/fuzz.sh; longer by hand). Exits non-zero on any
# failure. No test asserts wall time.
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
cmake --build build-asan -j"$(nproc)" --target outbench_analysis_tests outbench_cli_tests outbench_selftest_tests outbench
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -L unit

echo "== FFT plan cache and two-thread Welch spectrum under ThreadSanitizer =="
LAUNCHER=()
command -v ccache >/dev/null 2>&1 && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DOUTBENCH_BENCHMARKS=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
  "${LAUNCHER[@]}" >/dev/null
cmake --build build-tsan -j"$(nproc)" --target outbench_analysis_tests
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  build-tsan/tests/outbench_analysis_tests --gtest_filter='Fft.PlanCacheIsThreadSafe:Thdn.TwoThreadWelchIsBitForBitTheOneThreadOne' \
  --gtest_repeat=3

echo "== fuzzers (scripts/fuzz.sh, 60 s in all) =="
./scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
