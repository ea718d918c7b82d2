# Shared by the bench scripts (compare.sh, streams.sh, dialects.sh, thread_cpu.sh, harness_test.sh): tools, the
# mock upstream (bench/mock_upstream.c), nginx, the gateway, a check that each answers, and stopping
# all of them. Source it after `set -euo pipefail` and after setting TURNPIKE_BENCH_MODE's default.
# It sets ROOT, BIN, CACHE and WORK (a temporary directory, removed on exit with every process
# started here).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${TURNPIKE_BIN:-$ROOT/build/release/turnpike}"
CACHE="${TURNPIKE_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/turnpike-bench}"
export TURNPIKE_BENCH_MODE="${TURNPIKE_BENCH_MODE:-free}"
case "$TURNPIKE_BENCH_MODE" in billed | free) ;; *) echo "TURNPIKE_BENCH_MODE must be billed or free" >&2; exit 1 ;; esac
mkdir -p "$CACHE"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/turnpike-bench.XXXXXX")"
KEEP_WORK="${KEEP_WORK:-0}"

log() { echo "[$(basename "$0")] $*" >&2; }
fail() { log "FATAL: $*"; exit 1; }

# Every process started here leads its own process group (setsid), so stopping the group also
# stops what it forked (nginx's worker).
GROUPS_STARTED=()
stop_all() {
  local g
  for g in "${GROUPS_STARTED[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in "${GROUPS_STARTED[@]}"; do
    for _ in $(seq 30); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$g" 2>/dev/null || true
  done
  GROUPS_STARTED=()
}
on_exit() {
  stop_all
  if [ "$KEEP_WORK" = 1 ]; then log "logs and configs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# usage: [SPAWN_DIR=DIR] spawn NAME COMMAND...  — runs COMMAND in the background from DIR (default
# the tree's root, where the gateway finds its default policy scripts), output in $WORK/NAME.log;
# sets SPAWNED (its pid and process group).
spawn() {
  local name="$1"
  shift
  (cd "${SPAWN_DIR:-$ROOT}" && exec setsid "$@") >"$WORK/$name.log" 2>&1 &
  SPAWNED=$!
  GROUPS_STARTED+=("$SPAWNED")
  disown "$SPAWNED"  # stopped by stop_all; no job-control notice when it is
}

# usage: need_tools COMMAND:PACKAGE...  — installs the missing ones with apt as root.
need_tools() {
  local t missing=()
  for t in "$@"; do command -v "${t%%:*}" >/dev/null || missing+=("${t##*:}"); done
  [ "${#missing[@]}" = 0 ] && return 0
  [ "$(id -u)" = 0 ] || fail "missing tools; run: sudo apt-get install -y ${missing[*]}"
  log "installing ${missing[*]} (apt)"
  timeout 900 bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
      install -y -qq --no-install-recommends "$@"' apt "${missing[@]}" >"$WORK/apt.log" 2>&1 ||
    { tail -5 "$WORK/apt.log" >&2; fail "apt-get install ${missing[*]} failed"; }
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# usage: wait_port PORT PID [SECONDS]  — until PORT accepts connections; fails when PID exits first.
wait_port() {
  for _ in $(seq $((${3:-10} * 10))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# The mock upstream, built with cc -O2 into the cache, one binary per version of its source.
mock_binary() {
  local src="$ROOT/bench/mock_upstream.c" bin
  bin="$CACHE/mock_upstream-$(sha256sum "$src" | cut -c1-16)"
  if [ ! -x "$bin" ]; then
    cc -O2 -o "$bin.tmp" "$src" || fail "building $src failed"
    mv "$bin.tmp" "$bin"
  fi
  echo "$bin"
}

# usage: start_mock DELAY_US [CHUNKS]  — a mock upstream streaming CHUNKS (default 20) content
# chunks DELAY_US apart; sets MOCK_PORT, MOCK_URL, MOCK_CHUNKS.
start_mock() {
  local bin
  bin="$(mock_binary)"
  MOCK_CHUNKS="${2:-20}"
  spawn mock "$bin" -p 0 -n "$MOCK_CHUNKS" -d "$1"
  MOCK_PORT=""
  for _ in $(seq 50); do
    MOCK_PORT="$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/mock.log")"
    [ -n "$MOCK_PORT" ] && break
    kill -0 "$SPAWNED" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$MOCK_PORT" ] || { cat "$WORK/mock.log" >&2; fail "the mock upstream did not start"; }
  MOCK_URL="http://127.0.0.1:$MOCK_PORT/v1"
}

# A plain reverse proxy to the current mock, the floor any gateway is compared with: keep-alive
# to the upstream and no buffering, so a stream passes through as it arrives. Sets NGX_PORT.
start_nginx() {
  local dir="$WORK/nginx"
  NGX_PORT="$(free_port)"
  mkdir -p "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
worker_processes ${NGINX_WORKERS:-1};
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
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
  spawn nginx nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;'
  wait_port "$NGX_PORT" "$SPAWNED" || { cat "$dir/error.log" "$WORK/nginx.log" >&2; fail "nginx did not start"; }
}

# usage: start_gateway [BINARY [NAME]]  — the gateway (default $BIN) on the current mock
# (bench_config.sh, TURNPIKE_BENCH_MODE, and the YAML file TURNPIKE_BENCH_EXTRA appended when set),
# run from the checkout holding BINARY so that another build uses its own scripts and plugins;
# config and log are $WORK/NAME.yaml and .log (NAME: gateway). Sets GW_PORT, GW_PID, and
# BEARER / AUTH, a funded key's credential and header when billed (else empty). The config's
# anthropic provider is left out for a build without that plugin (an older commit's).
start_gateway() {
  local bin="${1:-$BIN}" name="${2:-gateway}" tree
  [ -x "$bin" ] || fail "build the Release binary first: $bin (make build, or bench/run_compare.sh)"
  tree="$(git -C "$(dirname "$bin")" rev-parse --show-toplevel 2>/dev/null || echo "$ROOT")"
  export TURNPIKE_BENCH_ANTHROPIC=1
  [ -e "$(dirname "$bin")/plugins/libanthropic.so" ] || TURNPIKE_BENCH_ANTHROPIC=0
  GW_PORT="$(free_port)"
  export TURNPIKE_BENCH_DB="$WORK/bench-$GW_PORT.db"
  "$ROOT/bench/bench_config.sh" "$GW_PORT" "$MOCK_URL" >"$WORK/$name.yaml"
  [ -z "${TURNPIKE_BENCH_EXTRA:-}" ] || cat "$TURNPIKE_BENCH_EXTRA" >>"$WORK/$name.yaml"
  AUTH=() BEARER=""
  if [ "$TURNPIKE_BENCH_MODE" = billed ]; then
    # A wallet no benchmark can empty, and its key on every request.
    local key
    key="$(cd "$tree" && "$bin" accounts create --name bench --credit 1000000000000000 --config "$WORK/$name.yaml" |
           sed -n 's/.*"api_key": "\([^"]*\)".*/\1/p')"
    [ -n "$key" ] || fail "could not create the benchmark account ($bin)"
    BEARER="Bearer $key"
    AUTH=("Authorization: $BEARER")
  fi
  SPAWN_DIR="$tree" spawn "$name" "$bin" serve --config "$WORK/$name.yaml"
  GW_PID="$SPAWNED"
  wait_port "$GW_PORT" "$GW_PID" 30 || { tail -20 "$WORK/$name.log" >&2; fail "the gateway did not start ($bin)"; }
}

# usage: [CHECK_MODEL=ID] check_target NAME BASE_URL [HEADER...]  — the target answers a real chat
# completion for model ID (default gpt-4o-mini), whole and streamed (every chunk of the mock, its
# usage, [DONE]), before anything is measured.
check_target() {
  local name="$1" base="$2" url="$2/chat/completions" model="${CHECK_MODEL:-gpt-4o-mini}" args=() h reply lines
  shift 2
  for h in "$@"; do args+=(-H "$h"); done
  reply="$(curl -s -m 10 "$url" -H 'Content-Type: application/json' "${args[@]}" \
    -d '{"model":"'"$model"'","messages":[{"role":"user","content":"hi"}]}' || true)"
  grep -q '"object":"chat.completion"' <<<"$reply" && grep -q '"total_tokens"' <<<"$reply" ||
    fail "$name: not a chat completion: ${reply:0:300}"
  reply="$(curl -s -N -m 10 "$url" -H 'Content-Type: application/json' "${args[@]}" \
    -d '{"model":"'"$model"'","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}' || true)"
  lines="$(grep -c '^data: ' <<<"$reply" || true)"
  # The content chunks, the finish chunk, the usage chunk and [DONE]; a stream translated from
  # another wire may open with a chunk carrying the role and no text, as OpenAI's do.
  grep -m1 '^data: ' <<<"$reply" | grep -q '"content":""' && lines=$((lines - 1))
  [ "$lines" = $((MOCK_CHUNKS + 3)) ] && grep -q '^data: \[DONE\]' <<<"$reply" && grep -q '"total_tokens"' <<<"$reply" ||
    fail "$name: incomplete stream ($lines data lines, want $((MOCK_CHUNKS + 3))): ${reply:0:300}"
  log "$name answers at $base"
}

# usage: [CHECK_MODEL=ID] check_messages NAME BASE_URL [HEADER...]  — the target answers a real
# Anthropic Messages request (POST BASE_URL/messages) for model ID (default bench-claude): a
# Message with usage, and a whole stream (message_start, every content_block_delta of the mock,
# message_delta with usage, message_stop last), before anything is measured.
check_messages() {
  local name="$1" base="$2" url="$2/messages" model="${CHECK_MODEL:-bench-claude}" args=() h reply deltas
  shift 2
  for h in "$@"; do args+=(-H "$h"); done
  reply="$(curl -s -m 10 "$url" -H 'Content-Type: application/json' -H 'anthropic-version: 2023-06-01' "${args[@]}" \
    -d '{"model":"'"$model"'","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}' || true)"
  grep -q '"type":"message"' <<<"$reply" && grep -q '"output_tokens"' <<<"$reply" ||
    fail "$name: not a Message: ${reply:0:300}"
  reply="$(curl -s -N -m 10 "$url" -H 'Content-Type: application/json' -H 'anthropic-version: 2023-06-01' "${args[@]}" \
    -d '{"model":"'"$model"'","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}' || true)"
  deltas="$(grep -c '^event: content_block_delta' <<<"$reply" || true)"
  [ "$deltas" = "$MOCK_CHUNKS" ] && grep -q '^event: message_start' <<<"$reply" &&
    grep -q '"type":"message_delta".*"output_tokens"' <<<"$reply" &&
    [ "$(grep '^data: ' <<<"$reply" | tail -1)" = 'data: {"type":"message_stop"}' ] ||
    fail "$name: incomplete Messages stream ($deltas deltas, want $MOCK_CHUNKS): ${reply:0:300}"
  log "$name answers Messages at $base"
}
