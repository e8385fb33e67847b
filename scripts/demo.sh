#!/usr/bin/env bash
# Set everything up (scripts/setup.sh) and run the main job on the simulated bench: measure the default
# simulated device (a typical USB interface: line out and headphone out, every dummy load), print the
# figures and the verdicts, and write outbench-report/results.json and outbench-report/report.html.
# A second, quick run measures the phone dongle model into demo-dongle/ to show an absent line out.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
OUT=${OUT:-outbench-report}
B=build/measure/outbench
$B --version
$B list-devices
echo
$B run -o "$OUT"
echo
$B run --quick --device fixtures/devices/phone-dongle.json -o "${OUT}-dongle" --quiet >/dev/null
echo "phone dongle (quick run): ${OUT}-dongle/report.html"
