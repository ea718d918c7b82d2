#include "stripe/webhook_signature.hpp"

#include <limits>

#include <turnpike/encoding.hpp>

#include "common/crypto.hpp"

namespace turnpike::payments::stripe {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> parseTimestamp(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

Result<SignatureHeader> parseSignatureHeader(std::string_view header) {
  SignatureHeader out;
  bool haveTimestamp = false;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view item = trim(header.substr(start, comma - start));
    start = comma + 1;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = item.substr(0, eq);
    std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      if (haveTimestamp) return fail("stripe: more than one timestamp in Stripe-Signature");
      auto t = parseTimestamp(value);
      if (!t) return fail("stripe: invalid timestamp in Stripe-Signature");
      out.timestamp = *t;
      haveTimestamp = true;
    } else if (key == "v1") {
      out.v1.emplace_back(value);
    }
  }
  if (!haveTimestamp) return fail("stripe: no timestamp in Stripe-Signature");
  if (out.v1.empty()) return fail("stripe: no v1 signature in Stripe-Signature");
  return out;
}

std::string computeSignature(std::string_view secret, int64_t timestamp, std::string_view payload) {
  std::string message = std::to_string(timestamp);
  message.push_back('.');
  message.append(payload);
  return sdk::encoding::hexEncode(crypto::hmacSha256(secret, message));
}

Result<int64_t> verifyWebhook(std::string_view payload, std::string_view header, std::string_view secret, int64_t now,
                              int64_t tolerance) {
  auto parsed = parseSignatureHeader(header);
  if (!parsed) return fail(parsed.error());
  std::string expected = computeSignature(secret, parsed->timestamp, payload);
  bool matched = false;
  for (const auto& sig : parsed->v1) matched |= crypto::constantTimeEquals(expected, sig);
  if (!matched) return fail("stripe: no v1 signature matches the payload");
  if (tolerance > 0 && now - parsed->timestamp > tolerance) return fail("stripe: timestamp outside the tolerance zone");
  return parsed->timestamp;
}

}  // namespace turnpike::payments::stripe
