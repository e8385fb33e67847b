#!/usr/bin/env bash
# Fuzz the readers of untrusted input with libFuzzer (+ AddressSanitizer + UndefinedBehaviorSanitizer):
#   fuzz_device_json  simulated device models       fuzz_bench_json  bench configurations
#   fuzz_rules_json   verdict rules                 fuzz_sound_file  sound files (libsndfile)
#   fuzz_report       results.json -> report.html and compare.html
#
#   scripts/fuzz.sh [SECONDS]     total fuzzing time, split evenly over the targets (default 60)
#   FUZZ_TARGETS="fuzz_report fuzz_sound_file" scripts/fuzz.sh 600     some targets, longer (by hand)
#
# Builds into build-fuzz/ (clang, -DOUTBENCH_FUZZ=ON). Seed corpora come from fixtures/ and tests/fuzz/seeds/
# (and, for sound files, short files made by build/measure/outbench and sox when they exist); what the
# fuzzer learns is kept in build-fuzz/corpus/ so longer runs by hand build on it. A crash, a sanitizer report, an exception other
# than the readers' InputError/UsageError, a leak, a 10 s hang or 2 GB of memory stops the target: its input
# is saved in build-fuzz/artifacts/ and the script exits 1 after the other targets ran.
# Reproduce one: build-fuzz/tests/fuzz/fuzz_X build-fuzz/artifacts/fuzz_X-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

TOTAL_S=${1:-60}
TARGETS=(${FUZZ_TARGETS:-fuzz_device_json fuzz_bench_json fuzz_rules_json fuzz_sound_file fuzz_report})
PER_S=$(((TOTAL_S + ${#TARGETS[@]} - 1) / ${#TARGETS[@]}))
B=build-fuzz
JOBS=$(nproc)

LAUNCHER=()
command -v ccache >/dev/null 2>&1 && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
echo "== fuzz: building ${TARGETS[*]} (clang, libFuzzer, ASan + UBSan) =="
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DOUTBENCH_FUZZ=ON \
  -DOUTBENCH_BENCHMARKS=OFF "${LAUNCHER[@]}" >/dev/null
mkdir -p "$B"
if ! cmake --build "$B" -j"$JOBS" --target "${TARGETS[@]}" >"$B/build.log" 2>&1; then
  tail -30 "$B/build.log"
  echo "fuzz: build failed (log: $B/build.log)" >&2
  exit 1
fi

# Seed corpora.
mkdir -p "$B/artifacts" "$B/seeds"
for t in device_json bench_json rules_json sound_file report; do mkdir -p "$B/corpus/fuzz_$t" "$B/seeds/fuzz_$t"; done
cp fixtures/devices/*.json "$B/seeds/fuzz_device_json/"
cp fixtures/benches/*.json "$B/seeds/fuzz_bench_json/"
cp fixtures/verdicts/*.json "$B/seeds/fuzz_rules_json/"
# A results.json of a quick run with every array cut to 3 entries: small inputs fuzz faster, and every
# section of the report is reached.
cp tests/fuzz/seeds/report/*.json "$B/seeds/fuzz_report/"
# Short seeds for the JSON targets' structure-aware mode (tests/fuzz/fuzz_common.hpp): edits of the seed file.
for t in device_json bench_json rules_json report; do
  printf 'E\001\200\001\002\200\011' >"$B/seeds/fuzz_$t/edits-1.bin"
  printf 'E\003\000\200\016\005\001\200\012' >"$B/seeds/fuzz_$t/edits-2.bin"
done
OUTBENCH=${OUTBENCH:-build/measure/outbench}
if [[ -x "$OUTBENCH" ]]; then
  S="$B/seeds/fuzz_sound_file"
  # Short files (fast to fuzz), one per sample format, mono and stereo.
  for fmt in pcm16 pcm24 pcm32 float double; do
    [[ -f "$S/tone-$fmt.wav" ]] ||
      "$OUTBENCH" generate tone --freq-hz 997 --seconds 0.01 --fade-s 0.002 --rate 8000 --level-dbfs -6 --format "$fmt" \
        -o "$S/tone-$fmt.wav" >/dev/null
  done
  if command -v sox >/dev/null 2>&1; then
    [[ -f "$S/stereo.aiff" ]] || sox -n -r 8000 -b 16 -c 2 "$S/stereo.aiff" synth 0.01 sine 1000 2>/dev/null
    [[ -f "$S/tone.flac" ]] || sox -n -r 8000 -b 24 "$S/tone.flac" synth 0.01 sine 1000 2>/dev/null
    [[ -f "$S/tone.w64" ]] || sox -n -r 8000 -b 16 "$S/tone.w64" synth 0.01 sine 1000 2>/dev/null
  fi
fi
[[ -n "$(ls -A "$B/seeds/fuzz_sound_file")" ]] || printf 'RIFF' >"$B/seeds/fuzz_sound_file/empty.wav"

echo "== fuzz: ${PER_S} s per target =="
failed=()
for t in "${TARGETS[@]}"; do
  exe="$B/tests/fuzz/$t"
  args=(-max_total_time="$PER_S" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$B/artifacts/$t-")
  case $t in
  fuzz_sound_file) args+=(-max_len=4096) ;;
  fuzz_report) args+=(-max_len=65536 -dict=tests/fuzz/json.dict) ;;
  *) args+=(-max_len=8192 -dict=tests/fuzz/json.dict) ;;
  esac
  log="$B/artifacts/$t.log"
  if "$exe" "${args[@]}" "$B/corpus/$t" "$B/seeds/$t" >"$log" 2>&1; then status=ok; else
    status=FAILED
    failed+=("$t")
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  corpus=$(find "$B/corpus/$t" -type f | wc -l)
  printf '%-18s %-6s %9s executions  corpus %5d files\n' "$t" "$status" "$execs" "$corpus"
  if [[ $status == FAILED ]]; then
    grep -E '^==[0-9]+==ERROR|runtime error|terminate called|what\(\)|SUMMARY|Test unit written' "$log" | head -8 |
      sed 's/^/    /'
    echo "    full log: $log"
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]} (inputs in $B/artifacts/)" >&2
  exit 1
fi
echo "fuzz: no findings"
