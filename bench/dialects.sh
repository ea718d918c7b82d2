#!/usr/bin/env bash
# Chat completions vs Anthropic Messages through the gateway, against the same mock upstream
# (bench/mock_upstream.c answers both wires with the same pacing), in one run:
#   1. time to first content chunk, one keep-alive connection per route, the routes' requests
#      interleaved (bench/ttfc.py --targets), chunks TTFC_DELAY_US apart;
#   2. 20-chunk streams at CONNS connections, chunks 20 ms apart (wrk with chat.lua or
#      messages.lua): latency of the whole stream, RUNS runs of DUR seconds per route, the routes
#      in turn (reversed every other run), the median kept.
# Routes: direct to the mock in each wire, then through the gateway (bench_config.sh's providers):
#   chat → openai_compat (native), messages → anthropic (passthrough, bytes unchanged), and the two
#   translated ones, messages → openai_compat and chat → anthropic. "added" is a route's figure
#   minus direct's in the wire the gateway speaks upstream. Prints markdown tables for RESULTS.md.
# usage: bench/dialects.sh    env: TURNPIKE_BENCH_MODE=free|billed CONNS=64 DUR=5 RUNS=3 TTFC_N=500
#                                  TTFC_DELAY_US=1000 CHUNKS=20 KEEP_WORK=1 (keep logs)
# Exit: 0; 1 when a tool, a target or a check fails; 2 when a measured run saw errors or non-2xx.
set -euo pipefail
export TURNPIKE_BENCH_MODE="${TURNPIKE_BENCH_MODE:-free}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CONNS="${CONNS:-64}" DUR="${DUR:-5}" RUNS="${RUNS:-3}" TTFC_N="${TTFC_N:-500}"
TTFC_DELAY_US="${TTFC_DELAY_US:-1000}" CHUNKS="${CHUNKS:-20}"
for n in "$CONNS" "$DUR" "$RUNS" "$TTFC_N" "$TTFC_DELAY_US" "$CHUNKS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || fail "CONNS, DUR, RUNS, TTFC_N, TTFC_DELAY_US and CHUNKS are whole numbers"
done
[ "$DUR" -ge 1 ] && [ "$DUR" -le 600 ] && [ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] && [ "$TTFC_N" -ge 10 ] &&
  [ "$CONNS" -ge 1 ] && [ "$CONNS" -le 200 ] || fail "DUR is 1..600, RUNS 1..20, TTFC_N at least 10, CONNS 1..200"
need_tools wrk:wrk curl:curl cc:gcc python3:python3
[ -e "$(dirname "$BIN")/plugins/libanthropic.so" ] || fail "no anthropic plugin next to $BIN: build the anthropic target"
CLIENT_KEY="Authorization: Bearer sk-mock-key"

# The routes, in table order: name, direct (1) or through the gateway (0), client wire, model,
# and the wire the gateway speaks upstream (whose direct row "added" subtracts).
ROUTES=(direct-chat direct-messages chat-openai_compat messages-anthropic messages-openai_compat chat-anthropic)
declare -A DIRECT=([direct-chat]=1 [direct-messages]=1)
declare -A WIRE=([direct-chat]=chat [direct-messages]=messages [chat-openai_compat]=chat
  [messages-anthropic]=messages [messages-openai_compat]=messages [chat-anthropic]=chat)
declare -A MODEL=([direct-chat]=gpt-4o-mini [direct-messages]=bench-claude [chat-openai_compat]=gpt-4o-mini
  [messages-anthropic]=bench-claude [messages-openai_compat]=gpt-4o-mini [chat-anthropic]=bench-claude)
declare -A UPSTREAM=([direct-chat]=direct-chat [direct-messages]=direct-messages [chat-openai_compat]=direct-chat
  [messages-anthropic]=direct-messages [messages-openai_compat]=direct-chat [chat-anthropic]=direct-messages)
