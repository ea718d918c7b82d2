#!/usr/bin/env bash
# Direct vs nginx vs Portkey vs Turnpike, each in front of the same mock upstream
# (bench/mock_upstream.c), measured with wrk in one run; prints a markdown table for RESULTS.md.
#
# usage: bench/compare.sh [-d SECONDS] [-r RUNS] [--chunks N] [--chunk-delay-us N]
#                         [--no-nginx] [--no-portkey] [--baseline BINARY] [--keep]
#   -d       seconds of each wrk run (default $DUR, else 10)
#   -r       runs per cell, the median is kept (default $RUNS, else 3)
#   --chunks / --chunk-delay-us   the mock's SSE content chunks per stream (20) and their spacing (0)
#   --baseline  another Turnpike build (e.g. of an older commit, in its own checkout) measured in
#            the same run with the same config, as the row turnpike-MODE-baseline
#   --keep   keep the logs and configs of the run (the directory is printed)
# Environment: TURNPIKE_BENCH_MODE=billed (default) | free (see bench_config.sh), TURNPIKE_BIN (another
# build to measure), TURNPIKE_BENCH_EXTRA (YAML appended to the gateway's config), NGINX_WORKERS (1).
# Cells: c1 = 1 connection (latency), c64 = 64 connections (throughput), both non-streaming;
# s16 = 16 connections streaming, latency of the whole stream. Progress goes to stderr.
# Exit: 0; 1 when a tool, a target or a check fails; 2 when a measured run saw errors or non-2xx.
set -euo pipefail
export TURNPIKE_BENCH_MODE="${TURNPIKE_BENCH_MODE:-billed}"
DUR="${DUR:-10}" RUNS="${RUNS:-3}" CHUNKS=20 DELAY_US=0 WITH_NGINX=1 WITH_PORTKEY=1 BASELINE=""
while [ $# -gt 0 ]; do
  case "$1" in
    -d) DUR="$2"; shift 2 ;;
    -r) RUNS="$2"; shift 2 ;;
    --chunks) CHUNKS="$2"; shift 2 ;;
    --chunk-delay-us) DELAY_US="$2"; shift 2 ;;
    --no-nginx) WITH_NGINX=0; shift ;;
    --no-portkey) WITH_PORTKEY=0; shift ;;
    --baseline) BASELINE="$2"; shift 2 ;;
    --keep) KEEP_WORK=1; shift ;;
    -h | --help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {print}' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 1 ;;
  esac
