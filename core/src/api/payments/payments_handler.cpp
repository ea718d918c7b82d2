#include "api/payments/payments_handler.hpp"

#include "api/request_body.hpp"
#include "billing/api_keys.hpp"
#include "billing/currency.hpp"
#include "billing/periods.hpp"
#include "billing/pricing.hpp"
#include "http/api_error.hpp"
#include "pipeline/admit_stage.hpp"
#include "util/strings.hpp"

namespace turnpike::api {

using http::ApiError;
using http::Request;
using http::Response;
using nlohmann::json;

namespace {

Response jsonResponse(int status, const json& body) { return Response::json(status, body.dump()); }

// An amount as the client sent it: a JSON number or a decimal string, kept as text.
std::string amountText(const json& value, const char* param) {
  if (value.is_number_unsigned() || value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number_float()) {
    // Floats only for BTC/USD, and only as written: format without losing digits.
    std::string text = value.dump();
    if (text.find('e') != std::string::npos || text.find('E') != std::string::npos)
      throw ApiError(400, "invalid_value", std::string("write '") + param + "' as a decimal string", param);
    return text;
  }
  if (value.is_string()) return value.get<std::string>();
  throw ApiError(400, "invalid_type", std::string("'") + param + "' must be a number or a decimal string", param);
}

std::optional<int64_t> optionalHours(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<int64_t>() <= 0 || it->get<int64_t>() > 24 * 366)
    throw ApiError(400, "invalid_value", std::string("'") + name + "' must be a whole number of hours (1 to 8784)", name);
  return it->get<int64_t>();
}

}  // namespace

void PaymentsHandler::registerRoutes(http::Router& router) {
  auto add = [&](const char* method, const char* path, http::Router::BlockingHandler handler) {
    router.addBlocking(method, path, std::move(handler), kPool);
  };
  add("GET", "/v1/topup/methods", [this](const Request&, const http::PathParams&) { return methods(); });
  add("POST", "/v1/topup", [this](const Request& r, const http::PathParams&) { return lightningTopup(r); });
  add("POST", "/v1/topup/{method}", [this](const Request& r, const http::PathParams& p) { return createTopup(r, p.get("method")); });
  add("GET", "/v1/topup/{id}", [this](const Request&, const http::PathParams& p) { return getTopup(p.get("id")); });
  add("POST", "/v1/tokens", [this](const Request& r, const http::PathParams&) { return tokens(r); });
  add("GET", "/v1/balance", [this](const Request& r, const http::PathParams&) { return balance(r); });
  for (const auto& m : topups_.methods()) {
    for (const auto& route : m.method->routes()) {
      if (!route.is_object() || !route.contains("method") || !route.contains("path")) continue;
      bool loopbackOnly = route.value("loopback_only", false);
      auto* method = m.method;
      router.addBlocking(
          route["method"].get<std::string>(), route["path"].get<std::string>(),
          [this, method, loopbackOnly](const Request& r, const http::PathParams& p) {
            return pluginRoute(*method, loopbackOnly, r, p);
          },
          kPool);
    }
  }
}

std::optional<store::ApiKeyRecord> PaymentsHandler::optionalCaller(const Request& request) {
  auto key = pipeline::presentedKey(request);
  if (!key) return std::nullopt;
  auto a = billing_.authenticate(billing::hashKey(*key), "");
  if (a.refusal != billing::Refusal::None)
    throw ApiError(401, billing::refusalCode(a.refusal), "the API key or spend token is not valid");
  return a.key;
}

Response PaymentsHandler::methods() {
  json data = json::array();
  for (const auto& m : topups_.methods()) {
    json entry = m.description;
    entry["method"] = m.method->name();
    entry["plugin"] = m.method->plugin().name;
    entry["endpoint"] = "/v1/topup/" + m.method->name();
    data.push_back(std::move(entry));
  }
  return jsonResponse(200, json{{"object", "list"}, {"data", std::move(data)}});
}

Response PaymentsHandler::topup(const Request& request, const std::string& method, const std::string& amount,
                                const std::string& currency, std::optional<int64_t> durationHours) {
  auto caller = optionalCaller(request);
  if (!caller && !config_.signupOpen)
    throw ApiError(401, "missing_api_key", "top-ups on this gateway credit an existing account: send its API key");
  std::string error;
  auto converted = billing::toMsat(currency, amount, config_.usdPerBtc, error);
  if (!converted) throw ApiError(400, "invalid_amount", error, "amount");
  billing::TopupService::Request r;
  r.method = method;
  if (caller) r.accountId = caller->accountId;
  r.amountMsat = converted->msat;
  r.currency = currency;
  r.currencyAmount = amount;
  r.rate = converted->rate;
  if (!caller && durationHours) r.tokenDurationMs = *durationHours * 3'600'000;
  auto created = topups_.create(r);
  json out = billing::topupJson(created.topup, billing::nowMs());
  // LightningProx's name for what claims the spend token: the creator's secret, nowhere else.
  out["charge_id"] = created.claimSecret;
  out["credits"] = caller ? json{{"account_id", caller->accountId}} : json{{"spend_token", "POST /v1/tokens once paid"}};
  return jsonResponse(201, out);
}

Response PaymentsHandler::createTopup(const Request& request, const std::string& method) {
  json body = jsonBody(request);
  auto amount = body.find("amount");
  if (amount == body.end()) throw ApiError(400, "missing_required_parameter", "you must provide an amount", "amount");
  std::string currency = body.value("currency", "SATS");
  return topup(request, method, amountText(*amount, "amount"), currency, optionalHours(body, "duration_hours"));
}

