#!/usr/bin/env bash
# Build (scripts/setup.sh) and run the benchmarks on one core. Each case reports x_realtime (seconds of audio
# per second of wall time on one core) and x_fft_work: its time over the FFTW transforms it cannot avoid,
# of the same sizes, timed in the same run (1.0 = nothing but those transforms).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
B=build/measure/outbench
echo "== analysis (Google Benchmark, one core) =="
taskset -c 0 build/bench/outbench_bench_analysis --benchmark_counters_tabular=true "$@"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
echo
echo "== whole process =="
$B generate tone --freq-hz 997 --seconds 60 --rate 96000 --level-dbfs -1 -o "$tmp/tone60.wav" 2>/dev/null
best=999
for _ in 1 2 3 4 5; do
  t=$(secs taskset -c 0 $B analyze thdn --input "$tmp/tone60.wav" --json)
  best=$(echo "if ($t < $best) $t else $best" | bc -l)
done
printf 'outbench analyze thdn, 60 s at 96 kHz: %.3f s = %.0f x real time\n' "$best" "$(echo "60 / $best" | bc -l)"
t=$(secs $B run --quiet -o "$tmp/full")
printf 'outbench run (full, simulated bench): %.2f s\n' "$t"
t=$(secs $B run --quick --quiet -o "$tmp/quick")
printf 'outbench run --quick: %.2f s\n' "$t"
