#!/usr/bin/env bash
# Rendering test in a real browser (label: browser): headless Chromium opens report.html for two device
# models, a results file of the older schema outbench/1 and a compare.html with the network disabled, and must find no console error, every plot drawn
# (non-empty canvas, counted by the page's own self-check) and the verdict text. Screenshots go to OUT.
# A third report (and the compare page) is rendered from results whose device name and a warning hold
# "<!--<script>" and "</script><script>alert(1)</script>": the data block must not end early or swallow
# the page's scripts, and the Content-Security-Policy (script hashes) must block nothing.
# Values (check_values.js): the summary table's |Zout| at 1 kHz and a maximum level equal results.json's as the
# page rounds them, and each channel's noise (unweighted / A) and SNR(A) / DR(A) shown exactly where the channels
# differ; no "-0.0" and no "ohm" in the page's text; the warnings box and the summary above the plots; the shared
# ground return with "± u" where the results carry one, a negative reading without one "≈ 0 (−0.002)".
# Plots (check_plots.js, the page opened with #plotdata): every limit of an evaluated rule that judges a curve
# is drawn on its plot at the rule's limit with its result; per-load |Zout| estimates are faded exactly where
# their uncertainty exceeds 10 % of |Z| and do not set the axis; analyser-floor warnings tag the THD+N-versus-
# level plot of their port; each maximum-level bar's height, mW and channel points equal results.json's and the
# label under it names its load and stop reason; frequency axes end at the data, dB axes keep their minimum span;
# frequency tick labels are round ("100", "1k"); informational limits (damping) read "information", never pass/fail;
# the spectra's titles state the scale, bin width and window; L solid and R dashed in every per-load plot; a
# comparison of three runs (one of schema outbench/1) draws each run's |Zout| as its results hold it.
# Bounds (check_bounds.js): figures within 3 dB of the analyser's floor read "≤"/"≥" in the summary and the
# working-levels table and in compare, where two bounds differing is never a move; compare's summary keeps a
# row per figure and load with its conditions; its differences are in dB, in fixed digits.
# Screenshots: the whole page, and above the fold in light and dark.
# usage: render_test.sh OUTBENCH_EXE OUT_DIR SOURCE_DIR
set -euo pipefail
EXE=$1
OUT=$2
SRC=$3
CHROME=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$CHROME" ]] || { echo "FAIL: chromium is not installed (scripts/setup.sh installs it)"; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT"

browse() {  # browse URL -> DOM after scripts ran, on stdout; the browser's log in $OUT/browser.log
  local profile
  profile=$(mktemp -d)
  timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-extensions \
    --host-resolver-rules="MAP * ~NOTFOUND" --proxy-server="127.0.0.1:9" --user-data-dir="$profile" \
    --enable-logging=stderr --v=0 --virtual-time-budget=15000 --window-size=1280,900 "$@" 2>"$OUT/browser.log"
  rm -rf "$profile"
}

check_page() {  # check_page NAME HTML PLOTS TEXT
  local name=$1 html=$2 min_plots=$3 text=$4 dom selftest plots drawn
  dom=$(browse --dump-dom "file://$html")
  printf '%s' "$dom" >"$OUT/$name.dom.html"
  selftest=$(printf '%s' "$dom" | tr '\n' ' ' | sed -n 's/.*<pre id="outbench-selftest">\([^<]*\)<\/pre>.*/\1/p')
  echo "$name: self-check $selftest"
  [[ -n "$selftest" ]] || { echo "FAIL $name: the page's script did not run"; return 1; }
  plots=$(printf '%s' "$selftest" | sed -n 's/.*"plots":\([0-9]*\).*/\1/p')
  drawn=$(printf '%s' "$selftest" | sed -n 's/.*"drawn":\([0-9]*\).*/\1/p')
  [[ "$selftest" == *'"errors":[]'* ]] || { echo "FAIL $name: console errors: $selftest"; return 1; }
  # Anything the page wrote to the console, a blocked request (Content-Security-Policy) included, is a failure:
  # the report logs nothing and fetches nothing.
  if grep -q ':CONSOLE' "$OUT/browser.log"; then
    echo "FAIL $name: console messages:"; grep ':CONSOLE' "$OUT/browser.log"; return 1
  fi
  (( plots == min_plots )) || { echo "FAIL $name: $plots plots, expected $min_plots"; return 1; }
  (( drawn == plots )) || { echo "FAIL $name: only $drawn of $plots plots drew anything"; return 1; }
  grep -q "$text" <<<"$dom" || { echo "FAIL $name: '$text' not on the page"; return 1; }
  browse --screenshot="$OUT/$name.png" --window-size=1280,3000 "file://$html" >/dev/null
  [[ -s "$OUT/$name.png" ]] || { echo "FAIL $name: no screenshot"; return 1; }
  if [[ $name == usb ]]; then  # the default report above the fold (1280×900), light and dark
    browse --screenshot="$OUT/$name-fold.png" "file://$html" >/dev/null
    browse --screenshot="$OUT/$name-fold-dark.png" --force-dark-mode --blink-settings=preferredColorScheme=0 "file://$html" >/dev/null
  fi
  echo "ok $name: $plots plots drawn, screenshot $OUT/$name.png"
}