done
for n in "$DUR" "$RUNS" "$CHUNKS" "$DELAY_US"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "-d, -r, --chunks and --chunk-delay-us take whole numbers" >&2; exit 1; }
done
[ "$DUR" -ge 1 ] && [ "$DUR" -le 600 ] && [ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] ||
  { echo "-d is 1..600 seconds and -r 1..20 runs" >&2; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools wrk:wrk nginx:nginx-light curl:curl cc:gcc python3:python3
[ "$WITH_PORTKEY" = 0 ] || need_tools node:nodejs npm:npm

# Portkey as bench/portkey/ pins it: the gateway at an exact version, and @hono/node-server at
# 1.14.1, because from 1.14.2 on Portkey 1.15.2 fails every stream:true request ("TypeError:
# immutable" when it rewrites the upstream response's headers). Installed once per lock file.
portkey_entry() {
  local dir
  dir="$CACHE/portkey-$(cat "$ROOT/bench/portkey/package.json" "$ROOT/bench/portkey/package-lock.json" | sha256sum | cut -c1-16)"
  if [ ! -f "$dir/.installed" ]; then
    log "installing Portkey's gateway (npm ci) into $dir"
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$ROOT/bench/portkey/package.json" "$ROOT/bench/portkey/package-lock.json" "$dir/"
    timeout 600 npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >"$WORK/npm.log" 2>&1 ||
      { tail -5 "$WORK/npm.log" >&2; fail "npm ci of Portkey's gateway failed"; }
    touch "$dir/.installed"
  fi
  echo "$dir/node_modules/@portkey-ai/gateway/build/start-server.js"
}

# The targets, in table order: name, base URL, request headers (one per line).
NAMES=() URLS=() HEADERS_OF=()
add_target() { NAMES+=("$1"); URLS+=("$2"); HEADERS_OF+=("$3"); }
# What a client of OpenAI sends; the mock ignores the key.
CLIENT_KEY="Authorization: Bearer sk-mock-key"

start_mock "$DELAY_US" "$CHUNKS"
log "mock upstream at $MOCK_URL ($CHUNKS chunks, ${DELAY_US} µs apart)"
add_target direct "$MOCK_URL" "$CLIENT_KEY"
if [ "$WITH_NGINX" = 1 ]; then
  start_nginx
  add_target nginx "http://127.0.0.1:$NGX_PORT/v1" "$CLIENT_KEY"
fi
if [ "$WITH_PORTKEY" = 1 ]; then
  entry="$(portkey_entry)"
  PK_PORT="$(free_port)"
  spawn portkey node "$entry" --port="$PK_PORT" --headless
  wait_port "$PK_PORT" "$SPAWNED" 30 || { tail -20 "$WORK/portkey.log" >&2; fail "Portkey did not start"; }
  # Portkey routes by header: the OpenAI provider, at the mock's address.
  add_target portkey "http://127.0.0.1:$PK_PORT/v1" "$CLIENT_KEY
x-portkey-provider: openai
x-portkey-custom-host: $MOCK_URL"
fi
start_gateway
add_target "turnpike-$TURNPIKE_BENCH_MODE" "http://127.0.0.1:$GW_PORT/v1" "${AUTH[0]:-$CLIENT_KEY}"
if [ -n "$BASELINE" ]; then
  start_gateway "$BASELINE" gateway-baseline
  add_target "turnpike-$TURNPIKE_BENCH_MODE-baseline" "http://127.0.0.1:$GW_PORT/v1" "${AUTH[0]:-$CLIENT_KEY}"
fi

for i in "${!NAMES[@]}"; do
  mapfile -t hdrs <<<"${HEADERS_OF[$i]}"
  check_target "${NAMES[$i]}" "${URLS[$i]}" "${hdrs[@]}"
done

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# usage: measure INDEX CELL CONNECTIONS STREAM  — RUNS wrk runs of one cell; the median of each
# figure goes to FIG[INDEX,CELL,rps|p50|p99] (latency in µs), errors add up in ERRORS[INDEX].
declare -A FIG
declare -a ERRORS
SAW_ERRORS=0
measure() {
  local i="$1" cell="$2" conns="$3" stream="$4" k line kv rps=() p50=() p99=()
  declare -A r
  for k in $(seq "$RUNS"); do
    line="$(STREAM="$stream" HEADERS="${HEADERS_OF[$i]}" timeout $((DUR + 30)) \
      wrk -t1 -c"$conns" -d"${DUR}s" --timeout 10s -s "$ROOT/bench/chat.lua" "${URLS[$i]}/chat/completions" 2>&1 |
      grep '^RESULT ' || true)"
    [ -n "$line" ] || fail "${NAMES[$i]} $cell: wrk gave no result"
    for kv in ${line#RESULT }; do r[${kv%%=*}]="${kv#*=}"; done
    rps+=("${r[rps]}") p50+=("${r[p50_us]}") p99+=("${r[p99_us]}")
    ERRORS[i]=$((${ERRORS[i]:-0} + r[errors] + r[non2xx]))
    log "${NAMES[$i]} $cell run $k: ${line#RESULT }"
  done
  FIG[$i,$cell,rps]="$(median "${rps[@]}")"
  FIG[$i,$cell,p50]="$(median "${p50[@]}")"
  FIG[$i,$cell,p99]="$(median "${p99[@]}")"
}

for i in "${!NAMES[@]}"; do
  log "warming up ${NAMES[$i]}"
  HEADERS="${HEADERS_OF[$i]}" timeout 60 wrk -t1 -c16 -d2s -s "$ROOT/bench/chat.lua" "${URLS[$i]}/chat/completions" >/dev/null 2>&1 || true
  measure "$i" c1 1 0
  measure "$i" c64 64 0
  measure "$i" s16 16 1
  for g in "${GROUPS_STARTED[@]}"; do kill -0 "$g" 2>/dev/null || fail "a process of the run (pid $g) died while measuring ${NAMES[$i]}"; done
  [ "${ERRORS[$i]}" = 0 ] || SAW_ERRORS=1
done

# ---- the table ----
NGINX_INDEX=""
for i in "${!NAMES[@]}"; do [ "${NAMES[$i]}" = nginx ] && NGINX_INDEX="$i"; done
calc() { awk "BEGIN {printf \"$1\", $2}"; }
echo
printf '%s CPUs, %s; mode %s; wrk -t1, %s s per run, median of %s; mock_upstream %s chunks %s µs apart' \
  "$(nproc)" "$(date -u +%FT%TZ)" "$TURNPIKE_BENCH_MODE" "$DUR" "$RUNS" "$CHUNKS" "$DELAY_US"
[ "$WITH_NGINX" = 0 ] || printf '; nginx workers %s' "${NGINX_WORKERS:-1}"
[ "$WITH_PORTKEY" = 0 ] || printf '; Portkey %s' "$(node -p "require('$(dirname "$(dirname "$entry")")/package.json').version")"
describe() { git -C "$(dirname "$1")" describe --always --dirty 2>/dev/null || echo "no git"; }
printf '; turnpike %s (%s)' "${BIN#"$ROOT"/}" "$(describe "$BIN")"
[ -z "$BASELINE" ] || printf '; baseline %s (%s)' "$BASELINE" "$(describe "$BASELINE")"
printf '\n\n'
echo "| target | c1 p50 µs | c1 p99 µs | c1 added p50 µs | c1 added p99 µs | c64 req/s | c64 p99 ms | c64 × direct | c64 × nginx | s16 streams/s | s16 p50 ms | s16 p99 ms | s16 added p50 ms | errors |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for i in "${!NAMES[@]}"; do
  vs_nginx="—"
  [ -z "$NGINX_INDEX" ] || vs_nginx="$(calc '%.3f' "${FIG[$i,c64,rps]} / ${FIG[$NGINX_INDEX,c64,rps]}")"
  echo "| ${NAMES[$i]} | ${FIG[$i,c1,p50]} | ${FIG[$i,c1,p99]}" \
    "| $(calc '%+d' "${FIG[$i,c1,p50]} - ${FIG[0,c1,p50]}") | $(calc '%+d' "${FIG[$i,c1,p99]} - ${FIG[0,c1,p99]}")" \
    "| $(calc '%.0f' "${FIG[$i,c64,rps]}") | $(calc '%.3f' "${FIG[$i,c64,p99]} / 1000")" \
    "| $(calc '%.3f' "${FIG[$i,c64,rps]} / ${FIG[0,c64,rps]}") | $vs_nginx" \
    "| $(calc '%.0f' "${FIG[$i,s16,rps]}") | $(calc '%.3f' "${FIG[$i,s16,p50]} / 1000") | $(calc '%.3f' "${FIG[$i,s16,p99]} / 1000")" \
    "| $(calc '%+.3f' "(${FIG[$i,s16,p50]} - ${FIG[0,s16,p50]}) / 1000") | ${ERRORS[$i]} |"
done
echo
echo "c1: 1 connection, c64: 64 connections, non-streaming; s16: 16 connections streaming $CHUNKS chunks and usage," \
  "latency of the whole stream. added = target − direct; × = c64 throughput ratio; errors = socket errors and non-2xx over every run."
[ "$SAW_ERRORS" = 0 ] || { log "some runs saw errors (see the errors column)"; exit 2; }
