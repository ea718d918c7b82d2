#include "policy/config_price.hpp"

#include <algorithm>
#include <limits>

namespace turnpike::policy {

std::optional<int64_t> configPrice(const PriceUsage& usage, const PriceContext& context) {
  using Wide = unsigned __int128;  // 64-bit tokens x 64-bit prices cannot overflow it
  const Prices& p = context.prices;
  if (p.input < 0 || p.output < 0 || p.cachedInput < 0 || p.request < 0 || context.markupBp < 0) return std::nullopt;
  uint64_t cached = std::min(usage.cachedTokens, usage.promptTokens);
  // Each product is below 2^127, so the first sum fits; the second may not.
  Wide prompt = Wide(usage.promptTokens - cached) * uint64_t(p.input) + Wide(cached) * uint64_t(p.cachedInput);
  Wide completion = Wide(usage.completionTokens) * uint64_t(p.output);
  if (prompt > ~Wide(0) - completion) return std::nullopt;
  Wide perMillion = prompt + completion;
  Wide base = (perMillion + 999'999) / 1'000'000 + uint64_t(p.request);
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (base > kMax) return std::nullopt;
  Wide amount = (base * uint64_t(context.markupBp) + kMarkupOne - 1) / kMarkupOne;
  if (amount > kMax) return std::nullopt;
  return static_cast<int64_t>(amount);
}

}  // namespace turnpike::policy
