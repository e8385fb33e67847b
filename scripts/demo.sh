#!/usr/bin/env bash
# Set everything up (scripts/setup.sh) and run the main job: generate a sweep and a tone, analyse them
# offline, and print the results.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
OUT=${OUT:-outbench-report}
mkdir -p "$OUT"
B=build/measure/outbench
$B --version
$B generate sweep --start-hz 10 --stop-hz 24000 --seconds 4 --rate 48000 --level-dbfs -6 -o "$OUT/sweep.wav"
$B generate tone --freq-hz 997 --seconds 2 --rate 48000 --level-dbfs -1 -o "$OUT/tone.wav"
echo
$B analyze thdn --input "$OUT/tone.wav"
echo
$B analyze response --reference "$OUT/sweep.wav" --input "$OUT/sweep.wav" --points-per-octave 3
