#!/usr/bin/env bash
# Build (scripts/setup.sh) and run the benchmarks (the in-process ones on one core). Each case reports
# x_realtime (seconds of audio per second of wall time on one core) and x_fft_work: its time over the FFTW
# transforms it cannot avoid, of the same sizes, timed in the same run (1.0 = nothing but those transforms).
# Then the whole process:
# `outbench analyze response` (10 s sweep at 96 kHz) and `analyze thdn` (60 s tone at 96 kHz) as a user
# runs them, start-up and file reading included: x real time from the min and median wall time (and the
# min CPU time, which a busy machine does not inflate) and the peak resident memory, beside the in-process
# x_realtime of the same case. RUNS=N sets the number of runs (default 7). The whole-process runs use a fresh
# FFTW wisdom cache (XDG_CACHE_HOME in the temporary folder), warmed by one run first, as a user's second run
# finds it; the response is also timed without it (OUTBENCH_FFTW_WISDOM=off: a first run).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
B=build/measure/outbench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== analysis (Google Benchmark, one core) =="
taskset -c 0 build/bench/outbench_bench_analysis --benchmark_counters_tabular=true "$@" | tee "$tmp/gbench.txt"

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
RUNS=${RUNS:-7}
# Whole process, as a user runs it (both cores: `analyze response` reads and transforms the capture on a second
# thread while the reference's inverse is built): outbench_run_stats runs the command RUNS times and prints wall
# min/median (s), CPU min/median (s, both threads) and the peak resident memory (MiB, largest run).
whole() {  # label audio_seconds in_process_x_realtime command...
  local label=$1 audio_s=$2 inproc=$3
  shift 3
  read -r wmin wmed cmin cmed rss < <(build/bench/outbench_run_stats "$RUNS" "$@")
  printf '%-44s %8.0fx %8.0fx %8.0fx %8.1f %8.1f %12s\n' "$label" "$(echo "$audio_s / $wmin" | bc -l)" \
    "$(echo "$audio_s / $wmed" | bc -l)" "$(echo "$audio_s / $cmin" | bc -l)" "$rss" "$(echo "$rss * 1.048576" | bc -l)" \
    "$inproc"
  printf '%-44s %8.3fs %8.3fs %8.3fs\n' "  (seconds)" "$wmin" "$wmed" "$cmin"
}
echo
echo "== whole process (both cores, $RUNS runs; x real time = seconds of audio per second) =="
$B generate sweep --start-hz 20 --stop-hz 20000 --seconds 10 --rate 96000 -o "$tmp/sweep10.wav" >/dev/null 2>&1
# The capture: with sox, the sweep 12.3 ms late with 0.5 s of tail, through a 15 kHz low-pass, 1.5 dB down;
# without it, the sweep 1.5 dB down.
$B generate sweep --start-hz 20 --stop-hz 20000 --seconds 10 --rate 96000 --level-dbfs -7.5 \
  -o "$tmp/cap10.wav" >/dev/null 2>&1
if command -v sox >/dev/null 2>&1; then
  sox "$tmp/sweep10.wav" -b 24 "$tmp/cap10.wav" pad 0.0123 0.5 lowpass 15000 gain -1.5
fi
$B generate tone --freq-hz 997 --seconds 60 --rate 96000 --level-dbfs -1 -o "$tmp/tone60.wav" >/dev/null 2>&1
# In-process figures of the same cases from the Google Benchmark run above.
inproc() { awk -v n="$1" '$1 == n { print $NF "x" }' "$tmp/gbench.txt"; }
export XDG_CACHE_HOME="$tmp/cache"
$B analyze response --reference "$tmp/sweep10.wav" --input "$tmp/cap10.wav" --json >/dev/null
$B analyze thdn --input "$tmp/tone60.wav" --json >/dev/null
echo "load before: $(uptime | sed 's/.*load average: //') (1, 5, 15 min; other jobs inflate the wall times)"
printf '%-44s %9s %9s %9s %8s %8s %12s\n' "case" "wall min" "wall med" "CPU min" "peak MiB" "peak MB" "in-process"
whole "analyze response, 10 s sweep at 96 kHz" 10 "$(inproc BM_Response)" \
  $B analyze response --reference "$tmp/sweep10.wav" --input "$tmp/cap10.wav" --json
OUTBENCH_FFTW_WISDOM=off whole "  the same, no FFTW wisdom cache (a first run)" 10 "" \
  $B analyze response --reference "$tmp/sweep10.wav" --input "$tmp/cap10.wav" --json
whole "analyze thdn, 60 s tone at 96 kHz" 60 "$(inproc BM_Thdn/96000/60)" \
  $B analyze thdn --input "$tmp/tone60.wav" --json
echo "(targets: response >= 100x real time within 48 MB; thdn >= 1000x; load after: $(uptime | sed 's/.*load average: //'))"
echo
echo "== stimulus budget (seconds of stimulus per plan step: the wall time on hardware) =="
build/bench/outbench_stimulus_budget
t=$(secs $B run --quiet -o "$tmp/full")
printf 'outbench run (full, simulated bench): %.2f s\n' "$t"
t=$(secs $B run --quick --quiet -o "$tmp/quick")
printf 'outbench run --quick: %.2f s\n' "$t"
