#!/usr/bin/env bash
# ctest bench_harness: the benchmark harness works, without generating load. The mock upstream
# answers as the scripts expect in both wires (chat completions and Anthropic Messages: whole,
# streamed, paced, pipelined), check_target and check_messages refuse what is not a whole answer,
# and the gateway that bench_config.sh configures in front of the mock passes both checks in both
# modes, on every route dialects.sh measures (native, passthrough and translated).
# Environment: TURNPIKE_BIN, the gateway binary (ctest passes the build's).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_mock 0 5
check_target mock "$MOCK_URL"
reply="$(curl -s -N -m 10 "$MOCK_URL/chat/completions" -d '{"model":"gpt-4o-mini","stream": true}')"
[ "$(grep -c '^data: ' <<<"$reply")" = 7 ] && ! grep -q '"usage"' <<<"$reply" ||
  fail "a stream without stream_options.include_usage: want 5 chunks, finish and [DONE], no usage: $reply"
(check_target "a 404" "$MOCK_URL/nowhere") 2>/dev/null && fail "check_target accepted a 404"
(MOCK_CHUNKS=6 && check_target "a short stream" "$MOCK_URL") 2>/dev/null && fail "check_target accepted a short stream"
check_messages mock "$MOCK_URL"
reply="$(curl -s -N -m 10 "$MOCK_URL/messages" -d '{"model":"bench-claude","stream": true}')"
[ "$(grep '^event: ' <<<"$reply" | tr '\n' ' ')" = "event: message_start event: content_block_start $(
  printf 'event: content_block_delta %.0s' 1 2 3 4 5)event: content_block_stop event: message_delta event: message_stop " ] &&
  [ "$(grep -c '"usage"' <<<"$reply")" = 2 ] || fail "a Messages stream: want its events in order, usage twice: $reply"
(check_messages "a 404" "$MOCK_URL/nowhere") 2>/dev/null && fail "check_messages accepted a 404"
(MOCK_CHUNKS=6 && check_messages "a short stream" "$MOCK_URL") 2>/dev/null && fail "check_messages accepted a short stream"

# Paced chunks, and requests pipelined behind a paced stream answered in order on one connection.
start_mock 10000 3
check_target "paced mock" "$MOCK_URL"
exec 3<>"/dev/tcp/127.0.0.1/$MOCK_PORT"
printf 'GET /v1/models HTTP/1.1\r\nHost: m\r\n\r\nPOST /v1/chat/completions HTTP/1.1\r\nHost: m\r\nContent-Length: 16\r\n\r\n{"stream": true}GET /v1/models HTTP/1.1\r\nHost: m\r\nConnection: close\r\n\r\n' >&3
reply="$(timeout 10 cat <&3 || true)"
exec 3<&-
[ "$(grep -o 'HTTP/1.1 200 OK' <<<"$reply" | wc -l)" = 3 ] && [ "$(grep -c '^data: ' <<<"$reply")" = 5 ] &&
  grep -q '"object":"list"' <<<"$(tail -1 <<<"$reply")" || fail "pipelined requests: $reply"
check_messages "paced mock" "$MOCK_URL"
exec 3<>"/dev/tcp/127.0.0.1/$MOCK_PORT"
printf 'POST /v1/messages HTTP/1.1\r\nHost: m\r\nContent-Length: 16\r\n\r\n{"stream": true}POST /v1/messages HTTP/1.1\r\nHost: m\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' >&3
reply="$(timeout 10 cat <&3 || true)"
exec 3<&-
[ "$(grep -o 'HTTP/1.1 200 OK' <<<"$reply" | wc -l)" = 2 ] && [ "$(grep -c '^event: content_block_delta' <<<"$reply")" = 3 ] &&
  grep -q '"type":"message",' <<<"$(tail -1 <<<"$reply")" || fail "pipelined Messages requests: $reply"

for mode in free billed; do
  TURNPIKE_BENCH_MODE="$mode"
  start_gateway
  check_target "turnpike-$mode" "http://127.0.0.1:$GW_PORT/v1" "${AUTH[@]}"
  check_messages "turnpike-$mode passthrough" "http://127.0.0.1:$GW_PORT/v1" "${AUTH[@]}"
  CHECK_MODEL=gpt-4o-mini check_messages "turnpike-$mode messages to openai_compat" "http://127.0.0.1:$GW_PORT/v1" "${AUTH[@]}"
  CHECK_MODEL=bench-claude check_target "turnpike-$mode chat to anthropic" "http://127.0.0.1:$GW_PORT/v1" "${AUTH[@]}"
done
# The billed gateway's model is paid: without the funded key a request is refused.
status="$(curl -s -o /dev/null -w '%{http_code}' -m 10 "http://127.0.0.1:$GW_PORT/v1/chat/completions" \
  -H 'Content-Type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}')"
[ "$status" != 200 ] || fail "the billed gateway served a request without a key"
echo "bench harness: OK"
