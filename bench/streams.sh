#!/usr/bin/env bash
# Streaming through the gateway vs direct and vs nginx (a plain proxy, configured as compare.sh
# configures it), on the mock upstream of ../shared/bench (mockai):
#   1. time to first chunk, one connection, 1 ms between chunks (bench/ttfc.py);
#   2. CONNS concurrent streams (default 2000), 20 chunks 20 ms apart, for DUR seconds (wrk):
#      streams/s, latency of a whole stream, errors, and the gateway's RSS and threads near the end.
# usage: bench/streams.sh            env: CONNS=2000 DUR=10 TTFC_N=500 TURNPIKE_BENCH_MODE=free|billed
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CONNS="${CONNS:-2000}" DUR="${DUR:-10}" TTFC_N="${TTFC_N:-500}"
command -v nginx >/dev/null || { echo "nginx is missing (../shared/bench/compare.sh installs it)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"  # 2,000 streams need about 4,100 descriptors in the gateway

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
  spawn nginx -e "$WORK/ngx/error.log" -p "$WORK/ngx" -c "$WORK/ngx/nginx.conf" -g 'daemon off;' >"$WORK/ngx/stdout" 2>&1
  wait_port "$NGX_PORT"
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
sleep 0.3

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
