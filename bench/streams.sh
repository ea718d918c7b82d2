#!/usr/bin/env bash
# Streaming through the gateway vs direct and vs nginx (lib.sh's plain proxy), on bench's mock
# upstream (mock_upstream.c):
#   1. time to first chunk, one connection, 1 ms between chunks (bench/ttfc.py);
#   2. CONNS concurrent streams (default 2000), 20 chunks 20 ms apart, for DUR seconds (wrk with
#      chat.lua): streams/s, latency of a whole stream, errors, and the gateway's RSS, threads and
#      open descriptors near the end.
# usage: bench/streams.sh            env: CONNS=2000 DUR=10 TTFC_N=500 TURNPIKE_BENCH_MODE=free|billed
set -euo pipefail
export TURNPIKE_BENCH_MODE="${TURNPIKE_BENCH_MODE:-free}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CONNS="${CONNS:-2000}" DUR="${DUR:-10}" TTFC_N="${TTFC_N:-500}"
[[ "$CONNS" =~ ^[0-9]+$ && "$DUR" =~ ^[0-9]+$ && "$TTFC_N" =~ ^[0-9]+$ ]] && [ "$DUR" -ge 2 ] && [ "$DUR" -le 600 ] ||
  fail "CONNS, DUR (2..600) and TTFC_N are whole numbers"
need_tools wrk:wrk nginx:nginx-light curl:curl cc:gcc python3:python3
ulimit -n "$(ulimit -Hn)"  # 2,000 streams need about 4,100 descriptors in the gateway
export TURNPIKE_BENCH_MAX_PER_IP=$((CONNS + 64))  # every stream comes from loopback
CLIENT_KEY="Authorization: Bearer sk-mock-key"

# usage: start_all DELAY_US  — the mock (chunks DELAY_US apart), the gateway and nginx, each checked.
start_all() {
  start_mock "$1"
  start_gateway
  start_nginx
  check_target direct "$MOCK_URL" "$CLIENT_KEY"
  check_target nginx "http://127.0.0.1:$NGX_PORT/v1" "$CLIENT_KEY"
  check_target turnpike "http://127.0.0.1:$GW_PORT/v1" "${AUTH[0]:-$CLIENT_KEY}"
}

# usage: streams URL HEADER  — prints "streams/s=... p50_ms=... p99_ms=... errors=... non2xx=... streams=..."
streams() {
  local line
  line="$(STREAM=1 HEADERS="$2" timeout $((DUR + 30)) wrk -t1 -c "$CONNS" -d "${DUR}s" --timeout 10s \
    -s "$ROOT/bench/chat.lua" "$1/chat/completions" | grep '^RESULT ' || true)"
  [ -n "$line" ] || fail "wrk gave no result for $1"
  awk '{for (i = 2; i <= NF; i++) {split($i, kv, "="); r[kv[1]] = kv[2]}
        printf "streams/s=%.0f p50_ms=%.1f p99_ms=%.1f errors=%d non2xx=%d streams=%d\n",
          r["rps"], r["p50_us"] / 1000, r["p99_us"] / 1000, r["errors"], r["non2xx"], r["requests"]}' <<<"$line"
}

echo "# $(nproc) CPUs, $(date -u +%FT%TZ), mode $TURNPIKE_BENCH_MODE"
echo "## time to first chunk (1 connection, 20 chunks 1 ms apart, $TTFC_N requests)"
start_all 1000
printf 'direct    '; timeout 300 python3 "$ROOT/bench/ttfc.py" "$MOCK_URL/chat/completions" "$TTFC_N"
printf 'nginx     '; timeout 300 python3 "$ROOT/bench/ttfc.py" "http://127.0.0.1:$NGX_PORT/v1/chat/completions" "$TTFC_N"
printf 'turnpike  '; timeout 300 python3 "$ROOT/bench/ttfc.py" "http://127.0.0.1:$GW_PORT/v1/chat/completions" "$TTFC_N" "${AUTH[@]}"
stop_all
sleep 0.3

echo "## $CONNS concurrent streams (20 chunks 20 ms apart), ${DUR}s"
start_all 20000
printf 'direct    '; streams "$MOCK_URL" "$CLIENT_KEY"
printf 'nginx     '; streams "http://127.0.0.1:$NGX_PORT/v1" "$CLIENT_KEY"
printf 'turnpike  '
streams "http://127.0.0.1:$GW_PORT/v1" "${AUTH[0]:-$CLIENT_KEY}" >"$WORK/turnpike.out" &
WRK=$!
sleep "$((DUR - 1))"
PEAK_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$GW_PID/status")
PEAK_THREADS=$(awk '/Threads/ {print $2}' "/proc/$GW_PID/status")
PEAK_FDS=$(ls "/proc/$GW_PID/fd" | wc -l)
wait "$WRK"
cat "$WORK/turnpike.out"
echo "turnpike under load: RSS $((PEAK_RSS / 1024)) MiB, $PEAK_THREADS threads, $PEAK_FDS open fds"
