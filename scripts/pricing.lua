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

-- Inputs below these limits cannot overflow in the direct formula: each product stays under
-- 2^61, so three of them fit, and base * markup_bp stays under 2^63.
local FAST_TOKENS = 1 << 30   -- about 1.07e9 tokens
local FAST_PRICE = 1 << 31    -- about 2.1e9 units per 1M tokens, or per request
local FAST_MARKUP = 1 << 20   -- 104.8576x

-- The same formula for any input, with every product split to stay in range.
local function exactPrice(prompt, completion, cached, p, bp)
  local w1, r1 = perMillion(prompt - cached, p.input)
  local w2, r2 = perMillion(cached, p.cached_input)
  local w3, r3 = perMillion(completion, p.output)
  -- The three remainders are below 3 * PER_TOKENS: rounding up once keeps the sum exact.
  local tokens = add(add(add(w1, w2), w3), (r1 + r2 + r3 + PER_TOKENS - 1) // PER_TOKENS)
  return scale(add(tokens, p.request), bp)
end

function price(usage, ctx)
  local p, bp = ctx.prices, ctx.markup_bp
  local prompt, completion, cached = usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens
  if cached > prompt then cached = prompt end
  local input, output, cachedInput, request = p.input, p.output, p.cached_input, p.request
  if prompt < FAST_TOKENS and completion < FAST_TOKENS and input < FAST_PRICE and output < FAST_PRICE
      and cachedInput < FAST_PRICE and request < FAST_PRICE and bp < FAST_MARKUP then
    local perMillionTokens = (prompt - cached) * input + cached * cachedInput + completion * output
    local base = (perMillionTokens + PER_TOKENS - 1) // PER_TOKENS + request
    return (base * bp + ONE - 1) // ONE
  end
  return exactPrice(prompt, completion, cached, p, bp)
end
