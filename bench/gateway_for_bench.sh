#!/usr/bin/env bash
# Starts turnpike for compare.sh: one openai_compat provider pointing at the mock upstream.
# usage: gateway_for_bench.sh PORT MOCK_URL
# Environment (set by run_compare.sh):
#   TURNPIKE_BENCH_MODE  billed (default): a paid model, requests carry a funded key, every one is
#                        reserved, settled and written to the ledger; free: billing off
#   TURNPIKE_BENCH_DB    the SQLite file (billed mode: the one the key was created in)
#   TURNPIKE_BENCH_EXTRA a YAML file appended to the config
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${TURNPIKE_BIN:-$ROOT/build/release/turnpike}"
CONF="$(mktemp "${TMPDIR:-/tmp}/turnpike-bench.XXXXXX.yaml")"
"$ROOT/bench/bench_config.sh" "$1" "$2" > "$CONF"
[ -n "${TURNPIKE_BENCH_EXTRA:-}" ] && cat "$TURNPIKE_BENCH_EXTRA" >> "$CONF"
cd "$ROOT"  # the default scripts/ are found from here
exec "$BIN" serve --config "$CONF"
