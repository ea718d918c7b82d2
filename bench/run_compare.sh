#!/usr/bin/env bash
# Direct vs nginx vs Portkey vs Turnpike on one mock upstream (../shared/bench/compare.sh).
# usage: bench/run_compare.sh [compare.sh options...]   (DUR and RUNS set -d and -r)
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
exec "$SHARED/compare.sh" -d "${DUR:-10}" -r "${RUNS:-3}" --gw-name turnpike \
  --gw-cmd "$ROOT/bench/gateway_for_bench.sh {PORT} {MOCK_URL}" 'http://127.0.0.1:{PORT}/v1' "$@"
