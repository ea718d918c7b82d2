-- Example pricing policy: the configured prices with a discount per account tier and a cheaper
-- rate for prompt tokens served from the upstream's cache. Use it by pointing pricing.script at
-- this file. The arithmetic is scripts/pricing.lua's (see there for the fields and the exact
-- integer steps); only the two rates below change:
--
--   cached rate = ceil(cached_input * CACHED_PPM / 1e6)            per 1M cached tokens
--   multiplier  = ceil(markup_ppm * TIER_PPM[tier] / 1e6)           millionths
--   amount      = ceil(base at the cached rate * multiplier / 1e6)  one rounding, up
-- so the gateway never undercharges by a fraction of a unit.

local MICRO = 1000000
local MAX = math.maxinteger

-- Millionths of the price each tier pays: 900000 = 10% off. Unknown or absent tiers pay in full.
local TIER_PPM = { pro = 900000, enterprise = 800000 }
-- Cached prompt tokens cost this share of the configured cached-input price: 500000 = half.
local CACHED_PPM = 500000

local function mul(a, b)
  if a ~= 0 and b > MAX // a then error("amount overflows 64-bit integers", 2) end
  return a * b
end

local function add(a, b)
  if b > MAX - a then error("amount overflows 64-bit integers", 2) end
  return a + b
end

local function perMillion(tokens, price)
  local part = mul(tokens % MICRO, price)
  return add(mul(tokens // MICRO, price), part // MICRO), part % MICRO
end

local function ceilScale(amount, ppm)
  return add(mul(amount // MICRO, ppm), (mul(amount % MICRO, ppm) + MICRO - 1) // MICRO)
end

local function marked(whole, rest, ppm)
  local high = mul(whole // MICRO, ppm)
  local low = mul(whole % MICRO, ppm)
  local fraction = add((low % MICRO) * MICRO, mul(rest, ppm))
  local amount = add(add(high, low // MICRO), fraction // (MICRO * MICRO))
  if fraction % (MICRO * MICRO) > 0 then amount = add(amount, 1) end
  return amount
end

function price(usage, ctx)
  local p = ctx.prices
  local cached = math.min(usage.cached_tokens, usage.prompt_tokens)
  local w1, r1 = perMillion(usage.prompt_tokens - cached, p.input)
  local w2, r2 = perMillion(cached, ceilScale(p.cached_input, CACHED_PPM))
  local w3, r3 = perMillion(usage.completion_tokens, p.output)
  local rest = r1 + r2 + r3
  local whole = add(add(add(w1, w2), w3), rest // MICRO)
  whole = add(whole, add(p.request, mul(usage.images, p.image)))
  local multiplier = ceilScale(ctx.markup_ppm, TIER_PPM[ctx.tier] or MICRO)
  return { amount = marked(whole, rest % MICRO, multiplier) }
end
