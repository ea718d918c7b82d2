#!/usr/bin/env bash
# The whole comparison from a fresh clone (`make bench`): builds the Release binary when it is
# missing, then runs bench/compare.sh (direct vs nginx vs Portkey vs Turnpike on bench's mock).
# usage: bench/run_compare.sh [compare.sh options...]    env: DUR=10 RUNS=3 (compare.sh's -d and -r)
#   TURNPIKE_BENCH_MODE=billed (default) | free   — see bench_config.sh
#   TURNPIKE_BIN=path                             — another build (e.g. an older commit) to compare
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${TURNPIKE_BIN:-}" ] && [ ! -x "$ROOT/build/release/turnpike" ]; then
  cmake -S "$ROOT" -B "$ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -DTURNPIKE_BUILD_TESTS=OFF >/dev/null
  cmake --build "$ROOT/build/release" -j2
fi
exec "$ROOT/bench/compare.sh" "$@"
