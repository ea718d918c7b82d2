#!/usr/bin/env bash
# CPU per request of each gateway thread (event loops, store writer) under wrk load, from
# /proc/PID/task/*/stat before and after the run: where a request's time goes, per thread.
# The request is compare.sh's (chat.lua), on bench's mock upstream with chunks back to back;
# WIRE=messages sends it as Anthropic Messages (messages.lua, model bench-claude: passthrough).
# usage: bench/thread_cpu.sh      env: TURNPIKE_BENCH_MODE=billed|free CONNS=64 DUR=5 STREAM=0|1 WIRE=chat|messages
set -euo pipefail
export TURNPIKE_BENCH_MODE="${TURNPIKE_BENCH_MODE:-billed}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CONNS="${CONNS:-64}" DUR="${DUR:-5}" STREAM="${STREAM:-0}" WIRE="${WIRE:-chat}"
case "$WIRE" in chat) LUA=chat.lua PATH_=chat/completions ;; messages) LUA=messages.lua PATH_=messages ;;
  *) fail "WIRE is chat or messages" ;; esac
[[ "$CONNS" =~ ^[0-9]+$ && "$DUR" =~ ^[0-9]+$ ]] && [ "$DUR" -ge 1 ] && [ "$DUR" -le 600 ] ||
  fail "CONNS and DUR (1..600) are whole numbers"
need_tools wrk:wrk curl:curl cc:gcc python3:python3
start_mock 0
start_gateway
check_target turnpike "http://127.0.0.1:$GW_PORT/v1" "${AUTH[@]}"
[ "$WIRE" = chat ] || check_messages turnpike "http://127.0.0.1:$GW_PORT/v1" "${AUTH[@]}"

# Clock ticks (utime + stime) per thread name, summed over threads of the same name.
ticks() {
  for t in /proc/"$GW_PID"/task/*; do
    echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"
  done | awk '{s[$1] += $2} END {for (n in s) print n, s[n]}' | sort
}

URL="http://127.0.0.1:$GW_PORT/v1/$PATH_"
export STREAM HEADERS="${AUTH[0]:-}"
timeout 60 wrk -t1 -c "$CONNS" -d 2s -s "$ROOT/bench/$LUA" "$URL" >/dev/null  # warm-up
ticks >"$WORK/before"
timeout $((DUR + 30)) wrk -t1 -c "$CONNS" -d "${DUR}s" -s "$ROOT/bench/$LUA" "$URL" >"$WORK/wrk.out"
ticks >"$WORK/after"
REQS="$(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' "$WORK/wrk.out")"
[ -n "$REQS" ] && [ "$REQS" -gt 0 ] || fail "wrk gave no result: $(tail -3 "$WORK/wrk.out")"
HZ="$(getconf CLK_TCK)"
echo "# mode $TURNPIKE_BENCH_MODE, wire $WIRE, c$CONNS, stream=$STREAM, ${DUR}s: $REQS requests, $((REQS / DUR)) req/s"
join "$WORK/before" "$WORK/after" | awk -v reqs="$REQS" -v hz="$HZ" \
  '$3 > $2 { printf "%-14s %6.1f us CPU per request\n", $1, ($3 - $2) * 1e6 / hz / reqs }'
