// What a request costs, in integer billing units, and the most it could cost (for the
// reservation). All arithmetic is exact: 128-bit intermediates and one rounding up at the end.
#pragma once

#include <cstdint>

#include "config/config.hpp"
#include "pipeline/request_scan.hpp"

namespace turnpike::billing {

struct MeteredUsage {
  uint64_t promptTokens = 0;
  uint64_t completionTokens = 0;
  uint64_t cachedTokens = 0;  // part of promptTokens: read from the upstream's prompt cache
  uint64_t images = 0;
  uint64_t milliseconds = 0;      // billed per second where the model has a per-second price
  uint64_t cacheWriteTokens = 0;  // part of promptTokens: written to the upstream's prompt cache

  bool operator==(const MeteredUsage&) const = default;
};

// ceil((tokens x per-1M prices / 1e6 + request + images x image + seconds x second) x markup)
int64_t costOf(const config::Price& price, const MeteredUsage& usage, int64_t markupPpm);

// Prompt tokens estimated from the request text, on the high side (3 bytes a token, plus the
// chat framing per message): reservations must not fall short.
uint64_t estimatePromptTokens(const pipeline::RequestSummary& summary);
// Completion tokens estimated from text actually delivered (4 bytes a token).
uint64_t estimateDeliveredTokens(uint64_t deliveredBytes);

// The most a request may use, for its reservation: the prompt estimate plus every token it may
// generate (maxOutputTokens for each of its n choices), with no cache discount.
MeteredUsage worstCaseUsage(const pipeline::RequestSummary& summary, uint64_t maxOutputTokens);

}  // namespace turnpike::billing