Response PaymentsHandler::lightningTopup(const Request& request) {
  json body = jsonBody(request);
  const billing::TopupService::Method* lightning = nullptr;
  for (const auto& m : topups_.methods())
    if (lightning == nullptr && m.method->plugin().name == "lightning") lightning = &m;
  if (lightning == nullptr) throw ApiError(404, "unknown_payment_method", "no Lightning payment method is configured");
  auto sats = body.find("amount_sats");
  if (sats == body.end() || !sats->is_number_integer() || sats->get<int64_t>() <= 0)
    throw ApiError(400, "invalid_value", "'amount_sats' must be a positive whole number", "amount_sats");
  return topup(request, lightning->method->name(), std::to_string(sats->get<int64_t>()), "SATS",
               optionalHours(body, "duration_hours"));
}

Response PaymentsHandler::getTopup(const std::string& id) {
  auto t = topups_.find(id, /*refresh=*/true);
  if (!t) throw ApiError(404, "topup_not_found", "no top-up " + id, "id");
  return jsonResponse(200, billing::topupJson(*t, billing::nowMs()));
}

Response PaymentsHandler::tokens(const Request& request) {
  json body = jsonBody(request);
  auto id = body.find("charge_id");
  if (id == body.end() || !id->is_string())
    throw ApiError(400, "missing_required_parameter", "you must provide the top-up's charge_id", "charge_id");
  auto claimed = topups_.claim(id->get<std::string>());
  auto key = billing_.keyById(claimed.keyId);
  json out{{"token", claimed.token},
           {"account_id", *claimed.topup.accountId},
           {"balance_msat", claimed.balance},
           {"balance_sats", claimed.balance / 1000},
           {"expires_at", key && key->expireAt ? json(*key->expireAt / 1000) : json(nullptr)}};
  return jsonResponse(201, out);
}

int64_t PaymentsHandler::typicalCost(const std::string& accountId) {
  store::usage::HistoryQuery q;
  q.accountId = accountId;
  q.end = billing::nowMs() + 1;
  q.pageCount = 20;
  auto recent = billing_.usageHistory(q);
  int64_t total = 0, n = 0;
  for (const auto& u : recent.rows)
    if (u.cost > 0) total += u.cost, ++n;
  if (n > 0) return total / n;
  // No history: a 500-token prompt and answer on the cheapest paid model.
  int64_t cheapest = 0;
  for (const auto* route : catalog_.all()) {
    int64_t c = billing::costOf(route->model.price, {500, 500, 0, 0, 0}, config_.markupPpm);
    if (c > 0 && (cheapest == 0 || c < cheapest)) cheapest = c;
  }
  return cheapest;
}

Response PaymentsHandler::balance(const Request& request) {
  auto token = pipeline::presentedKey(request);
  if (!token) throw ApiError(401, "missing_api_key", "send the spend token in X-Spend-Token");
  auto a = billing_.authenticate(billing::hashKey(*token), "");
  if (a.refusal == billing::Refusal::UnknownKey) throw ApiError(401, "invalid_api_key", "unknown spend token");
  auto wallet = billing_.wallet(a.key.accountId).value_or(store::Wallet{});
  std::string status = a.refusal == billing::Refusal::RevokedKey   ? "revoked"
                       : a.refusal == billing::Refusal::ExpiredKey ? "expired"
                       : wallet.available() <= 0                   ? "empty"
                                                                   : "active";
  int64_t typical = typicalCost(a.key.accountId);
  return jsonResponse(200, json{{"balance_sats", wallet.available() / 1000},
                                {"balance_msat", wallet.available()},
                                {"requests_left_estimate", typical > 0 ? json(wallet.available() / typical) : json(nullptr)},
                                {"expires_at", a.key.expireAt ? json(*a.key.expireAt / 1000) : json(nullptr)},
                                {"status", status}});
}

Response PaymentsHandler::pluginRoute(plugins::PaymentMethod& method, bool loopbackOnly, const Request& request,
                                      const http::PathParams& params) {
  // A loopback peer that a proxy speaks for may be anyone (nginx on the same host): only a direct
  // loopback client counts. Loopback-only routes do not exist for anyone else.
  bool directLoopback = request.peerIsLoopback && !http::forwardedByProxy(request);
  if (loopbackOnly && !directLoopback)
    throw ApiError(404, "not_found", "no route for " + request.method + " " + request.path);
  json headers = json::object();
  for (const auto& h : request.headers) headers[h.name] = h.value;
  json p = json::object();
  for (const auto& [k, v] : params.all()) p[k] = v;
  json call{{"method", request.method}, {"path", request.path}, {"query", request.query}, {"params", p},
            {"headers", headers},       {"body", request.body},  {"loopback", directLoopback}};
  if (auto key = pipeline::presentedKey(request)) {
    auto a = billing_.authenticate(billing::hashKey(*key), "");
    if (a.refusal == billing::Refusal::None) call["account_id"] = a.key.accountId;
  }
  json reply;
  try {
    reply = method.http(call);
  } catch (const std::exception& e) {
    throw ApiError(502, "payment_method_failed", e.what());
  }
  Response r;
  r.status = reply.value("status", 200);
  if (reply.contains("headers") && reply["headers"].is_object())
    for (auto& [k, v] : reply["headers"].items()) r.headers.push_back({k, v.is_string() ? v.get<std::string>() : v.dump()});
  if (reply.contains("body")) r.body = reply["body"].is_string() ? reply["body"].get<std::string>() : reply["body"].dump();
  bool hasType = false;
  for (const auto& h : r.headers) hasType = hasType || util::iequals(h.name, "content-type");
  if (!hasType) r.headers.push_back({"content-type", "application/json"});
  return r;
}

}  // namespace turnpike::api
