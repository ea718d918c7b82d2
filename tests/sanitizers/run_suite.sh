#!/usr/bin/env bash
# Runs the ctest suite of an ASan+UBSan build (TURNPIKE_SANITIZE=ON). Every process the tests
# start (test binaries, the gateway they spawn, the one the node clients spawn) writes its reports
# to BUILD_DIR/sanitizer-logs/, so a report from a child that no test looks at still fails the
# run. Exits non-zero on a failed test or on any report.
set -uo pipefail
build=$(cd "${1:?usage: run_suite.sh BUILD_DIR [JOBS]}" && pwd)
jobs=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
logs=$build/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"

export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1"
[ -f "$here/lsan.supp" ] && export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"

(cd "$build" && ctest -j"$jobs" --timeout 600 --output-on-failure)
status=$?
reports=$(find "$logs" -type f | sort)
if [ -n "$reports" ]; then
  for r in $reports; do
    echo "=== $r"
    cat "$r"
  done
  echo "sanitizers: $(echo "$reports" | wc -l) report(s) in $logs"
  status=1
fi
exit "$status"
