-- Turnpike pricing policy: price(usage, ctx) says what a finished call costs.
--
-- Runs in the same sandbox as routing.lua and is reloaded with it. Called once per call that
-- reached an upstream, after the usage is known; the result settles the reservation.
--
-- usage = {model, provider, prompt_tokens, completion_tokens, cached_tokens, stream}
--         (cached_tokens is the part of prompt_tokens served from the upstream's prompt cache)
-- ctx   = {account_id, tier (nil when anonymous / none),
--          prices = {input, output, cached_input, request},   -- billing unit (msat by default):
--                   -- input/output/cached_input per 1M tokens, request per call
--          markup_bp}                                         -- basis points: 10000 = 1.0x
--
-- Return the amount in the billing unit, as an integer (or {amount = integer}). A float, a
-- negative or absurdly large amount, or an error makes the gateway charge the configured price.
--
-- This default reproduces the configured price exactly:
--   base   = ceil(((prompt - cached) * input + cached * cached_input + completion * output) / 1e6)
--            + request
--   amount = ceil(base * markup_bp / 10000)
-- Integer arithmetic only: Lua integers are 64-bit and wrap silently on overflow, so products are
-- split to stay in range, and an amount that does not fit raises an error instead of wrapping.
-- scripts/examples/pricing_tiers.lua shows tier and cache discounts on top of this.

local PER_TOKENS = 1000000  -- prices are per 1M tokens
local ONE = 10000           -- markup_bp meaning 1.0x
local MAX = math.maxinteger

local function mul(a, b)
  if a ~= 0 and b > MAX // a then error("amount overflows 64-bit integers", 2) end
  return a * b
end

local function add(a, b)
  if b > MAX - a then error("amount overflows 64-bit integers", 2) end
  return a + b
end

-- tokens * price / PER_TOKENS, exactly, as a whole part and a remainder in [0, PER_TOKENS).
local function perMillion(tokens, price)
  local part = mul(tokens % PER_TOKENS, price)
  return add(mul(tokens // PER_TOKENS, price), part // PER_TOKENS), part % PER_TOKENS
end

-- ceil(amount * bp / ONE), exactly.
local function scale(amount, bp)
  if bp == ONE then return amount end
  local part = mul(amount % ONE, bp)
  return add(mul(amount // ONE, bp), (part + ONE - 1) // ONE)
end

function price(usage, ctx)
  local p = ctx.prices
  local cached = math.min(usage.cached_tokens, usage.prompt_tokens)
  local w1, r1 = perMillion(usage.prompt_tokens - cached, p.input)
  local w2, r2 = perMillion(cached, p.cached_input)
  local w3, r3 = perMillion(usage.completion_tokens, p.output)
  -- The three remainders are below 3 * PER_TOKENS: rounding up once keeps the sum exact.
  local tokens = add(add(add(w1, w2), w3), (r1 + r2 + r3 + PER_TOKENS - 1) // PER_TOKENS)
  return scale(add(tokens, p.request), ctx.markup_bp)
end
