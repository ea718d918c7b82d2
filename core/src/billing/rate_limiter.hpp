// Requests and tokens per minute for each caller (an API key or an anonymous identity), in
// fixed one-minute windows; and plain event counts in fixed windows of any length (signups and
// failed token checks per client address). In memory and per process.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.hpp"

namespace turnpike::billing {

class RateLimiter {
 public:
  struct Decision {
    bool allowed = true;
    uint64_t limit = 0;      // requests per window (0: none)
    uint64_t remaining = 0;  // requests left in this window after this one
    int64_t resetAt = 0;     // unix seconds when the window ends
    int64_t retryAfter = 0;  // seconds, when refused
    std::string reason;      // when refused: which limit
  };

  // Counts one request for `identity` if its limits allow it. `tokens` is the prompt estimate
  // (checked against the token limit, counted later by record()).
  Decision admit(std::string_view identity, const config::RateLimit& limit, uint64_t tokens, int64_t nowMs);
  // Adds tokens actually used to the identity's current window.
  void record(std::string_view identity, uint64_t tokens, int64_t nowMs);

  // Counts one event for `identity` unless it had `limit` already in its current window, which
  // opens with its first event and lasts `windowMs` (limit 0: unlimited, nothing counted).
  Decision count(std::string_view identity, uint64_t limit, int64_t windowMs, int64_t nowMs);
  // Whether count() would refuse, counting nothing.
  bool exhausted(std::string_view identity, uint64_t limit, int64_t nowMs);

 private:
  static constexpr int64_t kMinuteMs = 60'000;
  struct Window {
    int64_t end = 0;  // unix ms
    uint64_t requests = 0;
    uint64_t tokens = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Window> windows;
    int64_t sweptMinute = 0;
  };
  Shard& shardFor(std::string_view identity);
  // The identity's window (a fresh one of `windowMs` when it has none or it has ended: aligned
  // to multiples of `windowMs`, or opening at `nowMs`), with windows that ended swept once a
  // minute. Holds the shard's mutex.
  static Window& current(Shard& shard, std::string_view identity, int64_t windowMs, bool aligned, int64_t nowMs);

  static constexpr size_t kShards = 16;
  Shard shards_[kShards];
};

}  // namespace turnpike::billing
