// Everything about an L402 credential that needs no node: parsing, identifier, preimage, root
// key, macaroon signature, Aperture's caveats (services, <service>_valid_until) and the path
// caveat this plugin adds (<service>_path=<path>, exact match). Settlement is checked after.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lightning/l402.hpp"

namespace turnpike::payments::lightning {

struct CredentialCheck {
  bool ok = false;
  int status = 401;
  std::string code;     // l402_bad_credential, l402_preimage_mismatch, l402_revoked, ...
  std::string message;  // no secrets
  std::string paymentHash;  // hex, once the identifier decoded
  std::optional<int64_t> validUntil;  // earliest <service>_valid_until, unix s
};

// The caveat that binds a token to one path.
l402::Caveat pathCaveat(std::string_view service, std::string_view path);

CredentialCheck checkCredential(std::string_view authorization, const l402::RootKeyLookup& rootKeys,
                                std::string_view service, std::string_view path, int64_t now);

}  // namespace turnpike::payments::lightning
