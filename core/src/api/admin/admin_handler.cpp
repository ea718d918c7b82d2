#include "api/admin/admin_handler.hpp"

#include "api/account/account_json.hpp"
#include "api/request_body.hpp"
#include "billing/periods.hpp"
#include "http/api_error.hpp"
#include "util/strings.hpp"

namespace turnpike::api {

using http::ApiError;
using http::Request;
using http::Response;
using nlohmann::json;

void AdminHandler::registerRoutes(http::Router& router) {
  router.addBlocking("POST", "/admin/accounts", [this](const Request& r, const http::PathParams&) {
    if (auto refused = gate_.refusal(r)) return std::move(*refused);
    json body = jsonBody(r);
    std::string name;
    int64_t credit = 0;
    if (auto it = body.find("name"); it != body.end()) {
      if (!it->is_string()) throw ApiError(400, "invalid_type", "'name' must be a string", "name");
      name = it->get<std::string>();
    }
    if (auto it = body.find("credit"); it != body.end()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 0)
        throw ApiError(400, "invalid_type", "'credit' must be a non-negative integer", "credit");
      credit = it->get<int64_t>();
    }
    auto created = billing_.createAccount(name, credit, "admin credit");
    return Response::json(201, json{{"account_id", created.account.id},
                                    {"api_key", created.key.secret},
                                    {"key_id", created.key.record.id},
                                    {"balance", created.balance}}
                                   .dump());
  });
  router.addBlocking("POST", "/admin/accounts/{id}/credit", [this](const Request& r, const http::PathParams& p) {
    if (auto refused = gate_.refusal(r)) return std::move(*refused);
    json body = jsonBody(r);
    auto amount = body.find("amount");
    if (amount == body.end() || !amount->is_number_integer() || amount->get<int64_t>() == 0)
      throw ApiError(400, "invalid_type", "'amount' must be a non-zero integer (negative: an adjustment)", "amount");
    std::string reason = body.value("reason", "");
    std::optional<std::string> idempotencyKey;
    if (auto it = body.find("idempotency_key"); it != body.end() && !it->is_null()) {
      if (!it->is_string() || it->get<std::string>().empty())
        throw ApiError(400, "invalid_type", "'idempotency_key' must be a non-empty string", "idempotency_key");
      idempotencyKey = "admin:" + it->get<std::string>();
    }
    billing::CreditOutcome out;
    try {
      out = billing_.credit(p.get("id"), amount->get<int64_t>(), amount->get<int64_t>() > 0 ? "credit" : "adjustment",
                            reason, idempotencyKey);
    } catch (const std::invalid_argument& e) {
      bool unknown = std::string(e.what()).rfind("no account", 0) == 0;
      throw ApiError(unknown ? 404 : 409, unknown ? "account_not_found" : "insufficient_balance", e.what(), "amount");
    }
    return Response::json(200, json{{"account_id", p.get("id")},
                                    {"balance", out.balance},
                                    {"ledger_id", out.ledgerId},
                                    {"applied", out.applied}}
                                   .dump());
  });
  router.addBlocking("GET", "/admin/accounts/{id}", [this](const Request& r, const http::PathParams& p) {
    if (auto refused = gate_.refusal(r)) return std::move(*refused);
    auto account = accountJson(billing_, p.get("id"));
    if (!account) throw ApiError(404, "account_not_found", "no account " + p.get("id"), "id");
    return Response::json(200, account->dump());
  });
  router.addBlocking("PATCH", "/admin/accounts/{id}", [this](const Request& r, const http::PathParams& p) {
    if (auto refused = gate_.refusal(r)) return std::move(*refused);
    json body = jsonBody(r);
    for (const auto& [key, _] : body.items())
      if (key != "tier") throw ApiError(400, "unknown_parameter", "'" + key + "' cannot be changed here; 'tier' can", key);
    auto tier = body.find("tier");
    if (tier == body.end() || !tier->is_string() || tier->get<std::string>().empty() || tier->get<std::string>().size() > 64)
      throw ApiError(400, "invalid_type", "'tier' must be a string of 1 to 64 characters", "tier");
    if (!billing_.setTier(p.get("id"), tier->get<std::string>()))
      throw ApiError(404, "account_not_found", "no account " + p.get("id"), "id");
    return Response::json(200, accountJson(billing_, p.get("id")).value_or(json::object()).dump());
  });
}

}  // namespace turnpike::api
