#!/usr/bin/env bash
# CPU per request of each gateway thread (event loops, store writer) under wrk load, from
# /proc/PID/task/*/stat before and after the run: where a request's time goes, per thread.
# usage: bench/thread_cpu.sh      env: TURNPIKE_BENCH_MODE=billed|free CONNS=64 DUR=5 STREAM=0|1
set -euo pipefail
export TURNPIKE_BENCH_MODE="${TURNPIKE_BENCH_MODE:-billed}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CONNS="${CONNS:-64}" DUR="${DUR:-5}" STREAM="${STREAM:-0}"
start_mock 0
start_gateway

cat > "$WORK/chat.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},' ..
  '{"role":"user","content":"Explain in two sentences why an AI gateway should add little latency."}],' ..
  '"temperature":0.2,"max_tokens":256' .. (os.getenv("STREAM") == "1" and ',"stream":true' or '') .. '}'
function done(summary) io.write(string.format("REQUESTS %d\n", summary.requests)) end
EOF

# Clock ticks (utime + stime) per thread name, summed over threads of the same name.
ticks() {
  for t in /proc/"$GW_PID"/task/*; do
    echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"
  done | awk '{s[$1] += $2} END {for (n in s) print n, s[n]}' | sort
}

URL="http://127.0.0.1:$GW_PORT/v1/chat/completions"
BENCH_AUTH="$BEARER" STREAM="$STREAM" wrk -t1 -c "$CONNS" -d 2s -s "$WORK/chat.lua" "$URL" >/dev/null  # warm-up
ticks > "$WORK/before"
BENCH_AUTH="$BEARER" STREAM="$STREAM" wrk -t1 -c "$CONNS" -d "${DUR}s" -s "$WORK/chat.lua" "$URL" > "$WORK/wrk.out"
ticks > "$WORK/after"
REQS="$(awk '/^REQUESTS/ {print $2}' "$WORK/wrk.out")"
HZ="$(getconf CLK_TCK)"
echo "# mode $TURNPIKE_BENCH_MODE, c$CONNS, stream=$STREAM, ${DUR}s: $REQS requests, $((REQS / DUR)) req/s"
join "$WORK/before" "$WORK/after" | awk -v reqs="$REQS" -v hz="$HZ" \
  '$3 > $2 { printf "%-14s %6.1f us CPU per request\n", $1, ($3 - $2) * 1e6 / hz / reqs }'
