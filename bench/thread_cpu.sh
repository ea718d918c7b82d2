#!/usr/bin/env bash
# CPU per request of each gateway thread (event loops, store writer) under wrk load, from
# /proc/PID/task/*/stat before and after the run: where a request's time goes, per thread.
# usage: bench/thread_cpu.sh      env: TURNPIKE_BENCH_MODE=billed|free CONNS=64 DUR=5 STREAM=0|1
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${TURNPIKE_SHARED_BENCH:-$ROOT/../shared/bench}"
BIN="${TURNPIKE_BIN:-$ROOT/build/release/turnpike}"
CONNS="${CONNS:-64}" DUR="${DUR:-5}" STREAM="${STREAM:-0}"
export TURNPIKE_BENCH_MODE="${TURNPIKE_BENCH_MODE:-billed}"
CACHE="${TURNPIKE_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/turnpike-bench}"
MOCKAI="$CACHE/mockai"
mkdir -p "$CACHE"
[ -x "$MOCKAI" ] && [ "$MOCKAI" -nt "$SHARED/mockai.c" ] || cc -O2 -o "$MOCKAI" "$SHARED/mockai.c"
command -v wrk >/dev/null || { echo "wrk is missing (../shared/bench/compare.sh installs it)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build the Release binary first: $BIN" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/turnpike-threads.XXXXXX")"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

MOCK_PORT="$(free_port)"
"$MOCKAI" -p "$MOCK_PORT" -n 20 >"$WORK/mock.out" 2>&1 &
PIDS+=($!)
disown
wait_port "$MOCK_PORT"
GW_PORT="$(free_port)"
export TURNPIKE_BENCH_DB="$WORK/bench.db"
"$ROOT/bench/bench_config.sh" "$GW_PORT" "http://127.0.0.1:$MOCK_PORT/v1" > "$WORK/gw.yaml"
BEARER=""
if [ "$TURNPIKE_BENCH_MODE" = billed ]; then
  BEARER="Bearer $(cd "$ROOT" && "$BIN" accounts create --name bench --credit 1000000000000000 --config "$WORK/gw.yaml" |
                   sed -n 's/.*"api_key": "\([^"]*\)".*/\1/p')"
fi
(cd "$ROOT" && exec "$BIN" serve --config "$WORK/gw.yaml") >"$WORK/gw.log" 2>&1 &
GW_PID=$!
PIDS+=($GW_PID)
disown
wait_port "$GW_PORT"

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
