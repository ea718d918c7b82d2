#include "billing/rate_limiter.hpp"

#include <functional>

namespace turnpike::billing {

RateLimiter::Shard& RateLimiter::shardFor(std::string_view identity) {
  return shards_[std::hash<std::string_view>{}(identity) % kShards];
}

RateLimiter::Decision RateLimiter::admit(std::string_view identity, const config::RateLimit& limit, uint64_t tokens,
                                         int64_t nowMs) {
  Decision d;
  int64_t minute = nowMs / 60'000;
  d.resetAt = (minute + 1) * 60;
  d.limit = limit.requestsPerMinute;
  if (!limit.limited()) return d;
  Shard& shard = shardFor(identity);
  std::lock_guard lock(shard.mutex);
  if (shard.sweptMinute != minute) {
    // Windows of past minutes are dead weight: drop them once a minute.
    std::erase_if(shard.windows, [minute](const auto& kv) { return kv.second.minute != minute; });
    shard.sweptMinute = minute;
  }
  Window& w = shard.windows[std::string(identity)];
  if (w.minute != minute) w = Window{minute, 0, 0};
  int64_t retry = std::max<int64_t>(1, d.resetAt - nowMs / 1000);
  if (limit.requestsPerMinute > 0 && w.requests >= limit.requestsPerMinute) {
    d.allowed = false;
    d.reason = "requests per minute";
  } else if (limit.tokensPerMinute > 0 && w.tokens + tokens > limit.tokensPerMinute && w.requests > 0) {
    // A first request larger than the whole budget still goes through once per window.
    d.allowed = false;
    d.reason = "tokens per minute";
  }
  if (!d.allowed) {
    d.retryAfter = retry;
    d.remaining = 0;
    return d;
  }
  ++w.requests;
  d.remaining = limit.requestsPerMinute > 0 ? limit.requestsPerMinute - w.requests : 0;
  return d;
}

void RateLimiter::record(std::string_view identity, uint64_t tokens, int64_t nowMs) {
  int64_t minute = nowMs / 60'000;
  Shard& shard = shardFor(identity);
  std::lock_guard lock(shard.mutex);
  auto it = shard.windows.find(std::string(identity));
  if (it == shard.windows.end() || it->second.minute != minute) return;
  it->second.tokens += tokens;
}

}  // namespace turnpike::billing
