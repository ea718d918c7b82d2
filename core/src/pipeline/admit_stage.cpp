#include "pipeline/admit_stage.hpp"

#include <Poco/Logger.h>

#include <algorithm>

#include "billing/api_keys.hpp"
#include "billing/periods.hpp"
#include "billing/pricing.hpp"
#include "http/api_error.hpp"
#include "http/router.hpp"
#include "pipeline/refusals.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"

namespace turnpike::pipeline {


int64_t AdmitStage::maxCost(const InferenceRequest& request, const std::vector<const ModelRoute*>& candidates,
                            const Payer& payer) const {
  int64_t worst = 0;
  for (const auto* route : candidates) {
    auto usage = billing::worstCaseUsage(request.summary, outputCeiling(request, route->model, config_));
    // Every prompt token may be written to the upstream's cache, where that costs more.
    if (route->model.price.cacheWrite > route->model.price.input) usage.cacheWriteTokens = usage.promptTokens;
    worst = std::max(worst, pricer_.cost(*route, usage, request.stream(), payer));
  }
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
  exchange.respond(rateLimitResponse(d, d.reason));
  return false;
}

bool AdmitStage::challengeAllowed(http::Exchange& exchange, const std::string& identity) {
  // Per caller first, so that one caller's flood spends its own budget before everyone's.
  int64_t now = billing::nowMs();
  auto mine = limiter_.admit("challenge:" + identity, config_.challengeLimits, 0, now);
  if (!mine.allowed) {
    exchange.respond(rateLimitResponse(mine, "payment challenges from this client"));
    return false;
  }
  auto all = limiter_.admit("challenge:*", config_.challengeTotal, 0, now);
  if (!all.allowed) {
    exchange.respond(rateLimitResponse(all, "payment challenges on this gateway"));
    return false;
  }
  return true;
}

void AdmitStage::enableL402(plugins::PaymentMethod& method, bool singleUse, Offload offload) {
  l402_ = &method;
  l402SingleUse_ = singleUse;
  offload_ = std::move(offload);
}


void AdmitStage::challenge(const std::shared_ptr<http::Exchange>& exchange, const InferenceRequest& request,
                           int64_t amount) {
  nlohmann::json call{{"amount_msat", amount},
                      {"path", exchange->request().path},
                      {"description", "Turnpike: " + request.model() + " request"}};
  bool queued = offload_([this, exchange, call = std::move(call)] {
    http::Response response = http::guarded([&] {
      auto reply = l402_->challenge(call);
      auto r = http::errorResponse(402, "payment_required",
                                   "Payment required: pay the invoice and retry with "
                                   "Authorization: L402 <macaroon>:<preimage>, or use an API key");
      // The challenge data goes into the OpenAI-style body too, for clients that read JSON.
      auto body = nlohmann::json::parse(r.body);
      body["payment"] = reply.value("payment", nlohmann::json::object());
      r.body = body.dump();
      for (const auto& h : reply.value("headers", nlohmann::json::array()))
        if (h.is_array() && h.size() == 2) r.headers.push_back({h[0].get<std::string>(), h[1].get<std::string>()});
      return r;
    });
    exchange->respondFromAnyThread(std::move(response));
  });
  if (!queued) exchange->respond(http::busyResponse());
}

void AdmitStage::admitL402(const std::shared_ptr<http::Exchange>& exchange, const InferenceRequest& request,
                           int64_t amount, const Identity& identity,
                           std::function<void(std::optional<Charging>)> proceed) {
  nlohmann::json call{{"authorization", identity.authorization},
                      {"path", exchange->request().path},
                      {"now", billing::nowMs() / 1000}};
  bool queued = offload_([this, exchange, amount, call = std::move(call), proceed = std::move(proceed),
                          rate = identity.rateIdentity]() mutable {
    nlohmann::json verdict;
    try {
      verdict = l402_->authorize(call);
    } catch (const std::exception& e) {
      Poco::Logger::get("payments").warning(std::string("L402 check failed: ") + e.what());
      auto response = http::errorResponse(502, "payment_method_failed", "the L402 credential could not be checked");
      exchange->respondFromAnyThread(std::move(response));
      return;
    }
    if (!verdict.value("ok", false)) {
      auto response = http::errorResponse(verdict.value("status", 401), verdict.value("code", "l402_invalid"),
                                          verdict.value("message", "the L402 credential is not valid"));
      exchange->respondFromAnyThread(std::move(response));
      return;
    }
    std::string hash = verdict.value("payment_hash", "");
    int64_t paid = verdict.value("amount_msat", int64_t{0});
    std::optional<int64_t> expiresAt;
    if (verdict.contains("expires_at") && verdict["expires_at"].is_number_integer())
      expiresAt = verdict["expires_at"].get<int64_t>() * 1000;
    billing_.admitL402(
        hash, paid, expiresAt, l402SingleUse_, amount,
        [exchange, proceed = std::move(proceed), rate, hash](billing::L402Admission a, std::exception_ptr error) mutable {
          exchange->loop().post([exchange, proceed = std::move(proceed), a = std::move(a), error, rate, hash]() {
            if (error) {
              exchange->respond(http::guarded([&]() -> http::Response { std::rethrow_exception(error); }));
              return;
            }
            switch (a.refusal) {
              case billing::L402Admission::Refusal::CredentialUsed:
                exchange->respond(http::errorResponse(401, "l402_credential_used",
                                                      "this L402 credential has paid for a request already"));
                return;
              case billing::L402Admission::Refusal::CredentialInUse:
                // Not a bad credential: if the request it pays for fails, it works again.
                exchange->respond(http::errorResponse(409, "l402_credential_in_use",
                                                      "this L402 credential is paying for a request in flight; "
                                                      "it can be used again if that request fails"));
                return;
              case billing::L402Admission::Refusal::InsufficientBalance:
                exchange->respond(http::errorResponse(
                    402, "insufficient_balance",
                    "the L402 credential has " + std::to_string(a.available) + " msat left, less than this request may cost"));
                return;
              case billing::L402Admission::Refusal::None:
                break;
            }
            http::continueGuarded(*exchange, [&] {
              proceed(Charging{a.accountId, "", "", a.reservationId, a.held, 0, rate, a.claimed ? hash : std::string()});
            });
          });
        });
  });
  if (!queued) exchange->respond(http::busyResponse());
}

void AdmitStage::run(const std::shared_ptr<http::Exchange>& exchange, const InferenceRequest& request,
                     const Identity& identity, std::vector<const ModelRoute*>& candidates,
                     std::function<void(std::optional<Charging>)> proceed) {
  int64_t amount = maxCost(request, candidates, Payer{identity.accountId, identity.tier});
  if (amount > 0 && identity.kind == Identity::Kind::Anonymous &&
      std::any_of(candidates.begin(), candidates.end(), [](const ModelRoute* r) { return r->model.price.isFree(); })) {
    std::erase_if(candidates, [](const ModelRoute* r) { return !r->model.price.isFree(); });
    amount = 0;
  }
  if (identity.kind == Identity::Kind::L402 && l402_ != nullptr) {
    if (!rateLimit(*exchange, identity.rateIdentity, config_.keyLimits, request)) return;
    admitL402(exchange, request, amount, identity, std::move(proceed));
    return;
  }
  if (identity.kind == Identity::Kind::Anonymous) {
    if (amount > 0 && l402_ != nullptr) {
      if (challengeAllowed(*exchange, identity.rateIdentity)) challenge(exchange, request, amount);
      return;
    }
    if (amount > 0)
      throw http::ApiError(401, "missing_api_key",
                           "The model '" + request.model() +
                               "' is paid: send an API key (Authorization: Bearer) or a spend token (X-Spend-Token)");
    if (!config_.anonymous)
      throw http::ApiError(401, "missing_api_key", "An API key is required (Authorization: Bearer)");
    if (!rateLimit(*exchange, identity.rateIdentity, config_.anonymousLimits, request)) return;
    proceed(std::nullopt);
    return;
  }
  if (!rateLimit(*exchange, identity.rateIdentity, config_.keyLimits, request)) return;
  billing_.admit(billing::AdmitRequest{identity.keyHash, "inference", amount},
                 [exchange, proceed = std::move(proceed), unit = config_.unit, rate = identity.rateIdentity](
                     billing::Admission a, std::exception_ptr error) mutable {
                   exchange->loop().post([exchange, proceed = std::move(proceed), a = std::move(a), error, unit, rate]() {
                     if (error) {
                       exchange->respond(http::guarded([&]() -> http::Response { std::rethrow_exception(error); }));
                       return;
                     }
                     if (a.refusal != billing::Refusal::None) {
                       exchange->respond(refusalResponse(a.refusal, a.available, unit));
                       return;
                     }
                     http::continueGuarded(*exchange, [&] {
                       proceed(Charging{a.key.accountId, a.key.id, a.tier, a.reservationId, a.held, a.keyHeld, rate, ""});
                     });
                   });
                 });
}

}  // namespace turnpike::pipeline
