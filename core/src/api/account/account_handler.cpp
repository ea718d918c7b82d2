#include "api/account/account_handler.hpp"

#include <algorithm>

#include "api/account/account_json.hpp"
#include "api/request_body.hpp"
#include "billing/api_keys.hpp"
#include "billing/periods.hpp"
#include "http/api_error.hpp"
#include "pipeline/admit_stage.hpp"
#include "pipeline/refusals.hpp"
#include "util/strings.hpp"

namespace turnpike::api {

using http::ApiError;
using http::Request;
using http::Response;
using nlohmann::json;

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kHourMs = 3'600'000;

Response jsonResponse(int status, const json& body) { return Response::json(status, body.dump()); }

// The key fields of a POST or PATCH body; absent members leave a key as it is. Whether the
// calling key may set them is billing's decision (key_rules.hpp), made when they are written.
struct KeyFields {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::optional<int64_t>> usageLimit;  // inner nullopt: no limit
  std::optional<store::ResetPeriod> resetPeriod;
  std::optional<std::optional<int64_t>> expireAt;    // inner nullopt: never expires

  void applyTo(store::ApiKeyRecord& key) const {
    if (name) key.name = *name;
    if (scopes) key.scopes = *scopes;
    if (usageLimit) key.usageLimit = *usageLimit;
    if (resetPeriod) key.resetPeriod = *resetPeriod;
    if (expireAt) key.expireAt = *expireAt;
  }
};

// Throws ApiError (400) for a malformed field.
KeyFields parseKeyFields(const json& body) {
  KeyFields f;
  if (auto it = body.find("name"); it != body.end()) {
    if (!it->is_string()) throw ApiError(400, "invalid_type", "'name' must be a string", "name");
    f.name = it->get<std::string>().substr(0, 200);
  }
  if (auto it = body.find("scopes"); it != body.end()) {
    if (!it->is_array() || it->empty()) throw ApiError(400, "invalid_type", "'scopes' must be a non-empty array", "scopes");
    std::vector<std::string> scopes;
    const auto& known = billing::knownScopes();
    for (const auto& s : *it) {
      if (!s.is_string() || std::find(known.begin(), known.end(), s.get<std::string>()) == known.end())
        throw ApiError(400, "invalid_value", "scopes are inference, account and keys", "scopes");
      if (std::find(scopes.begin(), scopes.end(), s.get<std::string>()) == scopes.end()) scopes.push_back(s);
    }
    f.scopes = std::move(scopes);
  }
  if (auto it = body.find("usage_limit"); it != body.end()) {
    if (it->is_null()) {
      f.usageLimit = std::optional<int64_t>();
    } else if (it->is_number_integer() && it->get<int64_t>() >= 0) {
      f.usageLimit = it->get<int64_t>();
    } else {
      throw ApiError(400, "invalid_type", "'usage_limit' must be a non-negative integer or null", "usage_limit");
    }
  }
  if (auto it = body.find("reset_period"); it != body.end()) {
    auto period = it->is_string() ? store::parseResetPeriod(it->get<std::string>()) : std::nullopt;
    if (!period) throw ApiError(400, "invalid_value", "'reset_period' is none, daily, weekly or monthly", "reset_period");
    f.resetPeriod = *period;
  }
  if (auto it = body.find("expire_at"); it != body.end()) {
    if (it->is_null()) {
      f.expireAt = std::optional<int64_t>();
    } else if (auto t = parseTime(*it)) {
      f.expireAt = *t;
    } else {
      throw ApiError(400, "invalid_value", "'expire_at' must be unix seconds, an ISO 8601 time or null", "expire_at");
    }
  }
  return f;
}

// The written key of an outcome, or the refusal as an ApiError.
const store::ApiKeyRecord& writtenKey(const billing::KeyOutcome& outcome, const std::string& id) {
  if (!outcome.callerValid) throw ApiError(401, "invalid_api_key", "the calling key was revoked or has expired");
  if (!outcome.ruling.allowed())
    throw ApiError(403, billing::keyRulingCode(outcome.ruling.verdict), outcome.ruling.message, outcome.ruling.param);
  if (!outcome.key) throw ApiError(404, "key_not_found", "no key " + id + " on this account", "id");
  return *outcome.key;
}

int queryInt(const Request& request, const char* name, int fallback, int min, int max) {
  auto v = request.queryParam(name);
  if (!v || v->empty()) return fallback;
  auto n = util::parseUint(*v);
  if (!n || static_cast<int64_t>(*n) < min || static_cast<int64_t>(*n) > max)
    throw ApiError(400, "invalid_value",
                   std::string("'") + name + "' must be an integer from " + std::to_string(min) + " to " + std::to_string(max),
                   name);
  return static_cast<int>(*n);
}

std::optional<int64_t> queryTime(const Request& request, const char* name) {
  auto v = request.queryParam(name);
  if (!v || v->empty()) return std::nullopt;
  auto seconds = util::parseUint(*v);
  json value = seconds ? json(*seconds) : json(*v);
  auto t = parseTime(value);
  if (!t) throw ApiError(400, "invalid_value", std::string("'") + name + "' must be YYYY-MM-DD, ISO 8601 or unix seconds", name);
  return t;
}

}  // namespace

