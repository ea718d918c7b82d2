// LND's invoice stream (GET /v1/invoices/subscribe: newline-delimited {"result": Invoice}) read
// on a thread of its own, so settlements are reported the moment the node sees them. Each
// connection resumes from the last settle_index seen (kept in the state), so nothing settled
// while disconnected is missed; failures reconnect with backoff, and the watcher's polling
// stays the fallback. The host HTTP client cannot be interrupted: a connection lasts at most
// the configured window, which bounds how long destruction waits for the thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "lightning/node_client.hpp"

namespace turnpike::payments::lightning {

class LndSubscription {
 public:
  using OnSettled = std::function<void(std::string_view paymentHash, uint64_t amountPaidMsat)>;

  LndSubscription(const NodeClient& client, int64_t windowSeconds, OnSettled onSettled);
  ~LndSubscription();
  LndSubscription(const LndSubscription&) = delete;
  LndSubscription& operator=(const LndSubscription&) = delete;

 private:
  void run();
  // One connection; true when the node answered 200 (the stream worked, even if it ended).
  bool connectOnce();
  // False to drop the connection.
  bool onLine(std::string_view line);
  // Sleeps unless stopping; false when stopping.
  bool pause(std::chrono::milliseconds delay);

  const NodeClient& client_;
  int64_t windowSeconds_;
  OnSettled onSettled_;
  uint64_t settleIndex_ = 0;

  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace turnpike::payments::lightning
