-- Turnpike routing policy: route(req, ctx) picks the provider and model for each inference request.
--
-- The gateway runs this file in a sandbox (base, string, table, math, utf8; no io/os/require) and
-- can reload it while running: a new version is compiled and tried on sample inputs first, and the
-- old one keeps serving if that fails. Each worker thread has its own copy of the script's state.
-- After loading, globals are fixed: use `local` for everything you add.
--
-- req = {
--   model, operation ("chat" | "completions" | "embeddings"), stream,
--   message_count, prompt_tokens (estimate), max_tokens (nil if the client gave none),
--   has_tools, has_images, code_signals (``` fences + code-looking lines in the prompt),
--   account_id, tier (nil when anonymous / none), headers = {[lower-case name] = value}
--   (credentials redacted: authorization = "Bearer [redacted]", cookie = "[redacted]", ...),
--   metadata = {[key] = string} (the request's "metadata" object; nil when it has none),
-- }
-- string.find / match / gmatch / gsub refuse a pattern whose worst case over its subject (a
-- header can be 64 KiB) is too long: anchor patterns (^) and keep quantified items few.
-- ctx = {
--   providers = { {provider, model, capabilities = {...}, price = {input, output},
--                  context_length (0 = unknown), health ("ok" | "open" | "half_open"),
--                  latency_ms (time to first byte, EWMA), error_rate (0..1, last minute),
--                  in_flight}, ... },   -- config order
--   by_model  = { [model id] = { same candidate tables, config order } },
-- }
-- ctx is shared by every call on the same provider snapshot, and req is one table rewritten by
-- every call (headers are built when first read): read them, never modify or keep them.
--
-- Return one of:
--   nil                                      keep the configured provider order for req.model
--   {provider = , model = , fallbacks = {...}, info = {...}}
--       fallbacks: tried in order; each a provider name (same model), {provider = , model = },
--                  or a candidate table of ctx itself (the cheapest for the gateway to read);
--       info: optional table reported back as routing information
--   {deny = <HTTP status 400-599>, message = "..."}
-- Anything else counts as a script failure and the gateway uses the configured order.

-- Tunables -----------------------------------------------------------------------------------

-- model = "auto" goes to the strong tier when any of these holds, else to the cheap tier.
local LONG_PROMPT_TOKENS = 4000  -- estimated prompt tokens
local LONG_OUTPUT_TOKENS = 2000  -- max_tokens asked for
local CODE_SIGNALS = 3           -- one fenced block counts 2, each code-looking line 1
local MANY_MESSAGES = 16         -- long conversations
-- Output tokens assumed when max_tokens is absent, for the context-length check.
local DEFAULT_MAX_TOKENS = 1024
-- How many fallbacks to return after the chosen candidate.
local MAX_FALLBACKS = 3
-- Candidates failing at least this often are tried after the healthy ones.
local DEGRADED_ERROR_RATE = 0.25
-- Capability tags that place a model in a tier whatever its price (set them in the config's
-- `capabilities` list). Without tags the output price stands in for strength.
local STRONG_TAG = "strong"
local CHEAP_TAG = "cheap"

-- Helpers ------------------------------------------------------------------------------------

-- Everything derived from ctx alone is computed once per provider snapshot and kept here; the
-- weak keys let the tables of old snapshots be collected.
local memos = setmetatable({}, { __mode = "k" })

local function memoFor(ctx)
  local memo = memos[ctx]
  if not memo then
    memo = { caps = {}, order = {}, ranked = {}, plans = {} }
    for i, c in ipairs(ctx.providers) do memo.order[c] = i end
    memos[ctx] = memo
  end
  return memo
end

-- The candidate's capabilities as a set.
local function capsOf(memo, c)
  local caps = memo.caps[c]
  if not caps then
    caps = {}
    for _, name in ipairs(c.capabilities) do caps[name] = true end
    memo.caps[c] = caps
  end
  return caps
end

-- 0 healthy, 1 degraded (failing often in the last minute), nil when the circuit is open.
-- A half-open circuit ranks as healthy: the gateway lets one trial request through (and skips
-- the provider for the others) until the trial closes the circuit or opens it again, so a
-- recovered provider gets its traffic back.
local function healthRank(c)
  if c.health == "open" then return nil end
  if c.error_rate >= DEGRADED_ERROR_RATE then return 1 end
  return 0
end

local function wantsStrong(req)
  return req.has_tools
      or req.prompt_tokens >= LONG_PROMPT_TOKENS
      or (req.max_tokens or 0) >= LONG_OUTPUT_TOKENS
      or req.code_signals >= CODE_SIGNALS
      or req.message_count >= MANY_MESSAGES
end

-- Sort keys, compared in order; the config position breaks the remaining ties.
local function strongKeys(memo, c, caps)
  return { healthRank(c), caps[STRONG_TAG] and 0 or 1, -c.price.output, -c.context_length,
           c.latency_ms, c.in_flight, memo.order[c] }
end

local function cheapKeys(memo, c, caps)
  return { healthRank(c), caps[CHEAP_TAG] and 0 or 1, 3 * c.price.input + c.price.output,
           c.latency_ms, c.in_flight, memo.order[c] }
end

-- Reported as routing information for model = "auto".
local INFO_STRONG = { auto = true, tier = "strong" }
local INFO_CHEAP = { auto = true, tier = "cheap" }

local function lessByKeys(a, b)
  for i = 1, #a do
    if a[i] ~= b[i] then return a[i] < b[i] end
  end
  return false
end

-- Candidates able to serve the request kind, open circuits left out, best first, with the
-- answer for requests that every one of the first few candidates has the context for.
local function rank(memo, ctx, operation, needTools, needVision, strong)
  local entries, capable = {}, 0
  for _, c in ipairs(ctx.providers) do
    local caps = capsOf(memo, c)
    if caps[operation] and (caps.tools or not needTools) and (caps.vision or not needVision) then
      capable = capable + 1
      if healthRank(c) then
        local keys = strong and strongKeys(memo, c, caps) or cheapKeys(memo, c, caps)
        entries[#entries + 1] = { c = c, keys = keys }
      end
    end
  end
  table.sort(entries, function(a, b) return lessByKeys(a.keys, b.keys) end)
  local list = {}
  for i, e in ipairs(entries) do list[i] = e.c end

  local ranking = { list = list, capable = capable }
  if #list > 0 then
    local fallbacks, fits = {}, math.maxinteger
    for i = 1, math.min(#list, MAX_FALLBACKS + 1) do
      local c = list[i]
      if i > 1 then fallbacks[#fallbacks + 1] = c end
      if c.context_length > 0 and c.context_length < fits then fits = c.context_length end
    end
    ranking.fits = fits
    ranking.result = { provider = list[1].provider, model = list[1].model, fallbacks = fallbacks,
                       info = strong and INFO_STRONG or INFO_CHEAP }
  end
  return ranking
end

-- model = "auto" ---------------------------------------------------------------------------

local function describe(req)
  return req.operation .. (req.has_tools and "+tools" or "") .. (req.has_images and "+vision" or "")
end

local function routeAuto(req, ctx)
  local memo = memoFor(ctx)
  local strong = wantsStrong(req)
  local byOperation = memo.ranked[req.operation]
  if not byOperation then
    byOperation = {}
    memo.ranked[req.operation] = byOperation
  end
  local variant = 1 + (req.has_tools and 1 or 0) + (req.has_images and 2 or 0) + (strong and 4 or 0)
  local ranking = byOperation[variant]
  if not ranking then
    ranking = rank(memo, ctx, req.operation, req.has_tools, req.has_images, strong)
    byOperation[variant] = ranking
  end
  if ranking.capable == 0 then
    return { deny = 400, message = "no configured model supports this request (" .. describe(req) .. ")" }
  end
  if #ranking.list == 0 then
    return { deny = 503, message = "every model able to serve this request is unavailable" }
  end

  -- Capability, health and tier are settled; the context length depends on this request.
  local need = req.prompt_tokens + (req.max_tokens or DEFAULT_MAX_TOKENS)
  if need <= ranking.fits then return ranking.result end
  local chosen, fallbacks = nil, {}
  for _, c in ipairs(ranking.list) do
    if c.context_length == 0 or c.context_length >= need then
      if not chosen then
        chosen = c
      else
        fallbacks[#fallbacks + 1] = c
        if #fallbacks == MAX_FALLBACKS then break end
      end
    end
  end
  if not chosen then
    return { deny = 400, message = "the request needs about " .. need
        .. " tokens of context, more than any available model offers" }
  end
  return { provider = chosen.provider, model = chosen.model, fallbacks = fallbacks,
           info = strong and INFO_STRONG or INFO_CHEAP }
end

-- A concrete model -------------------------------------------------------------------------

-- nil while every provider of the model is healthy (the configured order stands); otherwise the
-- healthy ones in config order, then the degraded ones, open circuits left out.
local function planFor(candidates)
  local healthy, degraded = {}, {}
  for _, c in ipairs(candidates) do
    local h = healthRank(c)
    if h == 0 then healthy[#healthy + 1] = c elseif h == 1 then degraded[#degraded + 1] = c end
  end
  if #healthy == #candidates then return false end
  for _, c in ipairs(degraded) do healthy[#healthy + 1] = c end
  if #healthy == 0 then return false end  -- all open: let the configured order report it
  local fallbacks = {}
  for i = 2, math.min(#healthy, MAX_FALLBACKS + 1) do fallbacks[#fallbacks + 1] = healthy[i] end
  return { provider = healthy[1].provider, model = healthy[1].model, fallbacks = fallbacks }
end

local function routeModel(req, ctx)
  local candidates = ctx.by_model[req.model]
  if not candidates then return nil end  -- unknown model: the gateway answers 404
  local memo = memoFor(ctx)
  local plan = memo.plans[req.model]
  if plan == nil then
    plan = planFor(candidates)
    memo.plans[req.model] = plan
  end
  return plan or nil
end

function route(req, ctx)
  if req.model == "auto" then return routeAuto(req, ctx) end
  return routeModel(req, ctx)
end