void AccountHandler::registerRoutes(http::Router& router) {
  auto bind = [this](auto method) {
    return [this, method](const Request& r, const http::PathParams&) { return (this->*method)(r); };
  };
  auto bindId = [this](auto method) {
    return [this, method](const Request& r, const http::PathParams& p) { return (this->*method)(r, p.get("id")); };
  };
  router.addBlocking("POST", "/v1/accounts", bind(&AccountHandler::signup));
  router.addBlocking("GET", "/v1/me", bind(&AccountHandler::me));
  router.addBlocking("GET", "/v1/credits/ledger", bind(&AccountHandler::ledger));
  router.addBlocking("GET", "/v1/usage/history", bind(&AccountHandler::usageHistory));
  router.addBlocking("GET", "/v1/keys", bind(&AccountHandler::listKeys));
  router.addBlocking("POST", "/v1/keys", bind(&AccountHandler::createKey));
  router.addBlocking("GET", "/v1/keys/{id}", bindId(&AccountHandler::getKey));
  router.addBlocking("PATCH", "/v1/keys/{id}", bindId(&AccountHandler::patchKey));
  router.addBlocking("DELETE", "/v1/keys/{id}", bindId(&AccountHandler::deleteKey));
}

store::ApiKeyRecord AccountHandler::caller(const Request& request, const char* scope) {
  auto key = pipeline::presentedKey(request);
  if (!key) throw ApiError(401, "missing_api_key", "send an API key (Authorization: Bearer, x-api-key) or X-Spend-Token");
  auto a = billing_.authenticate(billing::hashKey(*key), scope);
  switch (a.refusal) {
    case billing::Refusal::None: return a.key;
    case billing::Refusal::MissingScope:
      throw ApiError(403, billing::refusalCode(a.refusal), std::string("this API key lacks the '") + scope + "' scope");
    case billing::Refusal::RevokedKey: throw ApiError(401, billing::refusalCode(a.refusal), "This API key has been revoked");
    case billing::Refusal::ExpiredKey: throw ApiError(401, billing::refusalCode(a.refusal), "This API key has expired");
    default: throw ApiError(401, billing::refusalCode(billing::Refusal::UnknownKey), "Incorrect API key provided");
  }
}

Response AccountHandler::signup(const Request& request) {
  if (!config_.signupOpen) throw ApiError(403, "signup_closed", "accounts are created by the operator on this gateway");
  json body = jsonBody(request);
  std::string name;
  if (auto it = body.find("name"); it != body.end()) {
    if (!it->is_string()) throw ApiError(400, "invalid_type", "'name' must be a string", "name");
    name = it->get<std::string>().substr(0, 200);
  }
  auto d = limiter_.count("signup:" + pipeline::clientBucket(request), config_.signupPerHour, kHourMs, billing::nowMs());
  if (!d.allowed) return pipeline::rateLimitResponse(d, "accounts created from this address per hour");
  auto created = billing_.createAccount(name, config_.signupCredit, "signup credit");
  return jsonResponse(201, json{{"account_id", created.account.id},
                                {"api_key", created.key.secret},
                                {"key_id", created.key.record.id},
                                {"balance", created.balance},
                                {"unit", config_.unit}});
}

Response AccountHandler::me(const Request& request) {
  auto key = caller(request, "account");
  auto account = billing_.account(key.accountId);
  auto wallet = billing_.wallet(key.accountId);
  if (!account || !wallet) throw ApiError(404, "account_not_found", "the key's account no longer exists");
  int64_t now = billing::nowMs();
  json body{{"object", "account"},
            {"account_id", account->id},
            {"name", account->name},
            {"tier", account->tier},
            {"created_at", account->createdAt / 1000},
            {"balance", wallet->balance},
            {"reserved", wallet->reserved},
            {"available", wallet->available()},
            {"unit", config_.unit},
            {"key", keyJson(key, now)},
            {"spend_this_period", billing::BillingService::spentThisPeriod(key, now)}};
  return jsonResponse(200, body);
}