plotdata() {  # plotdata NAME HTML -> $OUT/NAME.plots.html: the DOM with every plot's data (#plotdata)
  browse --dump-dom "file://$2#plotdata" >"$OUT/$1.plots.html"
}

"$EXE" run --quick --quiet -o "$OUT/usb" >/dev/null
"$EXE" run --quick --quiet --device "$SRC/fixtures/devices/phone-dongle.json" -o "$OUT/dongle" >/dev/null
check_page usb "$OUT/usb/report.html" 25 "Headphone out: usable as a consumer line out"
node "$SRC/tests/browser/check_values.js" "$OUT/usb.dom.html" "$OUT/usb/results.json" headphone 32
python3 "$SRC/tests/browser/check_summary_tags.py" "$OUT/usb.dom.html" "$OUT/usb/results.json"
plotdata usb "$OUT/usb/report.html"
node "$SRC/tests/browser/check_plots.js" report "$OUT/usb.plots.html" "$OUT/usb/results.json"
check_page dongle "$OUT/dongle/report.html" 13 "Headphone out: usable with conditions as a consumer line out"
node "$SRC/tests/browser/check_values.js" "$OUT/dongle.dom.html" "$OUT/dongle/results.json" headphone 16
plotdata dongle "$OUT/dongle/report.html"
node "$SRC/tests/browser/check_plots.js" report "$OUT/dongle.plots.html" "$OUT/dongle/results.json"
# A results file of schema outbench/1 (before grades, THD beside THD+N, near-max THD+N and DR re max level).
mkdir -p "$OUT/v1" && cp "$SRC/tests/data/results-outbench1-dongle.json" "$OUT/v1/results.json"
"$EXE" report "$OUT/v1/results.json" 2>/dev/null
check_page v1 "$OUT/v1/report.html" 9 "Headphone out: not usable as a consumer line out"
node "$SRC/tests/browser/check_values.js" "$OUT/v1.dom.html" "$OUT/v1/results.json" headphone 32
mkdir -p "$OUT/hostile"
node -e '
  const fs = require("fs"), [src, dst] = process.argv.slice(1);
  const r = JSON.parse(fs.readFileSync(src, "utf8"));
  const evil = "<!--<script> </script><script>alert(1)</script><!-- <script";
  r.device.name = evil + " " + r.device.name;
  r.warnings.push("warning " + evil);
  fs.writeFileSync(dst, JSON.stringify(r));' "$OUT/usb/results.json" "$OUT/hostile/results.json"
