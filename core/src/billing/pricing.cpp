#include "billing/pricing.hpp"

#include <algorithm>
#include <limits>

namespace turnpike::billing {

namespace {
using u128 = unsigned __int128;

uint64_t nonNegative(int64_t v) { return v < 0 ? 0 : static_cast<uint64_t>(v); }
}  // namespace

int64_t costOf(const config::Price& price, const MeteredUsage& usage, int64_t markupPpm) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  // Markup in millionths: the result is in units x 1e-12, rounded up once.
  constexpr u128 kScale = u128(1'000'000) * 1'000'000;
  // Past this many units x 1e-6 the cost is kMax whatever the markup (>= 1e-6): saturating
  // there keeps every sum and product below within 128 bits, for any token count and price.
  constexpr u128 kSaturated = u128(kMax) * kScale + 1;
  uint64_t cached = std::min(usage.cachedTokens, usage.promptTokens);
  uint64_t written = std::min(usage.cacheWriteTokens, usage.promptTokens - cached);
  uint64_t cachedPrice = nonNegative(price.cachedInput >= 0 ? price.cachedInput : price.input);
  uint64_t writePrice = nonNegative(price.cacheWrite >= 0 ? price.cacheWrite : price.input);
  // Everything in units x 1e-6 (per-1M token prices need no division yet). Each term is below
  // 2^127 (a 64-bit count times a 63-bit price), so adding one to a saturated sum cannot wrap.
  u128 micro = 0;
  auto add = [&](u128 term) { micro = std::min(micro + term, kSaturated); };
  add(u128(usage.promptTokens - cached - written) * nonNegative(price.input));
  add(u128(cached) * cachedPrice);
  add(u128(written) * writePrice);
  add(u128(usage.completionTokens) * nonNegative(price.output));
  add(u128(nonNegative(price.request)) * 1'000'000);
  add(std::min(u128(usage.images) * nonNegative(price.image), kSaturated) * 1'000'000);
  add(std::min(u128(usage.milliseconds) * nonNegative(price.second), kSaturated) * 1'000);  // per second = per 1000 ms
  uint64_t markup = nonNegative(markupPpm);
  if (markup != 0 && micro > ~u128(0) / markup) return kMax;
  u128 cost = (micro * markup + kScale - 1) / kScale;
  if (cost > u128(kMax)) return kMax;
  return static_cast<int64_t>(cost);
}

uint64_t estimatePromptTokens(const pipeline::RequestSummary& summary) {
  return (summary.promptBytes + 2) / 3 + 8 * summary.messageCount + 8;
}

uint64_t estimateDeliveredTokens(uint64_t deliveredBytes) { return (deliveredBytes + 3) / 4; }

MeteredUsage worstCaseUsage(const pipeline::RequestSummary& summary, uint64_t maxOutputTokens) {
  MeteredUsage worst;
  worst.promptTokens = estimatePromptTokens(summary);
  // Saturated, not wrapped: a huge max_tokens x n must reserve too much, never too little.
  uint64_t n = std::max<uint64_t>(1, summary.n);
  worst.completionTokens = maxOutputTokens > std::numeric_limits<uint64_t>::max() / n
                               ? std::numeric_limits<uint64_t>::max()
                               : maxOutputTokens * n;
  worst.images = summary.imageCount;
  return worst;
}

}  // namespace turnpike::billing
