// How each provider and (model, provider) route is doing, for the dispatch stage (which skips
// providers whose circuit is open) and for routing scripts (ctx.providers).
//
// Per provider, a circuit breaker: closed while calls succeed; open after `failures` consecutive
// failures, so the provider is skipped; after the cool-down, half-open: exactly one trial call
// goes through, and its outcome closes the circuit or opens it for another cool-down.
// Per route: requests in flight, time to first byte (EWMA) and error rate (failures among the
// verdicts of the last minute or so, so a provider nobody calls any more is not blamed forever).
//
// Counters are atomics updated from the event loops without locks. The policy::ProviderSnapshot
// the scripts see is rebuilt by refresh() (a timer every 100 ms, when anything changed) and read
// with one atomic load.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "config/config.hpp"
#include "metrics/registry.hpp"
#include "pipeline/model_catalog.hpp"
#include "policy/provider_snapshot.hpp"

namespace turnpike::pipeline {

class HealthTracker {
 public:
  // What dispatch may do with a provider now.
  enum class Pass {
    Closed,  // call it
    Trial,   // call it: this call is the half-open trial; its outcome must be reported
    Open,    // skip it
  };
  enum class Outcome { Success, Failure, Abandoned };  // Abandoned: no verdict (client left, refused locally)

  HealthTracker(const ModelCatalog& catalog, size_t providerCount, const config::CircuitBreakerConfig& options,
                metrics::Registry& registry);

  // Takes an in-flight slot unless the answer is Open.
  Pass acquire(const ModelRoute& route);
  // The attempt's verdict, at most once per acquire(): Success or Failure as soon as the
  // upstream answers (or fails to), Abandoned when there will be none. `firstByte` is the time
  // to the upstream's response head (used for Success only).
  void report(const ModelRoute& route, Pass pass, Outcome outcome, std::chrono::microseconds firstByte);
  // Gives the in-flight slot back, once per acquire() that did not return Open, after report().
  void release(const ModelRoute& route);

  // The latest snapshot, in ModelCatalog::all() order: candidate i is route i.
  std::shared_ptr<const policy::ProviderSnapshot> snapshot() const { return snapshot_.load(std::memory_order_acquire); }
  // The route a snapshot candidate stands for (candidate from any snapshot of this tracker).
  const ModelRoute* routeOf(const policy::ProviderSnapshot& snapshot, const policy::ProviderCandidate& candidate) const;
  policy::Health health(uint32_t providerIndex) const;
  // Publishes a new snapshot if anything changed since the last one.
  void refresh();

  static constexpr int64_t kErrorWindowMs = 60'000;  // error rates cover about this much time
  static constexpr int64_t kWindowStepMs = 10'000;   // ... in steps of this

 private:
  struct alignas(64) Circuit {
    std::atomic<uint32_t> consecutiveFailures{0};
    std::atomic<int64_t> openedAtMs{0};  // 0: closed
    std::atomic<bool> trialRunning{false};
  };
  struct alignas(64) RouteStats {
    std::atomic<int32_t> inFlight{0};
    std::atomic<uint64_t> latencyUs{0};  // EWMA, 1/8 weight per sample
    std::atomic<uint64_t> verdicts{0};   // Success + Failure reports, ever
    std::atomic<uint64_t> failures{0};
  };
  // Counters of every route at one moment, for rates over the window.
  struct Sample {
    int64_t atMs = 0;
    std::vector<uint64_t> verdicts;
    std::vector<uint64_t> failures;
  };

  void opened(const ModelRoute& route);

  const ModelCatalog& catalog_;
  const config::CircuitBreakerConfig options_;
  std::unique_ptr<Circuit[]> circuits_;
  std::unique_ptr<RouteStats[]> routes_;
  std::atomic<uint64_t> changes_{0};
  std::mutex refreshMutex_;  // refresh() state below
  uint64_t publishedChanges_ = ~uint64_t{0};
  std::deque<Sample> samples_;  // oldest first, one per kWindowStepMs
  std::atomic<std::shared_ptr<const policy::ProviderSnapshot>> snapshot_;
  metrics::Family<metrics::Counter>& circuitOpened_;
  metrics::Family<metrics::Gauge>& circuitState_;
};

}  // namespace turnpike::pipeline
