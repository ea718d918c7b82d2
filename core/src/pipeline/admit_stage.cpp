#include "pipeline/admit_stage.hpp"

#include "billing/api_keys.hpp"
#include "billing/periods.hpp"
#include "billing/pricing.hpp"
#include "http/api_error.hpp"
#include "http/router.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"

namespace turnpike::pipeline {

namespace {

uint64_t maxOutputTokens(const InferenceRequest& request, const ModelRoute& route, const config::BillingConfig& config) {
  if (request.operation == TP_OP_EMBEDDING) return 0;
  if (request.summary.maxTokens) return *request.summary.maxTokens;
  if (route.model.maxOutputTokens > 0) return route.model.maxOutputTokens;
  return config.defaultMaxOutputTokens;
}

http::Response refusal(billing::Refusal r, int64_t available, const std::string& unit) {
  switch (r) {
    case billing::Refusal::UnknownKey:
      return http::errorResponse(401, billing::refusalCode(r), "Incorrect API key provided");
    case billing::Refusal::RevokedKey:
      return http::errorResponse(401, billing::refusalCode(r), "This API key has been revoked");
    case billing::Refusal::ExpiredKey:
      return http::errorResponse(401, billing::refusalCode(r), "This API key has expired");
    case billing::Refusal::MissingScope:
      return http::errorResponse(403, billing::refusalCode(r), "This API key lacks the 'inference' scope");
    case billing::Refusal::InsufficientBalance:
      return http::errorResponse(402, billing::refusalCode(r),
                                 "Insufficient balance: " + std::to_string(available) + " " + unit +
                                     " available, less than this request may cost; top up the account");
    case billing::Refusal::KeyUsageLimit:
      return http::errorResponse(403, billing::refusalCode(r),
                                 "This API key has reached its usage limit for the current period");
    case billing::Refusal::None:
      break;
  }
  return http::errorResponse(500, "internal_error", "internal server error");
}

}  // namespace

std::optional<std::string> presentedKey(const http::Request& request) {
  if (auto auth = request.header("authorization")) {
    std::string_view v = util::trim(*auth);
    if (v.size() >= 6 && util::iequals(v.substr(0, 6), "bearer")) {
      std::string_view token = util::trim(v.substr(6));
      if (!token.empty()) return std::string(token);
    }
  }
  if (auto spend = request.header("x-spend-token")) {
    std::string_view token = util::trim(*spend);
    if (!token.empty()) return std::string(token);
  }
  return std::nullopt;
}

std::string anonymousIdentity(const http::Request& request) {
  if (auto client = request.header("x-client-id"); client && !client->empty())
    return "anon:id:" + std::string(client->substr(0, 128));
  return "anon:" + util::sha256Hex(request.peerAddress + "|" + std::string(request.headerOr("user-agent", ""))).substr(0, 24);
}

int64_t AdmitStage::maxCost(const InferenceRequest& request, const std::vector<const ModelRoute*>& candidates) const {
  int64_t worst = 0;
  for (const auto* route : candidates)
    worst = std::max(worst, billing::maxCostOf(route->model.price, request.summary, maxOutputTokens(request, *route, config_),
                                               config_.markupPpm));
  return worst;
}

bool AdmitStage::rateLimit(http::Exchange& exchange, const std::string& identity, const config::RateLimit& limit,
                           const InferenceRequest& request) {
  if (!limit.limited()) return true;
  auto d = limiter_.admit(identity, limit, billing::estimatePromptTokens(request.summary), billing::nowMs());
  if (limit.requestsPerMinute > 0) {
    exchange.addResponseHeader("X-RateLimit-Limit", std::to_string(d.limit));
    exchange.addResponseHeader("X-RateLimit-Remaining", std::to_string(d.remaining));
    exchange.addResponseHeader("X-RateLimit-Reset", std::to_string(d.resetAt));
  }
  if (d.allowed) return true;
  exchange.addResponseHeader("Retry-After", std::to_string(d.retryAfter));
  exchange.respond(http::errorResponse(429, "rate_limit_exceeded",
                                       "Rate limit reached (" + d.reason + "); retry in " + std::to_string(d.retryAfter) + " s"));
  return false;
}

void AdmitStage::run(const std::shared_ptr<http::Exchange>& exchange, const InferenceRequest& request,
                     const std::vector<const ModelRoute*>& candidates, std::function<void(std::optional<Charging>)> proceed) {
  int64_t amount = maxCost(request, candidates);
  auto key = presentedKey(exchange->request());
  if (!key) {
    if (amount > 0)
      throw http::ApiError(401, "missing_api_key",
                           "The model '" + request.model() +
                               "' is paid: send an API key (Authorization: Bearer) or a spend token (X-Spend-Token)");
    if (!config_.anonymous)
      throw http::ApiError(401, "missing_api_key", "An API key is required (Authorization: Bearer)");
    if (!rateLimit(*exchange, anonymousIdentity(exchange->request()), config_.anonymousLimits, request)) return;
    proceed(std::nullopt);
    return;
  }
  std::string hash = billing::hashKey(*key);
  std::string identity = "key:" + hash.substr(0, 32);
  if (!rateLimit(*exchange, identity, config_.keyLimits, request)) return;
  billing_.admit(billing::AdmitRequest{hash, "inference", amount},
                 [exchange, proceed = std::move(proceed), unit = config_.unit, identity](billing::Admission a,
                                                                                        std::exception_ptr error) mutable {
                   exchange->loop().post([exchange, proceed = std::move(proceed), a = std::move(a), error, unit, identity]() {
                     if (error) {
                       exchange->respond(http::guarded([&]() -> http::Response { std::rethrow_exception(error); }));
                       return;
                     }
                     if (a.refusal != billing::Refusal::None) {
                       exchange->respond(refusal(a.refusal, a.available, unit));
                       return;
                     }
                     proceed(Charging{a.key.accountId, a.key.id, a.tier, a.reservationId, a.held, a.keyHeld, identity});
                   });
                 });
}

}  // namespace turnpike::pipeline
