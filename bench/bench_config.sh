#!/usr/bin/env bash
# The benchmark gateway's config on stdout (lib.sh's start_gateway). usage: bench_config.sh PORT MOCK_URL
# Two providers on the one mock (MOCK_URL is its API root with /v1): `mock` (openai_compat, model
# gpt-4o-mini, /v1/chat/completions) and `mock-anthropic` (anthropic, model bench-claude,
# /v1/messages), so one gateway serves both wires, natively and translated.
# Environment:
#   TURNPIKE_BENCH_MODE  billed (default): a paid model, requests carry a funded key, every one is
#                        reserved, settled and written to the ledger; free: billing off
#   TURNPIKE_BENCH_DB    the SQLite file (billed mode: the one the key was created in)
#   TURNPIKE_BENCH_ANTHROPIC   0: no anthropic provider (a build without the plugin)
#   TURNPIKE_BENCH_MAX_PER_IP  server.max_connections_per_ip, for runs holding more connections
#                        than its default (256) from loopback; unset: the default (builds before
#                        the key refuse it, so --baseline can measure them)
set -euo pipefail
MODE="${TURNPIKE_BENCH_MODE:-billed}"
DB="${TURNPIKE_BENCH_DB:-${TMPDIR:-/tmp}/turnpike-bench.db}"
cat <<YAML
server:
  listen: 127.0.0.1:$1
$([ -z "${TURNPIKE_BENCH_MAX_PER_IP:-}" ] || echo "  max_connections_per_ip: $TURNPIKE_BENCH_MAX_PER_IP")
storage:
  url: sqlite://$DB
log:
  level: warning
billing:
  enabled: $([ "$MODE" = free ] && echo false || echo true)
$([ "$MODE" = free ] || echo "  usage_event: false  # the default now; builds before it sent the event (check_target counts data lines)")
  rate_limits: {anonymous: {requests_per_minute: 0}}
providers:
  - name: mock
    plugin: openai_compat
    base_url: $2
    api_key: sk-mock-key
    models:
      - id: gpt-4o-mini
        price: {input: 150000, output: 600000}
YAML
[ "${TURNPIKE_BENCH_ANTHROPIC:-1}" = 0 ] || cat <<YAML
  - name: mock-anthropic
    plugin: anthropic
    base_url: ${2%/v1}
    api_key: sk-mock-key
    models:
      - id: bench-claude
        price: {input: 150000, output: 600000}
YAML
