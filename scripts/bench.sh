#!/usr/bin/env bash
# Build (scripts/setup.sh) and run the benchmarks on one core; figures are multiples of real time.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
taskset -c 0 build/bench/outbench_bench_analysis --benchmark_counters_tabular=true "$@"
