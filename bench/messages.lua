-- wrk script: chat.lua's request in Anthropic's Messages wire (POST /v1/messages), for
-- dialects.sh: the same system prompt, user message, temperature and max_tokens, with the
-- anthropic-version header Anthropic's SDKs send. Headers and the RESULT line are chat.lua's.
-- Environment:
--   STREAM=1   "stream": true (a Messages stream always reports usage)
--   MODEL      the model (default bench-claude)
--   HEADERS    as in chat.lua
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "chat.lua")
wrk.headers["anthropic-version"] = "2023-06-01"
wrk.body = '{"model":"' .. (os.getenv("MODEL") or "bench-claude") .. '","max_tokens":256,"temperature":0.2,' ..
  '"system":"You are a helpful assistant.",' ..
  '"messages":[{"role":"user","content":"Explain in two sentences why an AI gateway should add little latency."}]' ..
  (os.getenv("STREAM") == "1" and ',"stream":true' or '') .. '}'
