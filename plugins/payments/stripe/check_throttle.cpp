#include "stripe/check_throttle.hpp"

#include <algorithm>

namespace turnpike::payments::stripe {

bool CheckThrottle::allow(std::string_view sessionId, Clock::time_point now) {
  if (interval_.count() == 0) return true;
  std::lock_guard lock(mutex_);
  std::string key(sessionId);
  auto it = last_.find(key);
  if (it != last_.end()) {
    if (now - it->second < interval_) return false;
    it->second = now;
    return true;
  }
  // A crude bound: forgetting every session allows one extra look-up each, never a wrong credit.
  if (last_.size() >= limit_) last_.clear();
  last_.emplace(std::move(key), now);
  return true;
}

int64_t CheckThrottle::retryAfter(std::string_view sessionId, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = last_.find(std::string(sessionId));
  if (it == last_.end()) return 1;
  auto left = std::chrono::duration_cast<std::chrono::seconds>(interval_ - (now - it->second)).count();
  return std::max<int64_t>(1, left + 1);
}

}  // namespace turnpike::payments::stripe
