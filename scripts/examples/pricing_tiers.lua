-- Example pricing policy: the configured prices with a discount per account tier and a cheaper
-- rate for prompt tokens served from the upstream's cache. Use it by pointing pricing.script at
-- this file (or copying it to scripts/pricing.lua). See scripts/pricing.lua for the fields.
--
--   cached rate = ceil(cached_input * CACHED_BP / 10000)         per 1M cached tokens
--   base        = the default formula with that cached rate
--   amount      = ceil(ceil(base * markup_bp / 10000) * TIER_BP[tier] / 10000)
-- All in integers, rounding up, so the gateway never undercharges by a fraction of a unit.

local PER_TOKENS = 1000000
local ONE = 10000
local MAX = math.maxinteger

-- Basis points of the price each tier pays: 9000 = 10% off. Unknown or absent tiers pay in full.
local TIER_BP = { pro = 9000, enterprise = 8000 }
-- Cached prompt tokens cost this share of the configured cached-input price: 5000 = half.
local CACHED_BP = 5000

local function mul(a, b)
  if a ~= 0 and b > MAX // a then error("amount overflows 64-bit integers", 2) end
  return a * b
end

local function add(a, b)
  if b > MAX - a then error("amount overflows 64-bit integers", 2) end
  return a + b
end

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
  local w2, r2 = perMillion(cached, scale(p.cached_input, CACHED_BP))
  local w3, r3 = perMillion(usage.completion_tokens, p.output)
  local tokens = add(add(add(w1, w2), w3), (r1 + r2 + r3 + PER_TOKENS - 1) // PER_TOKENS)
  local amount = scale(add(tokens, p.request), ctx.markup_bp)
  return { amount = scale(amount, TIER_BP[ctx.tier] or ONE) }
end
