// The operator API, on only when server.admin_token is set (Bearer admin_token):
//   POST /admin/accounts              {name, credit} -> {account_id, api_key}
//   POST /admin/accounts/{id}/credit  {amount, reason, idempotency_key?}
//   GET  /admin/accounts/{id}         account, wallet and keys
//   PATCH /admin/accounts/{id}        {tier}: what routing and pricing scripts see as the tier
#pragma once

#include <string>

#include "api/token_gate.hpp"
#include "billing/billing_service.hpp"
#include "http/router.hpp"

namespace turnpike::api {

class AdminHandler {
 public:
  AdminHandler(billing::BillingService& billing, const TokenGate& gate) : billing_(billing), gate_(gate) {}
  void registerRoutes(http::Router& router);

 private:
  billing::BillingService& billing_;
  const TokenGate& gate_;
};

}  // namespace turnpike::api
