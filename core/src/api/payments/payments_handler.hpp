// Payments over HTTP:
//   GET  /v1/topup/methods            the enabled payment methods, limits and currencies
//   POST /v1/topup/{method}           {amount, currency: SATS|BTC|USD[, duration_hours]}
//   POST /v1/topup                    LightningProx: {amount_sats, duration_hours} on Lightning
//   GET  /v1/topup/{id}               status and amounts (the method looks again while pending)
//   POST /v1/tokens                   {charge_id} -> the spend token of a paid anonymous top-up
//   GET  /v1/balance                  a spend token's balance (X-Spend-Token)
// plus the routes payment plugins declare (webhooks, the dev wallet). A top-up made with an API
// key credits that key's account; one without (billing.signup: open) is claimed as a token.
#pragma once

#include "billing/billing_service.hpp"
#include "billing/topup_service.hpp"
#include "http/router.hpp"
#include "pipeline/model_catalog.hpp"

namespace turnpike::api {

class PaymentsHandler {
 public:
  // The worker pool every payment route runs on (and L402 checks): calls to nodes, Stripe and
  // explorers may take seconds, and must not hold the threads other work needs.
  static constexpr const char* kPool = "payments";

  PaymentsHandler(billing::TopupService& topups, billing::BillingService& billing, const config::BillingConfig& config,
                  const pipeline::ModelCatalog& catalog)
      : topups_(topups), billing_(billing), config_(config), catalog_(catalog) {}
  void registerRoutes(http::Router& router);

 private:
  // The account of a valid API key on the request; nullopt without one; 401 for a bad one.
  std::optional<store::ApiKeyRecord> optionalCaller(const http::Request& request);
  http::Response topup(const http::Request& request, const std::string& method, const std::string& amount,
                       const std::string& currency, std::optional<int64_t> durationHours);
  http::Response methods();
  http::Response createTopup(const http::Request& request, const std::string& method);
  http::Response lightningTopup(const http::Request& request);
  http::Response getTopup(const std::string& id);
  http::Response tokens(const http::Request& request);
  http::Response balance(const http::Request& request);
  http::Response pluginRoute(plugins::PaymentMethod& method, bool loopbackOnly, const http::Request& request,
                             const http::PathParams& params);
  // What a typical request costs, for requests_left_estimate; 0 when unknown.
  int64_t typicalCost(const std::string& accountId);

  billing::TopupService& topups_;
  billing::BillingService& billing_;
  const config::BillingConfig& config_;
  const pipeline::ModelCatalog& catalog_;
};

}  // namespace turnpike::api
