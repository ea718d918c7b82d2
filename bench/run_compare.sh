#!/usr/bin/env bash
# Direct vs nginx vs Portkey vs Turnpike on one mock upstream (../shared/bench/compare.sh).
# usage: bench/run_compare.sh [compare.sh options...]   (DUR and RUNS set -d and -r)
#   TURNPIKE_BENCH_MODE=billed (default) | free   — see gateway_for_bench.sh
#   TURNPIKE_BIN=path                             — another build (e.g. an older commit) to compare
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${TURNPIKE_SHARED_BENCH:-$ROOT/../shared/bench}"
[ -x "$SHARED/compare.sh" ] || { echo "compare.sh not found in $SHARED (set TURNPIKE_SHARED_BENCH)" >&2; exit 1; }
BIN="${TURNPIKE_BIN:-$ROOT/build/release/turnpike}"
if [ ! -x "$BIN" ]; then
  cmake -S "$ROOT" -B "$ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -DTURNPIKE_BUILD_TESTS=OFF >/dev/null
  cmake --build "$ROOT/build/release" -j2
fi
export TURNPIKE_BIN="$BIN"
export TURNPIKE_BENCH_MODE="${TURNPIKE_BENCH_MODE:-billed}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/turnpike-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export TURNPIKE_BENCH_DB="$WORK/bench.db"
HEADERS=()
if [ "$TURNPIKE_BENCH_MODE" = billed ]; then
  # A wallet that no benchmark can empty, and its key on every request.
  "$ROOT/bench/bench_config.sh" 0 http://127.0.0.1:9/v1 > "$WORK/setup.yaml"
  KEY="$(cd "$ROOT" && "$BIN" accounts create --name bench --credit 1000000000000000 --config "$WORK/setup.yaml" |
         sed -n 's/.*"api_key": "\([^"]*\)".*/\1/p')"
  [ -n "$KEY" ] || { echo "could not create the benchmark account" >&2; exit 1; }
  HEADERS=("Authorization: Bearer $KEY")
fi
"$SHARED/compare.sh" -d "${DUR:-10}" -r "${RUNS:-3}" --gw-name "turnpike-$TURNPIKE_BENCH_MODE" \
  --gw-cmd "$ROOT/bench/gateway_for_bench.sh {PORT} {MOCK_URL}" 'http://127.0.0.1:{PORT}/v1' "$@" "${HEADERS[@]}"
