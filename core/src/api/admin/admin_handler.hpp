// The operator API, on only when server.admin_token is set (Bearer admin_token):
//   POST /admin/accounts              {name, credit} -> {account_id, api_key}
//   POST /admin/accounts/{id}/credit  {amount, reason, idempotency_key?}
//   GET  /admin/accounts/{id}         account, wallet and keys
//   PATCH /admin/accounts/{id}        {tier}: what routing and pricing scripts see as the tier
#pragma once

#include <string>

#include "billing/billing_service.hpp"
#include "http/router.hpp"

namespace turnpike::api {

class AdminHandler {
 public:
  AdminHandler(billing::BillingService& billing, std::string token) : billing_(billing), token_(std::move(token)) {}
  void registerRoutes(http::Router& router);

 private:
  billing::BillingService& billing_;
  std::string token_;
};

}  // namespace turnpike::api
