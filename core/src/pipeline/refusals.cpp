#include "pipeline/refusals.hpp"

#include "http/api_error.hpp"

namespace turnpike::pipeline {

http::Response refusalResponse(billing::Refusal r, int64_t available, const std::string& unit) {
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

http::Response rateLimitResponse(const billing::RateLimiter::Decision& decision, const std::string& what) {
  auto response = http::errorResponse(429, "rate_limit_exceeded",
                                      "Rate limit reached (" + what + "); retry in " +
                                          std::to_string(decision.retryAfter) + " s");
  response.headers.push_back({"Retry-After", std::to_string(decision.retryAfter)});
  return response;
}

}  // namespace turnpike::pipeline
