// The account API, authenticated by an API key (Authorization: Bearer or X-Spend-Token):
//   POST /v1/accounts           open signup -> {account_id, api_key}, billing.signup_per_hour per address
//   GET  /v1/me                 account, balance, the key in use, its spending this period
//   GET  /v1/credits/ledger     ledger entries, newest first (limit, cursor)
//   GET  /v1/usage/history      usage rows (start_date, end_date, model, page, page_count, all_keys)
//   GET|POST /v1/keys, GET|PATCH|DELETE /v1/keys/{id}
// All blocking (store) work: the handlers run on the worker pool.
#pragma once

#include "billing/billing_service.hpp"
#include "billing/rate_limiter.hpp"
#include "config/config.hpp"
#include "http/router.hpp"

namespace turnpike::api {

class AccountHandler {
 public:
  AccountHandler(billing::BillingService& billing, const config::BillingConfig& config, billing::RateLimiter& limiter)
      : billing_(billing), config_(config), limiter_(limiter) {}
  void registerRoutes(http::Router& router);

 private:
  // The calling key, which must hold `scope`; throws ApiError (401/403).
  store::ApiKeyRecord caller(const http::Request& request, const char* scope);

  http::Response signup(const http::Request& request);
  http::Response me(const http::Request& request);
  http::Response ledger(const http::Request& request);
  http::Response usageHistory(const http::Request& request);
  http::Response listKeys(const http::Request& request);
  http::Response createKey(const http::Request& request);
  http::Response getKey(const http::Request& request, const std::string& id);
  http::Response patchKey(const http::Request& request, const std::string& id);
  http::Response deleteKey(const http::Request& request, const std::string& id);

  billing::BillingService& billing_;
  const config::BillingConfig& config_;
  billing::RateLimiter& limiter_;
};

}  // namespace turnpike::api
