#!/usr/bin/env bash
# Screenshots of the default report above the fold (1280×900 CSS pixels), light and dark, for the README:
# docs/report-light.png and docs/report-dark.png. Measures the default simulated device (`outbench run`, the
# same as the README's first command) into a temporary folder and opens its report.html in headless Chromium
# (the browser the browser tests use, scripts/setup.sh installs it) with the network disabled.
# usage: scripts/screenshots.sh [OUTBENCH_EXE]   (default build/measure/outbench; build it first)
set -euo pipefail
cd "$(dirname "$0")/.."
EXE=$(realpath "${1:-build/measure/outbench}")
[[ -x "$EXE" ]] || { echo "screenshots: $EXE not found: build first (scripts/setup.sh or cmake --build build)" >&2; exit 2; }
CHROME=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$CHROME" ]] || { echo "screenshots: chromium is not installed (scripts/setup.sh installs it)" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && "$EXE" run --quiet -o outbench-report >/dev/null)  # the page names outbench-report/results.json
shot() {  # shot OUT.png [chromium options]
  local out=$1
  shift
  timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --disable-extensions --host-resolver-rules="MAP * ~NOTFOUND" \
    --proxy-server="127.0.0.1:9" --user-data-dir="$TMP/profile" --hide-scrollbars --force-device-scale-factor=1 \
    --virtual-time-budget=15000 --window-size=1280,900 --screenshot="$TMP/shot.png" "$@" \
    "file://$TMP/outbench-report/report.html" 2>/dev/null
  [[ -s "$TMP/shot.png" ]] || { echo "screenshots: chromium wrote no screenshot" >&2; exit 1; }
  mv "$TMP/shot.png" "$out"
  echo "screenshots: $out ($(stat -c %s "$out") bytes)"
}
mkdir -p docs
shot docs/report-light.png
shot docs/report-dark.png --force-dark-mode --blink-settings=preferredColorScheme=0
