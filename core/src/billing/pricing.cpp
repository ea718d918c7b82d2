#include "billing/pricing.hpp"

#include <limits>

namespace turnpike::billing {

namespace {
using u128 = unsigned __int128;

uint64_t nonNegative(int64_t v) { return v < 0 ? 0 : static_cast<uint64_t>(v); }
}  // namespace

int64_t costOf(const config::Price& price, const MeteredUsage& usage, int64_t markupPpm) {
  uint64_t cached = std::min(usage.cachedTokens, usage.promptTokens);
  uint64_t cachedPrice = nonNegative(price.cachedInput >= 0 ? price.cachedInput : price.input);
  // Everything in units x 1e-6 (per-1M token prices need no division yet).
  u128 micro = u128(usage.promptTokens - cached) * nonNegative(price.input) + u128(cached) * cachedPrice +
               u128(usage.completionTokens) * nonNegative(price.output);
  micro += u128(nonNegative(price.request)) * 1'000'000;
  micro += u128(usage.images) * nonNegative(price.image) * 1'000'000;
  micro += u128(usage.milliseconds) * nonNegative(price.second) * 1'000;  // per second = per 1000 ms
  // Markup in millionths: the result is in units x 1e-12, rounded up once.
  constexpr u128 kScale = u128(1'000'000) * 1'000'000;
  u128 scaled = micro * nonNegative(markupPpm);
  u128 cost = (scaled + kScale - 1) / kScale;
  if (cost > u128(std::numeric_limits<int64_t>::max())) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(cost);
}

uint64_t estimatePromptTokens(const pipeline::RequestSummary& summary) {
  return (summary.promptBytes + 2) / 3 + 8 * summary.messageCount + 8;
}

uint64_t estimateDeliveredTokens(uint64_t deliveredBytes) { return (deliveredBytes + 3) / 4; }

MeteredUsage worstCaseUsage(const pipeline::RequestSummary& summary, uint64_t maxOutputTokens) {
  MeteredUsage worst;
  worst.promptTokens = estimatePromptTokens(summary);
  worst.completionTokens = maxOutputTokens * std::max<uint64_t>(1, summary.n);
  worst.images = summary.imageCount;
  return worst;
}

}  // namespace turnpike::billing
