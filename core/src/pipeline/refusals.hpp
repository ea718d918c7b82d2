// The answers to callers the identify and admit stages turn away.
#pragma once

#include <cstdint>
#include <string>

#include "billing/billing_service.hpp"
#include "billing/rate_limiter.hpp"
#include "http/response.hpp"

namespace turnpike::pipeline {

// 401 for key problems, 402 for money, 403 for scope and key limits.
http::Response refusalResponse(billing::Refusal refusal, int64_t available, const std::string& unit);
// 429 rate_limit_exceeded with Retry-After, for a refused RateLimiter decision; `what` names
// the limit ("requests per minute").
http::Response rateLimitResponse(const billing::RateLimiter::Decision& decision, const std::string& what);

}  // namespace turnpike::pipeline
