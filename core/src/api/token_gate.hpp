// A bearer token guarding operator endpoints (the admin API, /metrics): `Authorization: Bearer
// <token>`, compared in constant time. Failed attempts are limited per client address, so a
// token cannot be guessed at speed: after kMaxFailures within a minute of its first failure, an
// address is answered 429 until that minute is over, whatever it presents (a right token
// included, or the answer would tell which guess was right).
#pragma once

#include <optional>
#include <string>

#include "billing/rate_limiter.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace turnpike::api {

class TokenGate {
 public:
  static constexpr uint64_t kMaxFailures = 10;

  // `code` is the 401 error code ("invalid_admin_token"), `what` names the token in messages
  // ("server.admin_token").
  TokenGate(std::string token, std::string code, std::string what, billing::RateLimiter& limiter)
      : token_(std::move(token)), code_(std::move(code)), what_(std::move(what)), limiter_(limiter) {}

  // nullopt when `request` carries the token; else the answer to give (401, or 429).
  std::optional<http::Response> refusal(const http::Request& request) const;

 private:
  std::string token_;
  std::string code_;
  std::string what_;
  billing::RateLimiter& limiter_;
};

}  // namespace turnpike::api
