-- Turnpike pricing policy: price(usage, ctx) says what a finished call costs.
--
-- Runs in the same sandbox as routing.lua and is reloaded with it. Called once per call that
-- reached an upstream, after the usage is known; the result settles the reservation.
--
-- usage = {model, provider, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens,
--          images, stream}
--         (cached_tokens is the part of prompt_tokens served from the upstream's prompt cache,
--          cache_write_tokens the part written to it)
-- ctx   = {account_id, tier (nil when anonymous / none),
--          prices = {input, output, cached_input, cache_write, request, image},  -- billing unit (msat by default):
--                   -- input/output/cached_input/cache_write per 1M tokens, request per call, image per image
--          markup_ppm}                                         -- billing.markup in millionths: 1000000 = 1.0x
--
-- Return the amount in the billing unit, as an integer (or {amount = integer}). A float, a
-- negative or absurdly large amount, or an error makes the gateway charge the configured price.
--
-- This default reproduces the configured price exactly, as the gateway computes it when a
-- script fails (billing::costOf), with one rounding up at the very end:
--   amount = ceil(((prompt - cached - written) * input + cached * cached_input
--                  + written * cache_write + completion * output
--                  + (request + images * image) * 1e6) * markup_ppm / 1e12)
-- Integer arithmetic only: Lua integers are 64-bit and wrap silently on overflow, so products are
-- split to stay in range, and an amount that does not fit raises an error instead of wrapping.
-- scripts/examples/pricing_tiers.lua shows tier and cache discounts on top of this.

local MICRO = 1000000  -- prices are per 1M tokens; the markup is in millionths
local MAX = math.maxinteger

local function mul(a, b)
  if a ~= 0 and b > MAX // a then error("amount overflows 64-bit integers", 2) end
  return a * b
end

local function add(a, b)
  if b > MAX - a then error("amount overflows 64-bit integers", 2) end
  return a + b
end

-- tokens * price / MICRO, exactly, as a whole part and a remainder in [0, MICRO).
local function perMillion(tokens, price)
  local part = mul(tokens % MICRO, price)
  return add(mul(tokens // MICRO, price), part // MICRO), part % MICRO
end

-- ceil((whole + rest / MICRO) * ppm / MICRO), exactly, for 0 <= rest < MICRO.
local function marked(whole, rest, ppm)
  if ppm == MICRO then return rest > 0 and add(whole, 1) or whole end
  local high = mul(whole // MICRO, ppm)
  local low = mul(whole % MICRO, ppm)
  -- What remains is (low % MICRO) / MICRO + rest * ppm / MICRO^2: one fraction over MICRO^2.
  local fraction = add((low % MICRO) * MICRO, mul(rest, ppm))
  local amount = add(add(high, low // MICRO), fraction // (MICRO * MICRO))
  if fraction % (MICRO * MICRO) > 0 then amount = add(amount, 1) end
  return amount
end

-- The configured price of `usage` at `prices`, before the markup: whole units and millionths.
-- Cache reads, then cache writes, are parts of the prompt; neither can exceed what is left of it.
local function promptParts(usage)
  local cached = math.min(usage.cached_tokens, usage.prompt_tokens)
  local written = math.min(usage.cache_write_tokens, usage.prompt_tokens - cached)
  return usage.prompt_tokens - cached - written, cached, written
end

local function basePrice(usage, prices)
  local plain, cached, written = promptParts(usage)
  local w1, r1 = perMillion(plain, prices.input)
  local w2, r2 = perMillion(cached, prices.cached_input)
  local w3, r3 = perMillion(usage.completion_tokens, prices.output)
  local w4, r4 = perMillion(written, prices.cache_write)
  local rest = r1 + r2 + r3 + r4  -- below 4 * MICRO
  local whole = add(add(add(add(w1, w2), w3), w4), rest // MICRO)
  whole = add(whole, add(prices.request, mul(usage.images, prices.image)))
  return whole, rest % MICRO
end

-- Below these bounds the formula cannot overflow (each product stays under 2^61, the marked-up
-- amount under 2^60), so it runs inline without the checked helpers: the common case, and about
-- three times faster than the general path.
local FAST_TOKENS = 1 << 30  -- about 1.07e9 tokens
local FAST_IMAGES = 1 << 20
local FAST_PRICE = 1 << 31   -- unit per 1M tokens, per request or per image
local FAST_MARKUP = 1 << 27  -- millionths: about 134x

local function directPrice(usage, p, ppm)
  local plain, cached, written = promptParts(usage)
  local total = plain * p.input + cached * p.cached_input + written * p.cache_write
      + usage.completion_tokens * p.output
  local whole = total // MICRO + p.request + usage.images * p.image
  local rest = total % MICRO
  if ppm == MICRO then return rest > 0 and whole + 1 or whole end
  local low = (whole % MICRO) * ppm
  local fraction = (low % MICRO) * MICRO + rest * ppm
  local amount = (whole // MICRO) * ppm + low // MICRO + fraction // (MICRO * MICRO)
  if fraction % (MICRO * MICRO) > 0 then amount = amount + 1 end
  return amount
end

function price(usage, ctx)
  local p, ppm = ctx.prices, ctx.markup_ppm
  if usage.prompt_tokens < FAST_TOKENS and usage.completion_tokens < FAST_TOKENS and usage.images < FAST_IMAGES
      and p.input < FAST_PRICE and p.output < FAST_PRICE and p.cached_input < FAST_PRICE
      and p.cache_write < FAST_PRICE
      and p.request < FAST_PRICE and p.image < FAST_PRICE and ppm < FAST_MARKUP then
    return directPrice(usage, p, ppm)
  end
  local whole, rest = basePrice(usage, p)
  return marked(whole, rest, ppm)
end
