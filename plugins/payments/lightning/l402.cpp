#include "lightning/l402.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <turnpike/encoding.hpp>

#include "common/crypto.hpp"

namespace turnpike::payments::lightning::l402 {

namespace encoding = turnpike::sdk::encoding;

namespace {

constexpr std::string_view kServices = "services";
constexpr std::string_view kValidUntilSuffix = "_valid_until";
constexpr std::string_view kCapabilitiesSuffix = "_capabilities";

bool isSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'a' && a[i] <= 'z' ? static_cast<char>(a[i] - 32) : a[i];
    char y = b[i] >= 'a' && b[i] <= 'z' ? static_cast<char>(b[i] - 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

// Standard base64 (padded or not) or base64url, as go-macaroon's Base64Decode accepts.
// One pass over the text to tell the alphabets apart (this runs on every paid request).
std::optional<std::string> decodeAnyBase64(std::string_view text) {
  bool url = false;
  bool standard = false;
  for (char c : text) {
    url |= c == '-' || c == '_';
    standard |= c == '+' || c == '/';
  }
  if (url && standard) return std::nullopt;
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '=') --end;
  size_t padding = text.size() - end;
  if (padding > 2 || (padding > 0 && text.size() % 4 != 0)) return std::nullopt;
  return encoding::detail::base64DecodeUnpadded(text.substr(0, end), url);
}

std::optional<int64_t> parseInt64(std::string_view s) {
  bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
}

// "name:tier,..." -> names; nullopt when malformed (Aperture's decodeServicesCaveatValue).
std::optional<std::vector<std::string_view>> serviceNames(std::string_view value) {
  if (value.empty()) return std::nullopt;
  std::vector<std::string_view> names;
  for (std::string_view entry : split(value, ',')) {
    auto parts = split(entry, ':');
    if (parts.size() != 2 || parts[0].empty()) return std::nullopt;
    auto tier = parseInt64(parts[1]);
    if (!tier || *tier < 0 || *tier > 255) return std::nullopt;
    names.push_back(parts[0]);
  }
  return names;
}

bool contains(const std::vector<std::string_view>& set, std::string_view item) {
  return std::find(set.begin(), set.end(), item) != set.end();
}

Verification refuse(VerifyError error, std::string reason) {
  Verification v;
  v.error = error;
  v.reason = std::move(reason);
  return v;
}

}  // namespace

std::string encodeIdentifier(const Identifier& id) {
  if (id.version != 0) throw std::invalid_argument("l402: only identifier version 0 is defined");
  if (id.paymentHash.size() != 32 || id.tokenId.size() != 32)
    throw std::invalid_argument("l402: payment hash and token id must be 32 bytes");
  std::string out;
  out.reserve(kIdentifierSize);
  out.push_back(static_cast<char>(id.version >> 8));
  out.push_back(static_cast<char>(id.version & 0xff));
  out += id.paymentHash;
  out += id.tokenId;
  return out;
}

Result<Identifier> decodeIdentifier(std::string_view bytes) {
  if (bytes.size() < 2) return fail("l402: identifier too short");
  Identifier id;
  id.version = static_cast<uint16_t>((static_cast<uint8_t>(bytes[0]) << 8) | static_cast<uint8_t>(bytes[1]));
  if (id.version != 0) return fail("l402: unknown identifier version " + std::to_string(id.version));
  if (bytes.size() != kIdentifierSize) return fail("l402: identifier must be 66 bytes");
  id.paymentHash = bytes.substr(2, 32);
  id.tokenId = bytes.substr(34, 32);
  return id;
}

Identifier newIdentifier(std::string_view paymentHash) {
  return Identifier{0, std::string(paymentHash), crypto::randomBytes(32)};
}

std::string rootKeyId(const Identifier& id) { return crypto::sha256(encodeIdentifier(id)); }

std::string formatCaveat(const Caveat& caveat) { return caveat.condition + "=" + caveat.value; }

std::optional<Caveat> parseCaveat(std::string_view predicate) {
  size_t eq = predicate.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  return Caveat{std::string(predicate.substr(0, eq)), std::string(predicate.substr(eq + 1))};
}

Caveat servicesCaveat(const std::vector<Service>& services) {
  if (services.empty()) throw std::invalid_argument("l402: a services caveat needs at least one service");
  std::string value;
  for (const auto& s : services) {
    if (s.name.empty() || s.name.find_first_of(",:") != std::string::npos)
      throw std::invalid_argument("l402: invalid service name '" + s.name + "'");
    if (!value.empty()) value += ",";
    value += s.name + ":" + std::to_string(s.tier);
  }
  return Caveat{std::string(kServices), value};
}

Caveat validUntilCaveat(std::string_view service, int64_t unixTime) {
  return Caveat{std::string(service) + std::string(kValidUntilSuffix), std::to_string(unixTime)};
}

Caveat capabilitiesCaveat(std::string_view service, std::string_view capabilities) {
  return Caveat{std::string(service) + std::string(kCapabilitiesSuffix), std::string(capabilities)};
}

Macaroon mintMacaroon(std::string_view rootKey, const Identifier& id, const std::vector<Caveat>& caveats) {
  Macaroon m = Macaroon::mint(rootKey, encodeIdentifier(id), kLocation);
  for (const auto& c : caveats) m.addFirstPartyCaveat(formatCaveat(c));
  return m;
}

std::string_view schemeName(Scheme scheme) { return scheme == Scheme::L402 ? "L402" : "LSAT"; }

std::string challenge(Scheme scheme, const Macaroon& macaroon, std::string_view invoice) {
  std::string out(schemeName(scheme));
  out += " macaroon=\"";
  out += encoding::base64Encode(macaroon.serialize());
  out += "\", invoice=\"";
  out += invoice;
  out += "\"";
  return out;
}

Result<Credential> parseAuthorization(std::string_view value) {
  value = trim(value);
  size_t space = value.find_first_of(" \t");
  if (space == std::string_view::npos) return fail("l402: expected '<scheme> <macaroon>:<preimage>'");
  std::string_view scheme = value.substr(0, space);
  Credential c;
  if (iequals(scheme, "L402")) {
    c.scheme = Scheme::L402;
  } else if (iequals(scheme, "LSAT")) {
    c.scheme = Scheme::LSAT;
  } else {
    return fail("l402: not an L402 or LSAT credential");
  }
  std::string_view token = trim(value.substr(space));
  size_t colon = token.rfind(':');
  if (colon == std::string_view::npos) return fail("l402: expected '<macaroon>:<preimage>'");
  std::string_view macText = trim(token.substr(0, colon));
  std::string_view preimageText = trim(token.substr(colon + 1));

  if (preimageText.size() != 64) return fail("l402: preimage must be 64 hex characters");
  for (char ch : preimageText) {
    if (ch >= 'A' && ch <= 'F') return fail("l402: preimage must be lowercase hex");
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return fail("l402: preimage is not hex");
  }
  c.preimage = *encoding::hexDecode(preimageText);

  if (macText.empty()) return fail("l402: missing macaroon");
  auto macBytes = decodeAnyBase64(macText);
  if (!macBytes) return fail("l402: macaroon is not base64");
  auto mac = Macaroon::deserialize(*macBytes);
  if (!mac) return fail("l402: " + mac.error());
  c.macaroon = std::move(*mac);
  return c;
}

Result<Credential> parseAuthorizations(const std::vector<std::string_view>& values) {
  std::string error = "l402: no Authorization header";
  for (std::string_view v : values) {
    auto c = parseAuthorization(v);
    if (c) return c;
    error = c.error();
  }
  return fail(error);
}

std::string_view verifyErrorName(VerifyError error) {
  switch (error) {
    case VerifyError::None: return "ok";
    case VerifyError::BadEncoding: return "bad_encoding";
    case VerifyError::UnknownVersion: return "unknown_version";
    case VerifyError::PreimageMismatch: return "preimage_mismatch";
    case VerifyError::UnknownRootKey: return "unknown_root_key";
    case VerifyError::BadSignature: return "bad_signature";
    case VerifyError::InvalidCaveat: return "invalid_caveat";
    case VerifyError::WrongService: return "wrong_service";
    case VerifyError::Expired: return "expired";
    case VerifyError::MissingCapability: return "missing_capability";
  }
  return "unknown";
}

Verification checkCaveats(const std::vector<std::string>& predicates, const VerifyParams& params) {
  const std::string validUntil = params.service + std::string(kValidUntilSuffix);
  const std::string capabilities = params.service + std::string(kCapabilitiesSuffix);
  std::vector<Caveat> services;
  std::vector<Caveat> timeouts;
  std::vector<Caveat> caps;
  for (const auto& p : predicates) {
    auto c = parseCaveat(p);
    if (!c) continue;
    if (c->condition == kServices) services.push_back(std::move(*c));
    else if (c->condition == validUntil) timeouts.push_back(std::move(*c));
    else if (c->condition == capabilities && !params.capability.empty()) caps.push_back(std::move(*c));
  }

  std::optional<std::vector<std::string_view>> allowed;
  for (const auto& c : services) {
    auto names = serviceNames(c.value);
    if (!names) return refuse(VerifyError::InvalidCaveat, "l402: malformed services caveat '" + c.value + "'");
    if (allowed) {
      for (auto n : *names)
        if (!contains(*allowed, n))
          return refuse(VerifyError::InvalidCaveat, "l402: services caveat widens access to '" + std::string(n) + "'");
    }
    allowed = std::move(names);
  }
  if (allowed && !contains(*allowed, params.service))
    return refuse(VerifyError::WrongService, "l402: token is not valid for service '" + params.service + "'");

  std::optional<int64_t> deadline;
  for (const auto& c : timeouts) {
    auto t = parseInt64(c.value);
    if (!t) return refuse(VerifyError::InvalidCaveat, "l402: malformed " + validUntil + " caveat '" + c.value + "'");
    if (deadline && *t > *deadline)
      return refuse(VerifyError::InvalidCaveat, "l402: " + validUntil + " caveat extends an earlier one");
    deadline = t;
  }
  if (deadline && params.now >= *deadline)
    return refuse(VerifyError::Expired, "l402: token expired at " + std::to_string(*deadline));

  std::optional<std::vector<std::string_view>> granted;
  for (const auto& c : caps) {
    auto list = split(c.value, ',');
    if (granted) {
      for (auto cap : list)
        if (!contains(*granted, cap))
          return refuse(VerifyError::InvalidCaveat,
                        "l402: capabilities caveat widens access to '" + std::string(cap) + "'");
    }
    granted = std::move(list);
  }
  if (granted && !contains(*granted, params.capability))
    return refuse(VerifyError::MissingCapability, "l402: capability '" + params.capability + "' not granted");
  return {};
}

Verification verify(const Macaroon& macaroon, std::string_view preimage, const RootKeyLookup& lookup,
                    const VerifyParams& params) {
  const std::string& raw = macaroon.identifier();
  auto id = decodeIdentifier(raw);
  if (!id) {
    bool unknownVersion = raw.size() >= 2 && (raw[0] != 0 || raw[1] != 0);
    return refuse(unknownVersion ? VerifyError::UnknownVersion : VerifyError::BadEncoding, id.error());
  }
  if (preimage.size() != 32 || !crypto::constantTimeEquals(crypto::sha256(preimage), id->paymentHash)) {
    Verification v = refuse(VerifyError::PreimageMismatch, "l402: preimage does not hash to the payment hash");
    v.identifier = *id;
    return v;
  }
  auto rootKey = lookup(*id);
  Verification v;
  if (!rootKey) {
    v = refuse(VerifyError::UnknownRootKey, "l402: unknown or revoked token");
  } else if (macaroon.hasThirdPartyCaveats()) {
    v = refuse(VerifyError::BadSignature, "l402: third-party caveats are not supported");
  } else if (!macaroon.verifySignature(*rootKey)) {
    v = refuse(VerifyError::BadSignature, "l402: macaroon signature does not verify");
  } else {
    v = checkCaveats(macaroon.firstPartyCaveats(), params);
  }
  v.identifier = std::move(*id);
  return v;
}

Verification verifyAuthorization(std::string_view authorization, const RootKeyLookup& lookup,
                                 const VerifyParams& params) {
  auto credential = parseAuthorization(authorization);
  if (!credential) return refuse(VerifyError::BadEncoding, credential.error());
  return verify(credential->macaroon, credential->preimage, lookup, params);
}

}  // namespace turnpike::payments::lightning::l402
