#include "lightning/l402_check.hpp"

#include <turnpike/encoding.hpp>

namespace turnpike::payments::lightning {

namespace {

std::string_view codeOf(l402::VerifyError error) {
  switch (error) {
    case l402::VerifyError::None: return "";
    case l402::VerifyError::BadEncoding: return "l402_bad_credential";
    case l402::VerifyError::UnknownVersion: return "l402_bad_credential";
    case l402::VerifyError::PreimageMismatch: return "l402_preimage_mismatch";
    case l402::VerifyError::UnknownRootKey: return "l402_revoked";
    case l402::VerifyError::BadSignature: return "l402_bad_signature";
    case l402::VerifyError::InvalidCaveat: return "l402_invalid_caveat";
    case l402::VerifyError::WrongService: return "l402_wrong_service";
    case l402::VerifyError::Expired: return "l402_expired";
    case l402::VerifyError::MissingCapability: return "l402_missing_capability";
  }
  return "l402_bad_credential";
}

CredentialCheck refuse(std::string code, std::string message) {
  CredentialCheck c;
  c.code = std::move(code);
  c.message = std::move(message);
  return c;
}

}  // namespace

l402::Caveat pathCaveat(std::string_view service, std::string_view path) {
  return l402::Caveat{std::string(service) + "_path", std::string(path)};
}

CredentialCheck checkCredential(std::string_view authorization, const l402::RootKeyLookup& rootKeys,
                                std::string_view service, std::string_view path, int64_t now) {
  auto credential = l402::parseAuthorization(authorization);
  if (!credential) return refuse("l402_bad_credential", credential.error());
  l402::VerifyParams params;
  params.service = std::string(service);
  params.now = now;
  auto v = l402::verify(credential->macaroon, credential->preimage, rootKeys, params);
  CredentialCheck c;
  if (v.identifier.paymentHash.size() == 32) c.paymentHash = sdk::encoding::hexEncode(v.identifier.paymentHash);
  if (!v.ok()) {
    c.code = codeOf(v.error);
    c.message = v.reason;
    return c;
  }
  // The signature verified, so every caveat below is one we (or a holder narrowing it) wrote.
  const std::string pathCondition = std::string(service) + "_path";
  const std::string validUntilCondition = std::string(service) + "_valid_until";
  for (const auto& predicate : credential->macaroon.firstPartyCaveats()) {
    auto caveat = l402::parseCaveat(predicate);
    if (!caveat) continue;
    if (caveat->condition == pathCondition && caveat->value != path) {
      c.code = "l402_wrong_path";
      c.message = "l402: token is not valid for this path";
      return c;
    }
    if (caveat->condition == validUntilCondition) {
      int64_t t = std::stoll(caveat->value);  // checkCaveats proved it is a number
      if (!c.validUntil || t < *c.validUntil) c.validUntil = t;
    }
  }
  c.ok = true;
  c.status = 200;
  return c;
}

}  // namespace turnpike::payments::lightning