Response AccountHandler::ledger(const Request& request) {
  auto key = caller(request, "account");
  int limit = queryInt(request, "limit", 20, 1, 100);
  std::optional<int64_t> cursor;
  if (auto c = request.queryParam("cursor"); c && !c->empty()) {
    auto id = util::parseUint(*c);
    if (!id) throw ApiError(400, "invalid_value", "'cursor' is the next_cursor of a previous page", "cursor");
    cursor = static_cast<int64_t>(*id);
  }
  // One extra row tells whether there is a next page.
  auto rows = billing_.ledgerPage(key.accountId, cursor, limit + 1);
  bool more = static_cast<int>(rows.size()) > limit;
  if (more) rows.pop_back();
  json data = json::array();
  for (const auto& e : rows) data.push_back(ledgerJson(e));
  return jsonResponse(200, json{{"object", "list"},
                                {"data", std::move(data)},
                                {"has_more", more},
                                {"next_cursor", more ? json(std::to_string(rows.back().id)) : json(nullptr)}});
}

Response AccountHandler::usageHistory(const Request& request) {
  auto key = caller(request, "account");
  int64_t now = billing::nowMs();
  store::usage::HistoryQuery q;
  q.accountId = key.accountId;
  q.end = now + 1;
  q.start = now - 30 * kDayMs;
  if (auto start = queryTime(request, "start_date")) q.start = *start;
  if (auto end = queryTime(request, "end_date")) {
    // A date alone means the whole day.
    auto raw = *request.queryParam("end_date");
    q.end = raw.size() == 10 && raw[4] == '-' ? *end + kDayMs : *end + 1;
  }
  if (q.end <= q.start) throw ApiError(400, "invalid_value", "'end_date' must not be before 'start_date'", "end_date");
  if (auto model = request.queryParam("model"); model && !model->empty()) q.model = *model;
  bool allKeys = request.queryParam("all_keys").value_or("") == "true";
  if (!allKeys) q.keyId = key.id;
  q.page = queryInt(request, "page", 1, 1, 1'000'000);
  q.pageCount = queryInt(request, "page_count", 20, 1, 100);
  auto page = billing_.usageHistory(q);
  json data = json::array();
  for (const auto& u : page.rows) data.push_back(usageJson(u));
  int64_t pages = (page.total + q.pageCount - 1) / q.pageCount;
  return jsonResponse(200, json{{"object", "list"},
                                {"data", std::move(data)},
                                {"total_cost", page.totalCost},
                                {"unit", config_.unit},
                                {"pagination",
                                 {{"page", q.page}, {"page_count", q.pageCount}, {"total", page.total}, {"total_pages", pages}}}});
}

Response AccountHandler::listKeys(const Request& request) {
  auto key = caller(request, "keys");
  int64_t now = billing::nowMs();
  json data = json::array();
  for (const auto& k : billing_.listKeys(key.accountId)) data.push_back(keyJson(k, now));
  return jsonResponse(200, json{{"object", "list"}, {"data", std::move(data)}});
}

Response AccountHandler::createKey(const Request& request) {
  auto key = caller(request, "keys");
  auto fields = parseKeyFields(jsonBody(request));
  // Unless asked for more, a new key can call models and expires with the key that made it.
  store::ApiKeyRecord k;
  k.scopes = {"inference"};
  k.expireAt = key.expireAt;
  fields.applyTo(k);
  auto outcome = billing_.createKeyAs(key, billing::KeySpec{k.name, k.scopes, k.usageLimit, k.resetPeriod, k.expireAt});
  json out = keyJson(writtenKey(outcome, ""), billing::nowMs());
  out["api_key"] = outcome.secret;
  return jsonResponse(201, out);
}

Response AccountHandler::getKey(const Request& request, const std::string& id) {
  auto key = caller(request, "keys");
  auto k = billing_.key(key.accountId, id);
  if (!k) throw ApiError(404, "key_not_found", "no key " + id + " on this account", "id");
  return jsonResponse(200, keyJson(*k, billing::nowMs()));
}

Response AccountHandler::patchKey(const Request& request, const std::string& id) {
  auto key = caller(request, "keys");
  auto fields = parseKeyFields(jsonBody(request));
  auto outcome = billing_.changeKeyAs(key, id, [&](store::ApiKeyRecord& k) { fields.applyTo(k); });
  return jsonResponse(200, keyJson(writtenKey(outcome, id), billing::nowMs()));
}

Response AccountHandler::deleteKey(const Request& request, const std::string& id) {
  auto key = caller(request, "keys");
  writtenKey(billing_.revokeKeyAs(key, id), id);
  return jsonResponse(200, json{{"id", id}, {"object", "api_key"}, {"deleted", true}, {"revoked", true}});
}

}  // namespace turnpike::api
