// Stripe webhook signatures: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]` where
// v1 = hex(HMAC-SHA256(key = the whole "whsec_..." secret, t + "." + raw body)).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace turnpike::payments::stripe {

inline constexpr int64_t kDefaultTolerance = 300;  // seconds, as Stripe's libraries use

struct SignatureHeader {
  int64_t timestamp = 0;
  std::vector<std::string> v1;  // other schemes (v0, ...) are ignored
};

// Fails without exactly one `t` or without any `v1`.
Result<SignatureHeader> parseSignatureHeader(std::string_view header);

// Lowercase hex of the v1 signature.
std::string computeSignature(std::string_view secret, int64_t timestamp, std::string_view payload);

// Checks that one v1 matches (constant-time) and, when tolerance > 0, that the timestamp is at
// most `tolerance` seconds old, the same checks and order as Stripe's libraries (a timestamp in
// the future is not refused). Returns the signed timestamp.
Result<int64_t> verifyWebhook(std::string_view payload, std::string_view header, std::string_view secret, int64_t now,
                              int64_t tolerance = kDefaultTolerance);

}  // namespace turnpike::payments::stripe
