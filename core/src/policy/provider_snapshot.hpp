// The (provider, model) candidates a routing script chooses from, as one immutable snapshot.
//
// The caller publishes a new snapshot when something in it changes (config reload, model
// discovery, a circuit opening or closing, or periodically for latency and load figures, e.g.
// every 100 ms) and hands the current one to every route() call. Each worker thread converts a
// snapshot to a Lua table once and reuses that table for every call that passes the same snapshot,
// so the snapshot must not be mutated after it is shared, and per-request values never belong here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace turnpike::policy {

// Circuit-breaker state of one candidate.
enum class Health { Ok, Open, HalfOpen };

constexpr std::string_view healthName(Health h) {
  switch (h) {
    case Health::Ok: return "ok";
    case Health::Open: return "open";
    case Health::HalfOpen: return "half_open";
  }
  return "ok";
}

// Seen by scripts as one entry of ctx.providers:
//   {provider, model, capabilities = {...}, price = {input, output}, context_length,
//    health = "ok"|"open"|"half_open", latency_ms, error_rate, in_flight}
struct ProviderCandidate {
  std::string provider;
  std::string model;
  std::vector<std::string> capabilities;  // chat, completions, embeddings, tools, vision, json ...
  int64_t priceInput = 0;                 // billing unit per 1M prompt tokens
  int64_t priceOutput = 0;                // billing unit per 1M completion tokens
  uint64_t contextLength = 0;             // 0 = unknown
  Health health = Health::Ok;
  double latencyEwmaMs = 0;  // time to first byte, exponentially weighted
  double errorRate = 0;      // 0..1 over the recent window
  uint32_t inFlight = 0;     // requests running when the snapshot was taken
};

class ProviderSnapshot {
 public:
  ProviderSnapshot() = default;
  explicit ProviderSnapshot(std::vector<ProviderCandidate> candidates);

  // Configuration order; scripts see the same order in ctx.providers.
  const std::vector<ProviderCandidate>& candidates() const { return candidates_; }
  // The first candidate with this provider name and model id, or nullptr.
  const ProviderCandidate* find(std::string_view provider, std::string_view model) const;

 private:
  std::vector<ProviderCandidate> candidates_;
  std::vector<uint32_t> byName_;  // indices sorted by (provider, model, index)
};

}  // namespace turnpike::policy
