#!/usr/bin/env bash
# Every `outbench` command of README.md and every example of `outbench COMMAND --help` runs as written (label:
# unit, test cli.readme_commands): the lines of the README's code blocks that start with "outbench ", then the
# help examples, are run in order by bash, with OUTBENCH_EXE on the PATH
# as `outbench`, in a scratch folder that stands for the repository's top folder (fixtures/ linked in; what the
# commands write stays in the scratch folder). Each must exit 0. Skipped, and listed: the commands of a real
# bench (a bench file of your own, my-bench.json: audio hardware) and `outbench devices` (lists the machine's
# audio interfaces; tested in test_cli.cpp). The scripts (./scripts/demo.sh, ./scripts/test.sh) install
# packages and build, and are not run here.
# usage: readme_commands.sh OUTBENCH_EXE SOURCE_DIR WORK_DIR
set -uo pipefail
EXE=$1
SRC=$2
WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK/bin" "$WORK/top"
ln -s "$EXE" "$WORK/bin/outbench"
ln -s "$SRC/fixtures" "$WORK/top/fixtures"
export PATH="$WORK/bin:$PATH"
cd "$WORK/top" || exit 1

passed=0 failed=0 skipped=0
while IFS= read -r cmd; do
  case "$cmd" in
    *my-bench.json*|"outbench devices"*) echo "skip (needs audio hardware): $cmd"; skipped=$((skipped + 1)); continue ;;
  esac
  if bash -c "$cmd" >"$WORK/out.txt" 2>"$WORK/err.txt" </dev/null; then
    echo "ok   $cmd"
    passed=$((passed + 1))
  else
    echo "FAIL (exit $?) $cmd"
    tail -5 "$WORK/err.txt"
    failed=$((failed + 1))
  fi
done < <(
  awk '/^```/ { inblock = !inblock; next } inblock && /^outbench / { print }' "$SRC/README.md"
  # Then the example lines of every subcommand's --help, in the same folder (after the README's commands, so
  # outbench-report/ exists; the generate examples before the analyze examples that read their files).
  for c in run list-devices devices "calibrate output" "calibrate input" "calibrate loopback" \
           "calibrate input-impedance" report compare export "generate sweep" "generate tone" "generate imd" \
           "generate multitone" "analyze thdn" "analyze response" "analyze impedance" "analyze imd" \
           "analyze multitone" "analyze headphones"; do
    # shellcheck disable=SC2086
    "$EXE" $c --help | sed -n '/^examples\?:/,$p' | sed -n 's/^ *\(outbench .*\)$/\1/p'
  done)

if (( passed + failed < 20 )); then
  echo "FAIL: only $((passed + failed)) README commands found (the extraction is broken?)"
  failed=$((failed + 1))
fi
echo "README commands: $passed passed, $failed failed, $skipped skipped"
(( failed == 0 ))