"$EXE" report "$OUT/hostile/results.json" 2>/dev/null
check_page hostile "$OUT/hostile/report.html" 25 "Headphone out: usable as a consumer line out"
grep -Eq '<li class="warn" id="warning-[0-9]+">warning &lt;!--' "$OUT/hostile.dom.html" || { echo "FAIL hostile: the warning is not in the warnings box"; exit 1; }
"$EXE" compare "$OUT/hostile/results.json" "$OUT/dongle/results.json" "$OUT/v1/results.json" -o "$OUT/compare.html" 2>/dev/null
# 9 overlays for each port: response, |Z|, THD+N v level, THD+N v frequency, crosstalk, the multitone's TD+N and
# response, two spectra (the line out's THD+N v frequency is empty in these quick runs: 2 x 9 - 1 = 17)
check_page compare "$OUT/compare.html" 17 "verdict-changed"
plotdata compare "$OUT/compare.html"
node "$SRC/tests/browser/check_plots.js" compare "$OUT/compare.plots.html" "$OUT/hostile/results.json" "$OUT/dongle/results.json" "$OUT/v1/results.json"
grep -q 'class="delta moved"' "$OUT/compare.html" || { echo "FAIL compare: no moved figure highlighted"; exit 1; }
# Runs of different devices (and nominal loads): said once above the summary.
grep -q 'class="sub compare-differs">The runs are of different devices' "$OUT/compare.dom.html" || { echo "FAIL compare: the summary does not say the runs are of different devices"; exit 1; }
# Analyser-limited figures as bounds (check_bounds.js): the usb run as it is, then with every floor figure of
# every load marked analyser-limited and the port's floor raised to -20 dBFS (every working level's THD+N then
# lies within 3 dB of it), and a copy of that whose noise reads 5 dB higher and |Zout| at 1 kHz 3.05 µΩ lower. The summary and working-levels
# tables write "≤"/"≥" exactly where the results say so; compare keeps a row per figure and load with its
# conditions, prints differences in dB in fixed digits, and does not highlight two bounds differing.
dom_ok() {  # dom_ok NAME HTML: the DOM after the scripts ran, with no script error
  browse --dump-dom "file://$2" >"$OUT/$1.dom.html"
  grep -q '"errors":\[\]' "$OUT/$1.dom.html" || { echo "FAIL $1: script errors: $(grep -o '<pre id="outbench-selftest">[^<]*' "$OUT/$1.dom.html")"; exit 1; }
}
mkdir -p "$OUT/bounded" "$OUT/bounded2"
node -e '
  const fs = require("fs"), [src, dst, dst2] = process.argv.slice(1);
  const r = JSON.parse(fs.readFileSync(src, "utf8"));
  for (const p of r.ports) {
    if (!p.present || !p.loads) continue;
    if (p.analyser_floor && p.analyser_floor.measured) p.analyser_floor.noise_dbfs = -20;
    for (const l of p.loads) for (const k of Object.keys(l.floor || {})) l.floor[k].analyser_limited = true;
  }
  fs.writeFileSync(dst, JSON.stringify(r));
  for (const p of r.ports) if (p.output_impedance && p.output_impedance.z_1k_ohms !== undefined) p.output_impedance.z_1k_ohms -= 3.05e-6;  // a tiny difference: fixed digits
  for (const p of r.ports) for (const l of p.loads || []) if (l.noise) { l.noise.unweighted_dbfs += 5; if (l.noise.unweighted_dbv !== undefined) l.noise.unweighted_dbv += 5; }
  fs.writeFileSync(dst2, JSON.stringify(r));' "$OUT/usb/results.json" "$OUT/bounded/results.json" "$OUT/bounded2/results.json"
"$EXE" report "$OUT/bounded/results.json" 2>/dev/null
dom_ok bounded "$OUT/bounded/report.html"
node "$SRC/tests/browser/check_bounds.js" report "$OUT/usb.dom.html" "$OUT/usb/results.json"
node "$SRC/tests/browser/check_bounds.js" report "$OUT/bounded.dom.html" "$OUT/bounded/results.json"
"$EXE" compare "$OUT/usb/results.json" "$OUT/bounded/results.json" -o "$OUT/compare-bounded.html" 2>/dev/null
dom_ok compare-bounded "$OUT/compare-bounded.html"
node "$SRC/tests/browser/check_bounds.js" compare "$OUT/compare-bounded.dom.html" "$OUT/usb/results.json" "$OUT/bounded/results.json"
"$EXE" compare "$OUT/bounded/results.json" "$OUT/bounded2/results.json" -o "$OUT/compare-bounds.html" 2>/dev/null
dom_ok compare-bounds "$OUT/compare-bounds.html"
node "$SRC/tests/browser/check_bounds.js" compare "$OUT/compare-bounds.dom.html" "$OUT/bounded/results.json" "$OUT/bounded2/results.json" both-bounds
echo "browser tests: 6 passed, 0 failed"
