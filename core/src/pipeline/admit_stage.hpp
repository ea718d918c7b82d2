// The admit stage: whether the caller's rate limits allow the request and — for paid models —
// the reservation of the most the request may cost at any of its routed candidates. Refusals
// are answered here (401, 402 with or without an L402 challenge, 403, 429); an admitted request
// continues with a Charging that says whom to bill.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "billing/billing_service.hpp"
#include "billing/rate_limiter.hpp"
#include "plugins/payment_method.hpp"
#include "config/config.hpp"
#include "http/connection.hpp"
#include "pipeline/identify_stage.hpp"
#include "pipeline/inference_request.hpp"
#include "pipeline/model_catalog.hpp"
#include "pipeline/pricer.hpp"

namespace turnpike::pipeline {

// Whom a request is billed to, and what is held for it.
struct Charging {
  std::string accountId;
  std::string keyId;
  std::string tier;
  int64_t reservationId = 0;
  int64_t held = 0;
  int64_t keyHeld = 0;
  std::string rateIdentity;  // whose token budget the usage counts against
  std::string l402Claim;     // payment hash of a single-use L402 credential claimed for the request
};

class AdmitStage {
 public:
  // Runs a task on a worker pool; false when the pool has no room (answered 503).
  using Offload = std::function<bool(std::function<void()>)>;

  AdmitStage(const config::BillingConfig& config, billing::BillingService& billing, billing::RateLimiter& limiter,
             const Pricer& pricer)
      : config_(config), billing_(billing), limiter_(limiter), pricer_(pricer) {}

  // Turns on L402 through `method` (a payment plugin whose description says "l402": true).
  // Its hooks may block: they run through `offload` (the worker pool).
  void enableL402(plugins::PaymentMethod& method, bool singleUse, Offload offload);

  // Calls `proceed` on the exchange's loop with the charging (nullopt: anonymous, free), or
  // answers the exchange itself. An anonymous caller whose candidates are partly free keeps
  // only the free ones (`candidates` is narrowed): nobody is asked to pay for a fallback.
  void run(const std::shared_ptr<http::Exchange>& exchange, const InferenceRequest& request, const Identity& identity,
           std::vector<const ModelRoute*>& candidates, std::function<void(std::optional<Charging>)> proceed);

  // The most the request may cost at any of its candidates, quoted for `payer`.
  int64_t maxCost(const InferenceRequest& request, const std::vector<const ModelRoute*>& candidates,
                  const Payer& payer) const;

 private:
  // An Authorization: L402/LSAT credential: verified by the payment plugin, then admitted
  // against the credential's own account.
  void admitL402(const std::shared_ptr<http::Exchange>& exchange, const InferenceRequest& request, int64_t amount,
                 const Identity& identity, std::function<void(std::optional<Charging>)> proceed);
  // No credential on a paid request: 402 with an L402 challenge for `amount`.
  void challenge(const std::shared_ptr<http::Exchange>& exchange, const InferenceRequest& request, int64_t amount);

  // Applies the identity's rate limit; answers 429 and returns false when exceeded.
  bool rateLimit(http::Exchange& exchange, const std::string& identity, const config::RateLimit& limit,
                 const InferenceRequest& request);
  // The L402 challenge budgets (each challenge is an invoice on the node): the caller's, then
  // the gateway's; answers 429 and returns false when either is spent.
  bool challengeAllowed(http::Exchange& exchange, const std::string& identity);

  const config::BillingConfig& config_;
  billing::BillingService& billing_;
  billing::RateLimiter& limiter_;
  const Pricer& pricer_;
  plugins::PaymentMethod* l402_ = nullptr;
  bool l402SingleUse_ = true;
  Offload offload_;
};

}  // namespace turnpike::pipeline
