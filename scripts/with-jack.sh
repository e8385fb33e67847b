#!/usr/bin/env bash
# Run a command against a private JACK server (dummy backend, synchronous, no realtime; docs/MEASUREMENTS.md "Testing
# the real path without hardware") with the virtual device under test already running, then stop both by PID and clean up.
#   scripts/with-jack.sh [--device MODEL.json] [--unplugged] [--no-dut] [--analyser] -- CMD ARGS...
# --analyser: the DUT's outputs on a second JACK client, outbench-analyser (a two-device bench).
# The command sees JACK_DEFAULT_SERVER (the private server) and OUTBENCH_RELAY_PORT (the relay board's
# pseudo-terminal, for the bench file's load_switch.port).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
DEVICE=$ROOT/fixtures/devices/usb-interface.json
DUT_ARGS=()
WITH_DUT=1
WAIT_PORT=outbench-dut:out_0
while [[ $# -gt 0 ]]; do
  case $1 in
    --device) DEVICE=$2; shift 2 ;;
    --unplugged) DUT_ARGS+=(--unplugged); shift ;;
    --no-dut) WITH_DUT=0; shift ;;
    --analyser) DUT_ARGS+=(--analyser outbench-analyser); WAIT_PORT=outbench-analyser:out_0; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[[ $# -gt 0 ]] || { echo "usage: with-jack.sh [--device MODEL] [--unplugged] [--no-dut] [--analyser] -- CMD..." >&2; exit 2; }

NAME=ob_$$
export JACK_DEFAULT_SERVER=$NAME JACK_NO_START_SERVER=1
export OUTBENCH_RELAY_PORT=/tmp/outbench-relay-$$
JACK_PID= DUT_PID=
cleanup() {
  for pid in $DUT_PID $JACK_PID; do
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -f /dev/shm/jack_"${NAME}"_* /dev/shm/jack_sem.*_"${NAME}"_* "$OUTBENCH_RELAY_PORT" 2>/dev/null || true
}
trap cleanup EXIT

jackd --no-realtime -n "$NAME" -p 64 -S -d dummy -r 48000 -p 256 >/tmp/jackd-$$.log 2>&1 &
JACK_PID=$!
for _ in $(seq 100); do jack_lsp system:playback_1 >/dev/null 2>&1 && break; sleep 0.05; done
jack_lsp system:playback_1 >/dev/null 2>&1 || { echo "with-jack: jackd did not start:" >&2; cat /tmp/jackd-$$.log >&2; exit 1; }

if [[ $WITH_DUT == 1 ]]; then
  "$BUILD/measure/outbench-virtual-dut" --device "$DEVICE" --relay-link "$OUTBENCH_RELAY_PORT" "${DUT_ARGS[@]}" 2>/tmp/dut-$$.log &
  DUT_PID=$!
  for _ in $(seq 100); do jack_lsp "$WAIT_PORT" >/dev/null 2>&1 && [[ -e $OUTBENCH_RELAY_PORT ]] && break; sleep 0.05; done
  jack_lsp "$WAIT_PORT" >/dev/null 2>&1 || { echo "with-jack: the virtual DUT did not start:" >&2; cat /tmp/dut-$$.log >&2; exit 1; }
fi
rm -f /tmp/jackd-$$.log
set +e
"$@"
rc=$?
set -e
rm -f /tmp/dut-$$.log
exit $rc
