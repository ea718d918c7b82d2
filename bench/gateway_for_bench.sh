#!/usr/bin/env bash
# Starts turnpike for compare.sh: one openai_compat provider pointing at the mock upstream.
# usage: gateway_for_bench.sh PORT MOCK_URL [extra YAML file appended to the config]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${TURNPIKE_BIN:-$ROOT/build/release/turnpike}"
CONF="$(mktemp "${TMPDIR:-/tmp}/turnpike-bench.XXXXXX.yaml")"
cat > "$CONF" <<YAML
server:
  listen: 127.0.0.1:$1
log:
  level: warning
providers:
  - name: mock
    plugin: openai_compat
    base_url: $2
    api_key: sk-mock-key
    models:
      - id: gpt-4o-mini
        price: {input: 150000, output: 600000}
YAML
[ -n "${3:-}" ] && cat "$3" >> "$CONF"
exec "$BIN" serve --config "$CONF"
