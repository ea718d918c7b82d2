#include "billing/topup_service.hpp"

#include <Poco/Logger.h>

#include <algorithm>

#include "billing/currency.hpp"
#include "billing/periods.hpp"
#include "store/accounts_repository.hpp"
#include "http/api_error.hpp"
#include "util/random.hpp"

namespace turnpike::billing {

using http::ApiError;
using nlohmann::json;
using store::Connection;

namespace {
Poco::Logger& log() { return Poco::Logger::get("topups"); }
}  // namespace

void TopupService::addMethod(plugins::PaymentMethod& m) {
  Method entry{&m, m.describe()};
  const json& d = entry.description;
  entry.minMsat = d.value("min_msat", int64_t{0});
  entry.maxMsat = d.value("max_msat", int64_t{0});
  entry.underpaymentTolerance = d.value("underpayment_tolerance", 0.0);
  if (auto c = d.find("currencies"); c != d.end() && c->is_array())
    for (const auto& currency : *c)
      if (currency.is_string()) entry.currencies.push_back(currency.get<std::string>());
  if (auto l = d.find("limits"); l != d.end() && l->is_object()) {
    for (const auto& [currency, bounds] : l->items()) {
      CurrencyLimit limit;
      limit.min = bounds.is_object() ? bounds.value("min", "0") : "0";
      limit.max = bounds.is_object() ? bounds.value("max", "") : "";
      auto min = parseFixed(limit.min, kLimitScale);
      auto max = limit.max.empty() ? std::optional<int64_t>(0) : parseFixed(limit.max, kLimitScale);
      if (!min || !max)
        throw std::runtime_error("payment method '" + m.name() + "' describes unreadable limits for " + currency);
      limit.minUnits = *min;
      limit.maxUnits = *max;
      entry.limits.emplace(currency, std::move(limit));
    }
  }
  methods_.push_back(std::move(entry));
}

void TopupService::checkCurrency(const Method& m, const Request& request) {
  if (!m.currencies.empty() && std::find(m.currencies.begin(), m.currencies.end(), request.currency) == m.currencies.end()) {
    std::string accepted;
    for (const auto& c : m.currencies) accepted += (accepted.empty() ? "" : ", ") + c;
    throw ApiError(400, "unsupported_currency",
                   "payment method '" + request.method + "' takes amounts in " + accepted, "currency");
  }
  auto limit = m.limits.find(request.currency);
  if (limit == m.limits.end()) return;
  auto units = parseFixed(request.currencyAmount, kLimitScale);
  const CurrencyLimit& l = limit->second;
  if (!units || *units < l.minUnits || (l.maxUnits > 0 && *units > l.maxUnits))
    throw ApiError(400, "amount_out_of_range",
                   (l.max.empty() ? "the amount must be at least " + l.min : "the amount must be between " + l.min + " and " + l.max) +
                       " " + request.currency,
                   "amount");
}

const TopupService::Method* TopupService::method(std::string_view name) const {
  for (const auto& m : methods_)
    if (m.method->name() == name) return &m;
  return nullptr;
}

std::string TopupService::status(const store::Topup& t, int64_t now) {
  if ((t.status == "pending" || t.status == "processing") && now > t.expiresAt) return "expired";
  return t.status;
}

std::string TopupService::statusAfterPayment(const store::Topup& t) const {
  if (t.paid > t.amount) return "overpaid";
  const Method* m = method(t.method);
  double tolerance = m != nullptr ? m->underpaymentTolerance : 0;
  if (t.paid >= t.amount || static_cast<double>(t.amount - t.paid) <= tolerance * static_cast<double>(t.amount))
    return "paid";
  return "underpaid";
}

TopupService::Created TopupService::create(const Request& request) {
  const Method* m = method(request.method);
  if (m == nullptr) throw ApiError(404, "unknown_payment_method", "no payment method '" + request.method + "'", "method");
  checkCurrency(*m, request);
  if (request.amountMsat < m->minMsat || (m->maxMsat > 0 && request.amountMsat > m->maxMsat))
    throw ApiError(400, "amount_out_of_range",
                   "the amount must be between " + std::to_string(m->minMsat / 1000) + " and " +
                       (m->maxMsat > 0 ? std::to_string(m->maxMsat / 1000) : std::string("unlimited")) + " sats",
                   "amount");
  int64_t now = nowMs();
  store::Topup t;
  t.id = "top_" + util::randomBase62(20);
  t.method = request.method;
  t.accountId = request.accountId;
  t.amount = request.amountMsat;
  t.currency = request.currency;
  t.currencyAmount = request.currencyAmount;
  t.rate = request.rate;
  t.tokenDurationMs = request.tokenDurationMs;
  std::string claimSecret = "chg_" + util::randomBase62(32);
  t.claimHash = util::sha256Hex(claimSecret);
  t.createdAt = t.updatedAt = now;
  t.expiresAt = now + 3'600'000;
  billing_.writer().run([&](Connection& c) { store::topups::insert(c, t); });

  json reply;
  try {
    reply = m->method->topupCreate(json{{"topup_id", t.id},
                                        {"amount_msat", t.amount},
                                        {"currency", t.currency},
                                        {"currency_amount", t.currencyAmount},
                                        {"expires_at", t.expiresAt},
                                        {"description", request.description}});
  } catch (const std::exception& e) {
    log().error("top-up " + t.id + " (" + t.method + "): " + e.what());
    billing_.writer().run([&](Connection& c) { store::topups::setStatus(c, t.id, "failed", nowMs()); });
    throw ApiError(502, "payment_method_failed", "the payment method could not create the payment; try again");
  }
  // A refusal meant for the client as it is (a method out of addresses answers 503).
  if (auto refusal = reply.find("error"); refusal != reply.end() && refusal->is_object()) {
    auto text = [&](const char* key, const char* fallback) {
      auto it = refusal->find(key);
      return it != refusal->end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
    };
    auto status = refusal->find("status");
    int64_t code = status != refusal->end() && status->is_number_integer() ? status->get<int64_t>() : 502;
    if (code < 400 || code > 599) code = 502;
    std::string message = text("message", "the payment method refused the top-up");
    log().warning("top-up " + t.id + " (" + t.method + ") refused: " + message);
    billing_.writer().run([&](Connection& c) { store::topups::setStatus(c, t.id, "failed", nowMs()); });
    throw ApiError(static_cast<int>(code), text("code", "payment_method_refused"), message);
  }
  t.externalRef = reply.value("external_ref", "");
  t.details = reply.contains("details") ? reply["details"].dump() : "{}";
  t.expiresAt = reply.value("expires_at", t.expiresAt);
  billing_.writer().run([&](Connection& c) {
    store::topups::setPaymentRequest(c, t.id, *t.externalRef, t.details, t.expiresAt, nowMs());
  });
  return Created{std::move(t), std::move(claimSecret)};
}

bool TopupService::checkPending(const store::Topup& t) {
  if (t.status != "pending" || !t.externalRef) return false;
  const Method* m = method(t.method);
  if (m == nullptr) return false;
  try {
    m->method->topupCheck(json{{"topup_id", t.id},
                               {"amount_msat", t.amount},
                               {"currency", t.currency},
                               {"currency_amount", t.currencyAmount},
                               {"expires_at", t.expiresAt},
                               {"external_ref", *t.externalRef}});
  } catch (const std::exception& e) {
    log().warning("checking top-up " + t.id + ": " + e.what());
  }
  return true;
}

std::optional<store::Topup> TopupService::find(const std::string& id, bool refresh) {
  auto t = billing_.readers().with([&](Connection& c) { return store::topups::find(c, id); });
  if (t && refresh && checkPending(*t)) t = billing_.readers().with([&](Connection& c) { return store::topups::find(c, id); });
  return t;
}

void TopupService::creditPayments(Connection& c, store::Topup& t, int64_t now) {
  if (!t.accountId) return;
  for (const auto& p : store::topups::payments(c, t.id)) {
    if (p.amount <= 0) continue;
    auto out = BillingService::creditIn(c, *t.accountId, p.amount, "topup", t.method + " top-up " + t.id,
                                        "payment:" + p.externalId, now);
    if (out.applied) {
      store::topups::addCredited(c, t.id, p.amount, now);
      t.credited += p.amount;
    }
  }
}

bool TopupService::paymentReceived(const std::string& methodName, std::string_view eventJson) {
  json event = json::parse(eventJson, nullptr, false);
  if (!event.is_object() || !event.contains("topup_id") || !event["topup_id"].is_string() ||
      !event.contains("external_id") || !event["external_id"].is_string() || event["external_id"].get<std::string>().empty())
    throw std::invalid_argument("a payment report needs topup_id and external_id");
  bool settled = event.value("settled", true);
  int64_t amount = 0;
  if (settled) {
    if (!event.contains("amount_msat") || !event["amount_msat"].is_number_integer() || event["amount_msat"].get<int64_t>() < 0)
      throw std::invalid_argument("a settled payment report needs a non-negative integer amount_msat");
    amount = event["amount_msat"].get<int64_t>();
  }
  std::string topupId = event["topup_id"];
  // Namespaced by method: two methods cannot collide on an external id.
  std::string externalId = methodName + ":" + event["external_id"].get<std::string>();
  return billing_.writer().run([&](Connection& c) {
    int64_t now = nowMs();
    auto t = store::topups::find(c, topupId);
    if (!t) throw std::invalid_argument("no top-up " + topupId);
    if (t->method != methodName) throw std::invalid_argument("top-up " + topupId + " belongs to another method");
    if (!settled) {
      if (t->status == "pending") store::topups::setStatus(c, topupId, "processing", now);
      return false;
    }
    if (!store::topups::recordPayment(c, topupId, externalId, amount, now)) return false;
    t->paid += amount;
    store::topups::setStatus(c, topupId, statusAfterPayment(*t), now);
    creditPayments(c, *t, now);
    return true;
  });
}

TopupService::Claimed TopupService::claim(const std::string& claimSecret) {
  // Paid a moment ago: the method's watcher may not have seen it yet, so ask once now.
  auto pending = billing_.readers().with([&](Connection& c) { return store::topups::findByClaim(c, util::sha256Hex(claimSecret)); });
  if (pending) checkPending(*pending);
  return billing_.writer().run([&](Connection& c) {
    int64_t now = nowMs();
    auto t = store::topups::findByClaim(c, util::sha256Hex(claimSecret));
    // A top-up from before claim secrets (schema v5) is claimed by its id, the only thing its
    // creator was given; a newer top-up's id claims nothing.
    if (!t) {
      t = store::topups::find(c, claimSecret);
      if (t && t->claimHash) t.reset();
    }
    // The secret is not echoed: messages name the top-up by its public id.
    if (!t) throw ApiError(404, "topup_not_found", "no top-up has this charge_id", "charge_id");
    if (t->accountId) {
      if (t->keyId) throw ApiError(409, "token_already_issued", "the spend token of this top-up was issued before", "charge_id");
      throw ApiError(409, "topup_credits_an_account", "this top-up credits the account that created it", "charge_id");
    }
    if (t->paid <= 0) throw ApiError(402, "topup_not_paid", "top-up " + t->id + " is " + status(*t, now) + "; pay it first", "charge_id");
    std::optional<int64_t> expireAt;
    if (t->tokenDurationMs) expireAt = now + *t->tokenDurationMs;
    auto created = BillingService::createAccountIn(c, "spend token " + t->id, {"inference", "account"}, expireAt, now);
    store::topups::attachAccount(c, t->id, created.account.id, std::string_view(created.key.record.id), now);
    t->accountId = created.account.id;
    t->keyId = created.key.record.id;
    creditPayments(c, *t, now);
    Claimed out;
    out.topup = *t;
    out.token = created.key.secret;
    out.keyId = created.key.record.id;
    out.balance = store::accounts::wallet(c, created.account.id).value_or(store::Wallet{}).balance;
    return out;
  });
}

json topupJson(const store::Topup& t, int64_t now) {
  json details = json::parse(t.details, nullptr, false);
  json out{{"topup_id", t.id},
           {"object", "topup"},
           {"method", t.method},
           {"status", TopupService::status(t, now)},
           {"amount_msat", t.amount},
           {"amount_sats", (t.amount + 999) / 1000},
           {"currency", t.currency},
           {"currency_amount", t.currencyAmount},
           {"paid_msat", t.paid},
           {"credited_msat", t.credited},
           {"created_at", t.createdAt / 1000},
           {"expires_at", t.expiresAt / 1000}};
  if (!t.rate.empty()) out["rate"] = t.rate;
  if (details.is_object())
    for (auto& [k, v] : details.items())
      if (!out.contains(k)) out[k] = v;
  return out;
}

}  // namespace turnpike::billing
