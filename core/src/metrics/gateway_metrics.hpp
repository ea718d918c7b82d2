// The gateway's own metric families, registered once.
#pragma once

#include <string_view>

#include "metrics/registry.hpp"

namespace turnpike::metrics {

struct GatewayMetrics {
  explicit GatewayMetrics(Registry& registry);

  Registry& registry;
  Family<Counter>& httpRequests;        // route, method, status
  Family<Histogram>& httpDuration;      // route
  Family<Counter>& requests;            // provider, model, status
  Family<Histogram>& requestDuration;   // provider, model
  Family<Histogram>& upstreamLatency;   // provider, model: time to the upstream's response head
  Family<Counter>& upstreamAttempts;    // provider, outcome
  Family<Counter>& tokens;              // provider, model, type
  Family<Counter>& errors;              // provider, model, code
  Family<Gauge>& inflight;              // (none)
  Family<Counter>& policyErrors;        // function (route, price), kind: a script failed, the default applied
  Family<Counter>& usageEstimated;      // provider, reason (missing, cut): billed on the gateway's own count
  Family<Counter>& shortfall;           // provider: billing unit used but not covered by the wallet or key limit
};

}  // namespace turnpike::metrics
