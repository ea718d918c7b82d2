# Shared by the bench scripts that start their own mock upstream and gateway (streams.sh,
# thread_cpu.sh). Source it after `set -euo pipefail`; it sets ROOT, BIN, MOCKAI and WORK (a
# temporary directory removed on exit, with every process started here).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${TURNPIKE_SHARED_BENCH:-$ROOT/../shared/bench}"
BIN="${TURNPIKE_BIN:-$ROOT/build/release/turnpike}"
export TURNPIKE_BENCH_MODE="${TURNPIKE_BENCH_MODE:-free}"
CACHE="${TURNPIKE_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/turnpike-bench}"
MOCKAI="$CACHE/mockai"
mkdir -p "$CACHE"
[ -x "$MOCKAI" ] && [ "$MOCKAI" -nt "$SHARED/mockai.c" ] || cc -O2 -o "$MOCKAI" "$SHARED/mockai.c"
command -v wrk >/dev/null || { echo "wrk is missing (../shared/bench/compare.sh installs it)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build the Release binary first: $BIN" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/turnpike-bench.XXXXXX")"
PIDS=()
stop_all() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  PIDS=()
}
trap 'stop_all; rm -rf "$WORK"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# Runs a command in the background as one of ours (killed on exit, no job-control noise).
spawn() {
  "$@" &
  PIDS+=($!)
  disown
}

# $1: per-chunk delay in µs. Starts a mock upstream with 20 chunks; sets MOCK_PORT.
start_mock() {
  MOCK_PORT="$(free_port)"
  spawn "$MOCKAI" -p "$MOCK_PORT" -n 20 -d "$1" >"$WORK/mock.out" 2>&1
  wait_port "$MOCK_PORT"
}

# Starts the gateway on the current mock (bench_config.sh, TURNPIKE_BENCH_MODE): sets GW_PORT,
# GW_PID, and BEARER / AUTH, a funded key's credential and header when billed (else empty).
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
