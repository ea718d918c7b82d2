// What a call costs: the pricing script's price(usage, ctx), or the configured price
// (billing::costOf) when the script fails or returns something unusable — counted in
// turnpike_policy_errors_total{function="price"}. The same function quotes the reservation
// (the most a request may cost), so a script's discounts apply to holds as well as charges.
// Models configured free (every price 0) cost 0 without asking the script.
#pragma once

#include <cstdint>
#include <string_view>

#include "billing/pricing.hpp"
#include "metrics/registry.hpp"
#include "pipeline/model_catalog.hpp"
#include "policy/policy_engine.hpp"

namespace turnpike::pipeline {

// Who pays, as the pricing script sees it (ctx.account_id, ctx.tier).
struct Payer {
  std::string_view accountId;
  std::string_view tier;
};

class Pricer {
 public:
  // `engine` null: configured prices only.
  Pricer(policy::PolicyEngine* engine, int64_t markupPpm, metrics::Family<metrics::Counter>& policyErrors)
      : engine_(engine), markupPpm_(markupPpm), errors_(policyErrors) {}

  int64_t cost(const ModelRoute& route, const billing::MeteredUsage& usage, bool stream, const Payer& payer) const;

 private:
  policy::PolicyEngine* engine_;
  int64_t markupPpm_;
  metrics::Family<metrics::Counter>& errors_;
};

}  // namespace turnpike::pipeline
