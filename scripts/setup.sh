#!/usr/bin/env bash
# Install every Debian package outbench needs (idempotent, non-interactive), then configure and build
# (Release) into build/. Safe to run again: apt-get skips what is installed, CMake rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config git clang-format bc
  libfftw3-dev libsoxr-dev libsndfile1-dev libportaudio2 portaudio19-dev libjack-jackd2-dev
  nlohmann-json3-dev libboost-program-options-dev libgtest-dev libgmock-dev libbenchmark-dev
  chromium jackd2 libasound2-dev
  clang libclang-rt-14-dev llvm sox python3-jsonschema
)
# clang with its sanitizer and libFuzzer runtimes (libclang-rt-14-dev) and llvm-symbolizer (llvm, for stack
# traces): scripts/fuzz.sh and the ThreadSanitizer run in scripts/test.sh. sox writes the sound files the
# tests read as "a file written by another program". python3-jsonschema (Debian 12: 4.10, draft 2020-12) checks
# the files against reports/schema (ctest schema.validate).
# Node.js and npm fetch the report's charting library (pinned in reports/web/package-lock.json); a machine
# that already has them (e.g. from NodeSource) keeps its own.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  # jackd2 asks whether to enable realtime scheduling: no (tests run JACK without realtime).
  echo "jackd2 jackd/tweak_rt_limits boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The report's charting library (uPlot), exactly as locked.
if [[ ! -f reports/web/node_modules/uplot/dist/uPlot.iife.min.js ||
      reports/web/package-lock.json -nt reports/web/node_modules/.package-lock.json ]]; then
  (cd reports/web && npm ci --no-audit --no-fund --loglevel=error)
fi

BUILD_DIR=${BUILD_DIR:-build}
WERROR=OFF
[[ "${CI:-}" == "true" ]] && WERROR=ON
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DOUTBENCH_WERROR="$WERROR" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"

# Put `outbench` on the PATH so every command in the README works as written: a link in /usr/local/bin to
# the binary just built (a rebuild updates it). Without write access to /usr/local/bin, say where it is.
BIN="$PWD/$BUILD_DIR/measure/outbench"
if [[ -w /usr/local/bin ]]; then
  ln -sfn "$BIN" /usr/local/bin/outbench
  echo "setup: outbench is on the PATH (/usr/local/bin/outbench -> $BUILD_DIR/measure/outbench)"
else
  echo "setup: outbench is built at $BIN (add $(dirname "$BIN") to PATH, or run setup as root to link it)"
fi