declare -A LABEL=([direct-chat]="direct, chat" [direct-messages]="direct, messages"
  [chat-openai_compat]="chat → openai_compat (native)" [messages-anthropic]="messages → anthropic (passthrough)"
  [messages-openai_compat]="messages → openai_compat (translated)" [chat-anthropic]="chat → anthropic (translated)")

# usage: url ROUTE / header ROUTE  — the route's endpoint and its credential.
url() {
  local base="http://127.0.0.1:$GW_PORT/v1"
  [ -z "${DIRECT[$1]:-}" ] || base="$MOCK_URL"
  [ "${WIRE[$1]}" = chat ] && echo "$base/chat/completions" || echo "$base/messages"
}
header() { [ -n "${DIRECT[$1]:-}" ] && echo "$CLIENT_KEY" || echo "${AUTH[0]:-$CLIENT_KEY}"; }

# usage: start_all DELAY_US  — the mock (CHUNKS chunks DELAY_US apart) and the gateway, each route checked.
start_all() {
  local r
  start_mock "$1" "$CHUNKS"
  start_gateway
  for r in "${ROUTES[@]}"; do
    if [ "${WIRE[$r]}" = chat ]; then
      CHECK_MODEL="${MODEL[$r]}" check_target "$r" "$(dirname "$(dirname "$(url "$r")")")" "$(header "$r")"
    else
      CHECK_MODEL="${MODEL[$r]}" check_messages "$r" "$(dirname "$(url "$r")")" "$(header "$r")"
    fi
  done
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
calc() { awk "BEGIN {printf \"$1\", $2}"; }
PROMPT='"Explain in two sentences why an AI gateway should add little latency."'

# ---- 1. time to first chunk ----
start_all "$TTFC_DELAY_US"
: >"$WORK/ttfc.tsv"
for r in "${ROUTES[@]}"; do
  if [ "${WIRE[$r]}" = chat ]; then
    body='{"model":"'"${MODEL[$r]}"'","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":'"$PROMPT"'}],"max_tokens":256}'
    printf '%s\t%s\t%s\t%s\n' "$r" "$(url "$r")" "$body" "$(header "$r")" >>"$WORK/ttfc.tsv"
  else
    body='{"model":"'"${MODEL[$r]}"'","stream":true,"messages":[{"role":"user","content":'"$PROMPT"'}],"max_tokens":256}'
    printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$(url "$r")" "$body" "$(header "$r")" "anthropic-version: 2023-06-01" >>"$WORK/ttfc.tsv"
  fi
done
log "time to first chunk: $TTFC_N requests per route, interleaved"
timeout 600 python3 "$ROOT/bench/ttfc.py" --targets "$WORK/ttfc.tsv" "$TTFC_N" >"$WORK/ttfc.out" ||
  fail "ttfc.py failed: $(tail -3 "$WORK/ttfc.out")"
declare -A TT
while read -r r _ p50 p90 p99 _ f50 f99 n; do
  TT[$r,p50]="${p50#p50=}" TT[$r,p90]="${p90#p90=}" TT[$r,p99]="${p99#p99=}"
  TT[$r,f50]="${f50#p50=}" TT[$r,f99]="${f99#p99=}" TT[$r,n]="${n#n=}"
done <"$WORK/ttfc.out"
stop_all
sleep 0.3

# ---- 2. streams at CONNS connections ----
start_all 20000
declare -A ST
ERRORS=0
for k in $(seq "$RUNS"); do
  order=("${ROUTES[@]}")
  [ $((k % 2)) = 1 ] || mapfile -t order < <(printf '%s\n' "${ROUTES[@]}" | tac)
  for r in "${order[@]}"; do
    lua="$ROOT/bench/chat.lua"
    [ "${WIRE[$r]}" = chat ] || lua="$ROOT/bench/messages.lua"
    line="$(STREAM=1 MODEL="${MODEL[$r]}" HEADERS="$(header "$r")" timeout $((DUR + 30)) \
      wrk -t1 -c "$CONNS" -d "${DUR}s" --timeout 10s -s "$lua" "$(url "$r")" 2>&1 | grep '^RESULT ' || true)"
    [ -n "$line" ] || fail "$r: wrk gave no result"
    declare -A res=()
    for kv in ${line#RESULT }; do res[${kv%%=*}]="${kv#*=}"; done
    ST[$r,rps]+=" ${res[rps]}" ST[$r,p50]+=" ${res[p50_us]}" ST[$r,p99]+=" ${res[p99_us]}"
    ERRORS=$((ERRORS + res[errors] + res[non2xx]))
    log "$r run $k: ${line#RESULT }"
    for g in "${GROUPS_STARTED[@]}"; do kill -0 "$g" 2>/dev/null || fail "a process of the run (pid $g) died while measuring $r"; done
  done
done

# ---- the tables ----
describe() { git -C "$(dirname "$1")" describe --always --dirty 2>/dev/null || echo "no git"; }
echo
printf '%s CPUs, %s; mode %s; mock_upstream %s chunks; turnpike %s (%s)\n\n' "$(nproc)" "$(date -u +%FT%TZ)" \
  "$TURNPIKE_BENCH_MODE" "$CHUNKS" "${BIN#"$ROOT"/}" "$(describe "$BIN")"
echo "Time to first content chunk ($TTFC_N requests per route, interleaved, first 10% not counted; chunks $TTFC_DELAY_US µs apart):"
echo
echo "| route | ttfc p50 µs | ttfc p90 µs | ttfc p99 µs | added p50 µs | added p99 µs | whole stream p50 µs |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for r in "${ROUTES[@]}"; do
  u="${UPSTREAM[$r]}"
  echo "| ${LABEL[$r]} | ${TT[$r,p50]} | ${TT[$r,p90]} | ${TT[$r,p99]}" \
    "| $(calc '%+d' "${TT[$r,p50]} - ${TT[$u,p50]}") | $(calc '%+d' "${TT[$r,p99]} - ${TT[$u,p99]}") | ${TT[$r,f50]} |"
done
echo
echo "$CHUNKS-chunk streams at $CONNS connections, chunks 20 ms apart (wrk -t1, $DUR s per run, median of $RUNS; p50 range = lowest..highest run):"
echo
echo "| route | streams/s | p50 ms | p99 ms | added p50 ms | added p99 ms | p50 range ms |"
echo "|---|---:|---:|---:|---:|---:|---:|"
declare -A MED
for r in "${ROUTES[@]}"; do
  for f in rps p50 p99; do
    # shellcheck disable=SC2086  # the runs' figures, space-separated
    MED[$r,$f]="$(median ${ST[$r,$f]})"
  done
done
for r in "${ROUTES[@]}"; do
  u="${UPSTREAM[$r]}"
  # shellcheck disable=SC2086
  range="$(printf '%s\n' ${ST[$r,p50]} | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.1f..%.1f", lo / 1000, hi / 1000}')"
  echo "| ${LABEL[$r]} | $(calc '%.0f' "${MED[$r,rps]}") | $(calc '%.1f' "${MED[$r,p50]} / 1000") | $(calc '%.1f' "${MED[$r,p99]} / 1000")" \
    "| $(calc '%+.2f' "(${MED[$r,p50]} - ${MED[$u,p50]}) / 1000") | $(calc '%+.2f' "(${MED[$r,p99]} - ${MED[$u,p99]}) / 1000") | $range |"
done
echo
echo "added = the route's figure minus direct's in the wire the gateway speaks upstream (chat for openai_compat," \
  "messages for anthropic); errors (socket errors and non-2xx) over every stream run: $ERRORS."
[ "$ERRORS" = 0 ] || { log "some runs saw errors"; exit 2; }
