// Input and output of the pricing script's price(usage, ctx).
#pragma once

#include <cstdint>
#include <string_view>

#include "config/config.hpp"
#include "policy/policy_error.hpp"

namespace turnpike::policy {

// Seen by the script as `usage`:
//   usage = {model, provider, prompt_tokens, completion_tokens, cached_tokens, images, stream}
// cached_tokens is the part of prompt_tokens served from the upstream's prompt cache. Like req,
// usage and ctx are tables reused by every call on the thread: read-only for the script.
struct PriceUsage {
  std::string_view model;
  std::string_view provider;
  uint64_t promptTokens = 0;
  uint64_t completionTokens = 0;
  uint64_t cachedTokens = 0;
  uint64_t images = 0;
  bool stream = false;
  uint64_t cacheWriteTokens = 0;
};

// Configured prices of the (provider, model) pair, in the billing unit: input, output,
// cachedInput and cacheWrite per 1M tokens, request per request, image per image. cachedInput
// and cacheWrite are resolved (never -1).
struct Prices {
  int64_t input = 0;
  int64_t output = 0;
  int64_t cachedInput = 0;
  int64_t request = 0;
  int64_t image = 0;
  int64_t cacheWrite = 0;
};

inline Prices pricesOf(const config::Price& p) {
  return {p.input, p.output, p.cachedInput < 0 ? p.input : p.cachedInput, p.request, p.image,
          p.cacheWrite < 0 ? p.input : p.cacheWrite};
}

// The markup (billing.markup) in millionths of the base price: 1000000 = 1.0x, 1250000 = +25%.
constexpr int64_t kMarkupOne = 1'000'000;

// Seen by the script as `ctx`:
//   ctx = {account_id (nil if anonymous), tier (nil if none),
//          prices = {input, output, cached_input, cache_write, request, image}, markup_ppm}
struct PriceContext {
  std::string_view accountId;
  std::string_view tier;
  Prices prices;
  int64_t markupPpm = kMarkupOne;
};

struct PriceOutcome {
  int64_t amount = 0;       // billing unit; meaningful only when ok()
  PolicyError error;        // set: the caller charges billing::costOf() instead and counts error.kind
  uint64_t generation = 0;  // script generation that answered (0: none loaded)

  bool ok() const { return !error; }
};

}  // namespace turnpike::policy
