#include "billing/rate_limiter.hpp"

#include <algorithm>
#include <functional>

namespace turnpike::billing {

RateLimiter::Shard& RateLimiter::shardFor(std::string_view identity) {
  return shards_[std::hash<std::string_view>{}(identity) % kShards];
}

RateLimiter::Window& RateLimiter::current(Shard& shard, std::string_view identity, int64_t windowMs, bool aligned,
                                          int64_t nowMs) {
  int64_t minute = nowMs / kMinuteMs;
  if (shard.sweptMinute != minute) {
    // Windows that have ended are dead weight: drop them once a minute.
    std::erase_if(shard.windows, [nowMs](const auto& kv) { return kv.second.end <= nowMs; });
    shard.sweptMinute = minute;
  }
  Window& w = shard.windows[std::string(identity)];
  if (w.end <= nowMs) w = Window{aligned ? (nowMs / windowMs + 1) * windowMs : nowMs + windowMs, 0, 0};
  return w;
}

RateLimiter::Decision RateLimiter::admit(std::string_view identity, const config::RateLimit& limit, uint64_t tokens,
                                         int64_t nowMs) {
  Decision d;
  d.resetAt = (nowMs / kMinuteMs + 1) * 60;
  d.limit = limit.requestsPerMinute;
  if (!limit.limited()) return d;
  Shard& shard = shardFor(identity);
  std::lock_guard lock(shard.mutex);
  Window& w = current(shard, identity, kMinuteMs, true, nowMs);
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
  Shard& shard = shardFor(identity);
  std::lock_guard lock(shard.mutex);
  auto it = shard.windows.find(std::string(identity));
  if (it == shard.windows.end() || it->second.end != (nowMs / kMinuteMs + 1) * kMinuteMs) return;
  it->second.tokens += tokens;
}

RateLimiter::Decision RateLimiter::count(std::string_view identity, uint64_t limit, int64_t windowMs, int64_t nowMs) {
  Decision d;
  d.limit = limit;
  if (limit == 0) return d;
  Shard& shard = shardFor(identity);
  std::lock_guard lock(shard.mutex);
  Window& w = current(shard, identity, windowMs, false, nowMs);
  d.resetAt = (w.end + 999) / 1000;
  if (w.requests >= limit) {
    d.allowed = false;
    d.reason = "events per window";
    d.retryAfter = std::max<int64_t>(1, (w.end - nowMs + 999) / 1000);
    return d;
  }
  ++w.requests;
  d.remaining = limit - w.requests;
  return d;
}

bool RateLimiter::exhausted(std::string_view identity, uint64_t limit, int64_t nowMs) {
  if (limit == 0) return false;
  Shard& shard = shardFor(identity);
  std::lock_guard lock(shard.mutex);
  auto it = shard.windows.find(std::string(identity));
  return it != shard.windows.end() && it->second.end > nowMs && it->second.requests >= limit;
}

}  // namespace turnpike::billing
