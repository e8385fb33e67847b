#!/usr/bin/env bash
# usage: scripts/analyze_same.sh OLD_OUTBENCH NEW_OUTBENCH [REL_TOLERANCE]
# Checks that two builds print the same `analyze response` and `analyze thdn` JSON on the benchmark files of
# scripts/bench.sh and on a set of generated captures (rates, sample formats, lengths, options): byte for byte,
# or, given REL_TOLERANCE (e.g. 1e-9; needs python3), the same keys, strings and integers and every other
# number within REL_TOLERANCE of the old one relative to the larger (or 1e-12 absolute near zero; dB figures
# below -200 dB, which are rounding, not signal, are not compared); then it prints the largest relative
# difference of each case. Prints "SAME n" or the differences and exits 1.
set -uo pipefail
OLD=$(readlink -f "$1") NEW=$(readlink -f "$2") TOL=${3:-}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
g() { "$OLD" generate "$@" >/dev/null 2>&1 || { echo "generate $* failed" >&2; exit 2; }; }
# The benchmark files (as scripts/bench.sh makes them).
g sweep --start-hz 20 --stop-hz 20000 --seconds 10 --rate 96000 -o "$d/sweep10.wav"
g sweep --start-hz 20 --stop-hz 20000 --seconds 10 --rate 96000 --level-dbfs -7.5 -o "$d/cap10.wav"
sox "$d/sweep10.wav" -b 24 "$d/cap10s.wav" pad 0.0123 0.5 lowpass 15000 gain -1.5
g tone --freq-hz 997 --seconds 60 --rate 96000 --level-dbfs -1 -o "$d/tone60.wav"
# Others: rates, formats, lengths, distortion through sox.
g sweep --start-hz 20 --stop-hz 20000 --seconds 2 --rate 48000 -o "$d/sweep2.wav"
sox "$d/sweep2.wav" -b 16 "$d/cap2.wav" pad 0.003 0.3 highpass 40 gain -3 overdrive 5
sox "$d/sweep2.wav" -e floating-point -b 32 "$d/cap2f.wav" pad 0.1 0.2 lowpass 8000
g sweep --start-hz 10 --stop-hz 40000 --seconds 1 --rate 192000 --format float -o "$d/sweep1h.wav"
sox "$d/sweep1h.wav" "$d/cap1h.wav" pad 0.01 0.1 gain -6
g tone --freq-hz 1000 --seconds 1 --rate 48000 --format pcm16 -o "$d/t16.wav"
g tone --freq-hz 1000 --seconds 3 --rate 44100 --format pcm32 --level-dbfs -20 -o "$d/t32.wav"
g tone --freq-hz 440 --seconds 2 --rate 96000 --format double -o "$d/tdbl.wav"
g tone --freq-hz 6000 --seconds 1 --rate 192000 --format float -o "$d/tf.wav"
sox "$d/t16.wav" "$d/tod.wav" overdrive 10 gain -3
sox "$d/tone60.wav" "$d/t60d.wav" trim 0 7 overdrive 3 gain -6
# The two JSON documents agree within TOL (see above); prints the case's largest relative difference.
near() {
  python3 - "$1" "$2" "$TOL" "$3" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
tol, worst, bad = float(sys.argv[3]), [0.0, ""], []
def walk(x, y, at):
    if isinstance(x, dict) and isinstance(y, dict):
        if x.keys() != y.keys(): bad.append(at + ": keys differ")
        for k in x.keys() & y.keys(): walk(x[k], y[k], at + "." + k)
    elif isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y): bad.append(at + ": lengths differ")
        for i, (u, v) in enumerate(zip(x, y)): walk(u, v, at + "[%d]" % i)
    elif isinstance(x, float) or isinstance(y, float):
        if isinstance(x, bool) or isinstance(y, bool) or not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
            bad.append(at + ": types differ"); return
        if at.endswith(("_db", "_dbc", "_dbfs")) and max(x, y) < -200:
            return  # below -200 dB: the transforms' rounding, not a signal (a float-exact synthetic tone's harmonics)
        scale = max(abs(x), abs(y))
        rel = abs(x - y) / scale if scale > 0 else 0.0
        if rel > worst[0]: worst[:] = [rel, at]
        if abs(x - y) > max(tol * scale, 1e-12): bad.append("%s: %r vs %r" % (at, x, y))
    elif x != y: bad.append("%s: %r vs %r" % (at, x, y))
walk(a, b, "")
if bad: print("\n".join(bad[:20])); sys.exit(1)
print("within %g: largest relative difference %.2e%s (analyze %s)" % (tol, worst[0], " at " + worst[1] if worst[1] else "", sys.argv[4]))
PY
}
n=0 bad=0
run() {
  n=$((n + 1))
  "$OLD" analyze "$@" --json >"$d/old.json" 2>"$d/old.err"; local ro=$?
  "$NEW" analyze "$@" --json >"$d/new.json" 2>"$d/new.err"; local rn=$?
  if [ $ro -eq $rn ] && cmp -s "$d/old.err" "$d/new.err"; then
    cmp -s "$d/old.json" "$d/new.json" && return
    [ -n "$TOL" ] && [ -s "$d/old.json" ] && near "$d/old.json" "$d/new.json" "$*" && return
  fi
  if true; then
    bad=$((bad + 1)); echo "DIFFERENT: analyze $* (exit $ro vs $rn)"
    diff "$d/old.json" "$d/new.json" | head -20; diff "$d/old.err" "$d/new.err" | head -5
  fi
}
run response --reference "$d/sweep10.wav" --input "$d/cap10.wav"
run response --reference "$d/sweep10.wav" --input "$d/cap10s.wav"
run response --reference "$d/sweep10.wav" --input "$d/cap10s.wav" --points-per-octave 3
run response --reference "$d/sweep2.wav" --input "$d/cap2.wav"
run response --reference "$d/sweep2.wav" --input "$d/cap2f.wav"
run response --reference "$d/sweep1h.wav" --input "$d/cap1h.wav" --points-per-octave 96
run response --reference "$d/sweep2.wav" --input "$d/t16.wav"
run thdn --input "$d/tone60.wav"
run thdn --input "$d/tone60.wav" --weighting a --harmonics 50
run thdn --input "$d/t60d.wav"
run thdn --input "$d/t60d.wav" --band 400:30000 --fundamental-hz 997
for f in t16 t32 tdbl tf tod; do run thdn --input "$d/$f.wav"; run thdn --input "$d/$f.wav" --weighting a; done
run thdn --input "$d/cap2.wav"
run thdn --input "$d/cap10s.wav" --channel 1
if [ $bad -eq 0 ]; then echo "SAME $n"; else echo "DIFFERENT $bad of $n"; exit 1; fi
