#!/usr/bin/env bash
# Runs every fuzz target built in BUILD_DIR/fuzz for SECONDS each, JOBS at a time, starting from
# its seed corpus tests/fuzz/corpus/<target>/ (left untouched: inputs found now go to
# BUILD_DIR/fuzz-work/). Prints the runs and coverage each target reached; exits non-zero when
# any target crashed, broke an invariant, leaked, timed out on an input or did not run.
set -uo pipefail
build=${1:?usage: run_fuzzers.sh BUILD_DIR [SECONDS] [JOBS]}
seconds=${2:-60}
jobs=${3:-2}
here=$(cd "$(dirname "$0")" && pwd)
bin_dir=$(cd "$build" && pwd)/fuzz
work=$(cd "$build" && pwd)/fuzz-work
rm -rf "$work"
mkdir -p "$work"

targets=()
for corpus in "$here"/corpus/*/; do targets+=("$(basename "$corpus")"); done

run_one() {
  local t=$1 dict=()
  [ -f "$here/dict/$t.dict" ] && dict=("-dict=$here/dict/$t.dict")
  mkdir -p "$work/$t-corpus"
  "$bin_dir/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$work/$t-" "${dict[@]}" "$work/$t-corpus" "$here/corpus/$t" \
    >"$work/$t.log" 2>&1
  echo $? >"$work/$t.rc"
}

echo "fuzzing ${#targets[@]} targets for ${seconds} s each, ${jobs} at a time"
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_one "$t" &
done
wait

passed=0
failed=0
printf '%-18s %12s %10s %8s  %s\n' target runs runs/s cov result
for t in "${targets[@]}"; do
  log=$work/$t.log
  rc=$(cat "$work/$t.rc" 2>/dev/null || echo missing)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ "$rc" = 0 ] && [ -n "$runs" ]; then
    result=ok
    passed=$((passed + 1))
  else
    result="FAILED (exit $rc)"
    failed=$((failed + 1))
  fi
  printf '%-18s %12s %10s %8s  %s\n' "$t" "${runs:-?}" "${rate:-?}" "${cov:-?}" "$result"
done
for t in "${targets[@]}"; do
  [ "$(cat "$work/$t.rc" 2>/dev/null)" = 0 ] && continue
  echo
  echo "=== $t: last lines of $work/$t.log"
  tail -40 "$work/$t.log"
  for a in "$work/$t"-crash-* "$work/$t"-leak-* "$work/$t"-timeout-* "$work/$t"-oom-*; do
    [ -e "$a" ] && echo "replay: $bin_dir/fuzz_$t $a"
  done
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
