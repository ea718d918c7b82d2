#include "api/token_gate.hpp"

#include "billing/periods.hpp"
#include "http/api_error.hpp"
#include "pipeline/identify_stage.hpp"
#include "pipeline/refusals.hpp"
#include "util/strings.hpp"

namespace turnpike::api {

namespace {
constexpr int64_t kFailureWindowMs = 60'000;
}  // namespace

std::optional<http::Response> TokenGate::refusal(const http::Request& request) const {
  std::string identity = "token-failures:" + code_ + ":" + pipeline::clientBucket(request);
  int64_t now = billing::nowMs();
  if (limiter_.exhausted(identity, kMaxFailures, now)) {
    auto d = limiter_.count(identity, kMaxFailures, kFailureWindowMs, now);
    return pipeline::rateLimitResponse(d, "failed " + what_ + " attempts from this address");
  }
  std::string_view auth = util::trim(request.headerOr("authorization", ""));
  std::string_view presented = auth.size() > 7 && util::iequals(auth.substr(0, 7), "bearer ") ? util::trim(auth.substr(7)) : "";
  if (!token_.empty() && util::constantTimeEquals(presented, token_)) return std::nullopt;
  limiter_.count(identity, kMaxFailures, kFailureWindowMs, now);
  return http::errorResponse(401, code_, "this endpoint needs Authorization: Bearer <" + what_ + ">");
}

}  // namespace turnpike::api
