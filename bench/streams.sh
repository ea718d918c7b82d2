#!/usr/bin/env bash
# Streaming through the gateway vs direct and vs nginx (a plain proxy, configured as compare.sh
# configures it), on the mock upstream of ../shared/bench (mockai):
#   1. time to first chunk, one connection, 1 ms between chunks (bench/ttfc.py);
#   2. CONNS concurrent streams (default 2000), 20 chunks 20 ms apart, for DUR seconds (wrk):
#      streams/s, latency of a whole stream, errors, and the gateway's RSS and threads near the end.
# usage: bench/streams.sh            env: CONNS=2000 DUR=10 TTFC_N=500 TURNPIKE_BENCH_MODE=free|billed
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${TURNPIKE_SHARED_BENCH:-$ROOT/../shared/bench}"
BIN="${TURNPIKE_BIN:-$ROOT/build/release/turnpike}"
CONNS="${CONNS:-2000}" DUR="${DUR:-10}" TTFC_N="${TTFC_N:-500}"
export TURNPIKE_BENCH_MODE="${TURNPIKE_BENCH_MODE:-free}"
CACHE="${TURNPIKE_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/turnpike-bench}"
MOCKAI="$CACHE/mockai"
mkdir -p "$CACHE"
[ -x "$MOCKAI" ] && [ "$MOCKAI" -nt "$SHARED/mockai.c" ] || cc -O2 -o "$MOCKAI" "$SHARED/mockai.c"
command -v wrk >/dev/null && command -v nginx >/dev/null ||
  { echo "wrk or nginx is missing (../shared/bench/compare.sh installs both)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build the Release binary first: $BIN" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"  # 2,000 streams need about 4,100 descriptors in the gateway

WORK="$(mktemp -d "${TMPDIR:-/tmp}/turnpike-streams.XXXXXX")"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# $1 per-chunk delay (us): starts a mock, sets MOCK_PORT.
start_mock() {
  MOCK_PORT="$(free_port)"
  "$MOCKAI" -p "$MOCK_PORT" -n 20 -d "$1" >"$WORK/mock.out" 2>&1 &
  PIDS+=($!)
disown
  wait_port "$MOCK_PORT"
}

# Starts the gateway on the current mock: sets GW_PORT, GW_PID, and BEARER / AUTH (a funded key's
# credential and header when billed).
start_gateway() {
  GW_PORT="$(free_port)"
  export TURNPIKE_BENCH_DB="$WORK/bench-$GW_PORT.db"
  "$ROOT/bench/bench_config.sh" "$GW_PORT" "http://127.0.0.1:$MOCK_PORT/v1" > "$WORK/gw.yaml"
  AUTH=() BEARER=""
  if [ "$TURNPIKE_BENCH_MODE" = billed ]; then
    local key
    key="$(cd "$ROOT" && "$BIN" accounts create --name bench --credit 1000000000000000 --config "$WORK/gw.yaml" |
           sed -n 's/.*"api_key": "\([^"]*\)".*/\1/p')"
    BEARER="Bearer $key"
    AUTH=("Authorization: $BEARER")
  fi
  (cd "$ROOT" && exec "$BIN" serve --config "$WORK/gw.yaml") >"$WORK/gw.log" 2>&1 &
  GW_PID=$!
  PIDS+=($GW_PID)
disown
  wait_port "$GW_PORT"
}

# A plain reverse proxy to the current mock: sets NGX_PORT.
start_nginx() {
  NGX_PORT="$(free_port)"
  mkdir -p "$WORK/ngx/tmp"
  cat > "$WORK/ngx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/ngx/nginx.pid;
error_log $WORK/ngx/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $WORK/ngx/tmp/body; proxy_temp_path $WORK/ngx/tmp/proxy;
  fastcgi_temp_path $WORK/ngx/tmp/fcgi; uwsgi_temp_path $WORK/ngx/tmp/uwsgi; scgi_temp_path $WORK/ngx/tmp/scgi;
  upstream mock { server 127.0.0.1:$MOCK_PORT; keepalive 256; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$NGX_PORT;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
EOF
  nginx -e "$WORK/ngx/error.log" -p "$WORK/ngx" -c "$WORK/ngx/nginx.conf" -g 'daemon off;' >"$WORK/ngx/stdout" 2>&1 &
  PIDS+=($!)
disown
  wait_port "$NGX_PORT"
}

stop_all() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  PIDS=()
  sleep 0.3
}

cat > "$WORK/stream.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
wrk.body = '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}],"max_tokens":64}'
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("streams/s=%.0f p50_ms=%.1f p99_ms=%.1f errors=%d non2xx=%d streams=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status, summary.requests))
end
EOF

echo "# $(nproc) CPUs, $(date -u +%FT%TZ), mode $TURNPIKE_BENCH_MODE"
echo "## time to first chunk (1 connection, 20 chunks 1 ms apart, $TTFC_N requests)"
start_mock 1000
start_gateway
start_nginx
printf 'direct    '; python3 "$ROOT/bench/ttfc.py" "http://127.0.0.1:$MOCK_PORT/v1/chat/completions" "$TTFC_N"
printf 'nginx     '; python3 "$ROOT/bench/ttfc.py" "http://127.0.0.1:$NGX_PORT/v1/chat/completions" "$TTFC_N"
printf 'turnpike  '; python3 "$ROOT/bench/ttfc.py" "http://127.0.0.1:$GW_PORT/v1/chat/completions" "$TTFC_N" "${AUTH[@]}"
stop_all

echo "## $CONNS concurrent streams (20 chunks 20 ms apart), ${DUR}s"
start_mock 20000
start_gateway
start_nginx
for target in "direct $MOCK_PORT" "nginx $NGX_PORT"; do
  set -- $target
  printf '%-10s' "$1"
  wrk -t1 -c "$CONNS" -d "${DUR}s" --timeout 10s -s "$WORK/stream.lua" "http://127.0.0.1:$2/v1/chat/completions" | tail -1
done
printf 'turnpike  '
BENCH_AUTH="$BEARER" wrk -t1 -c "$CONNS" -d "${DUR}s" --timeout 10s -s "$WORK/stream.lua" \
  "http://127.0.0.1:$GW_PORT/v1/chat/completions" > "$WORK/wrk.out" &
WRK=$!
sleep "$((DUR - 1))"
PEAK_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$GW_PID/status")
PEAK_THREADS=$(awk '/Threads/ {print $2}' "/proc/$GW_PID/status")
PEAK_FDS=$(ls "/proc/$GW_PID/fd" | wc -l)
wait "$WRK"
tail -1 "$WORK/wrk.out"
echo "turnpike under load: RSS $((PEAK_RSS / 1024)) MiB, $PEAK_THREADS threads, $PEAK_FDS open fds"
stop_all
