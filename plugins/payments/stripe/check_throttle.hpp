// Limits how often one session is looked up through Stripe's API. The reconcile route is open
// to anyone holding a session id and clients poll GET /v1/topup/{id}; without a limit they could
// spend the account's API rate limit (100 requests/s live) for it.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace turnpike::payments::stripe {

class CheckThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit CheckThrottle(std::chrono::seconds interval, size_t memoryLimit = 100'000)
      : interval_(interval), limit_(memoryLimit) {}

  // True, and the look-up is counted, when `sessionId` was not looked up within the interval.
  bool allow(std::string_view sessionId, Clock::time_point now = Clock::now());
  // Seconds until allow() will be true again (at least 1).
  int64_t retryAfter(std::string_view sessionId, Clock::time_point now = Clock::now());

 private:
  std::chrono::seconds interval_;
  size_t limit_;
  std::mutex mutex_;
  std::unordered_map<std::string, Clock::time_point> last_;
};

}  // namespace turnpike::payments::stripe
