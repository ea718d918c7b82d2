// L402 (formerly LSAT) as lightninglabs/aperture speaks it: token identifiers, challenge headers,
// Authorization credentials, caveats and verification.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "lightning/macaroon.hpp"

namespace turnpike::payments::lightning::l402 {

// Macaroon identifier: uint16 BE version 0 ‖ payment_hash[32] ‖ token_id[32].
struct Identifier {
  uint16_t version = 0;
  std::string paymentHash;  // 32 bytes
  std::string tokenId;      // 32 bytes
};
inline constexpr size_t kIdentifierSize = 66;
inline constexpr std::string_view kLocation = "lsat";

// Throws std::invalid_argument unless the version is 0 and both fields are 32 bytes.
std::string encodeIdentifier(const Identifier& id);
Result<Identifier> decodeIdentifier(std::string_view bytes);
// Version 0 with a fresh random token id.
Identifier newIdentifier(std::string_view paymentHash);
// sha256(encoded identifier): the key Aperture stores root keys under.
std::string rootKeyId(const Identifier& id);

// Caveats are "condition=value" first-party predicates.
struct Caveat {
  std::string condition;
  std::string value;
};
std::string formatCaveat(const Caveat& caveat);
// Splits at the first '='; nullopt without one.
std::optional<Caveat> parseCaveat(std::string_view predicate);

struct Service {
  std::string name;
  uint8_t tier = 0;
};
// services=<name>:<tier>[,<name>:<tier>...]
Caveat servicesCaveat(const std::vector<Service>& services);
// <service>_valid_until=<unix seconds>
Caveat validUntilCaveat(std::string_view service, int64_t unixTime);
// <service>_capabilities=<csv>
Caveat capabilitiesCaveat(std::string_view service, std::string_view capabilities);

// A macaroon at location "lsat" over `id`, signed with `rootKey`, with `caveats` in order.
Macaroon mintMacaroon(std::string_view rootKey, const Identifier& id, const std::vector<Caveat>& caveats);

enum class Scheme { L402, LSAT };
std::string_view schemeName(Scheme scheme);

// WWW-Authenticate value: `L402 macaroon="<std base64 V2 macaroon>", invoice="<bolt11>"`.
std::string challenge(Scheme scheme, const Macaroon& macaroon, std::string_view invoice);

struct Credential {
  Scheme scheme = Scheme::L402;
  Macaroon macaroon;
  std::string preimage;  // 32 bytes
};
// Parses an Authorization value `L402|LSAT <macaroon>:<preimage>`. The scheme is
// case-insensitive (RFC 9110); whitespace around the value, after the scheme and around ':' is
// tolerated. The macaroon may be standard base64 (padded or not) or base64url. The preimage must
// be exactly 64 lowercase hex digits: uppercase is rejected, as Aperture's parser does, so every
// credential has one spelling.
Result<Credential> parseAuthorization(std::string_view value);
// The first of several Authorization values that parses as an L402 credential (clients may send
// one per scheme); the error of the last one otherwise.
Result<Credential> parseAuthorizations(const std::vector<std::string_view>& values);

// Why a credential was refused.
enum class VerifyError {
  None,
  BadEncoding,       // unparseable header, macaroon or identifier
  UnknownVersion,    // identifier version other than 0
  PreimageMismatch,  // sha256(preimage) != identifier's payment hash
  UnknownRootKey,    // no root key for this identifier: never minted, or revoked
  BadSignature,      // macaroon chain does not verify (tampered caveat, wrong key, third-party caveat)
  InvalidCaveat,     // a known condition with a malformed value, or widened by a later caveat
  WrongService,      // the services caveat does not include the expected service
  Expired,           // <service>_valid_until is not in the future
  MissingCapability, // <service>_capabilities lacks the requested capability
};
std::string_view verifyErrorName(VerifyError error);

struct Verification {
  VerifyError error = VerifyError::None;
  std::string reason;  // human-readable detail, empty when ok
  Identifier identifier;  // filled once the identifier decoded
  bool ok() const { return error == VerifyError::None; }
};

struct VerifyParams {
  std::string service;     // the service being accessed
  int64_t now = 0;         // unix seconds
  std::string capability;  // checked against <service>_capabilities when not empty
};

// Returns the root key for an identifier, nullopt when unknown or revoked.
using RootKeyLookup = std::function<std::optional<std::string>(const Identifier&)>;

// Aperture's rules over the first-party caveats: conditions other than services,
// <service>_valid_until and <service>_capabilities are skipped, predicates without '=' are
// skipped, and each repeat of a condition may only narrow the previous one.
Verification checkCaveats(const std::vector<std::string>& predicates, const VerifyParams& params);

// Aperture's order: identifier, preimage, root key, signature, caveats. The backend must still
// confirm that the invoice is settled, and single-use tokens need their payment hash recorded.
Verification verify(const Macaroon& macaroon, std::string_view preimage, const RootKeyLookup& lookup,
                    const VerifyParams& params);
// parseAuthorization + verify.
Verification verifyAuthorization(std::string_view authorization, const RootKeyLookup& lookup,
                                 const VerifyParams& params);

}  // namespace turnpike::payments::lightning::l402
