-- wrk script: the chat completion every load run in bench/ sends (compare.sh, streams.sh,
-- thread_cpu.sh, dialects.sh), so their figures describe the same request.
-- Environment:
--   STREAM=1   "stream": true with stream_options.include_usage (what SDKs send for a stream)
--   MODEL      the model (default gpt-4o-mini)
--   HEADERS    extra request headers, one "Name: value" per line (credentials, Portkey's routing)
-- Prints one line at the end, read by the scripts:
--   RESULT requests=N seconds=S rps=R p50_us=A p99_us=B errors=E non2xx=F
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
for line in string.gmatch(os.getenv("HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^%s*([^:]+):%s*(.-)%s*$")
  if name then wrk.headers[name] = value end
end
wrk.body = '{"model":"' .. (os.getenv("MODEL") or "gpt-4o-mini") .. '","messages":[{"role":"system","content":"You are a helpful assistant."},' ..
  '{"role":"user","content":"Explain in two sentences why an AI gateway should add little latency."}],' ..
  '"temperature":0.2,"max_tokens":256' ..
  (os.getenv("STREAM") == "1" and ',"stream":true,"stream_options":{"include_usage":true}' or '') .. '}'

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
