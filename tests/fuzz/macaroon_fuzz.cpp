// Macaroons (V2 binary) and L402 credentials. The first byte picks the input's form:
//  - a binary macaroon: whatever deserializes re-serializes to bytes that read back the same;
//    its first-party caveats, checked as Aperture does, can only narrow access (if a list of
//    caveats is accepted, so is every prefix of it); re-minted with our key, it verifies;
//  - an Authorization value: whatever parses has a 32-byte preimage and writes back as a
//    credential that parses to the same macaroon.
#include <turnpike/encoding.hpp>

#include <algorithm>
#include <string>

#include "fuzz_check.hpp"
#include "lightning/l402.hpp"
#include "lightning/macaroon.hpp"

namespace {

using namespace turnpike::payments::lightning;
namespace encoding = turnpike::sdk::encoding;

const std::string kRootKey(32, '\x42');

bool sameMacaroon(const Macaroon& a, const Macaroon& b) {
  return a.location() == b.location() && a.identifier() == b.identifier() && a.signature() == b.signature() &&
         std::equal(a.caveats().begin(), a.caveats().end(), b.caveats().begin(), b.caveats().end(),
                    [](const MacaroonCaveat& x, const MacaroonCaveat& y) {
                      return x.id == y.id && x.verificationId == y.verificationId && x.location == y.location;
                    });
}

void checkMacaroon(const Macaroon& m) {
  FUZZ_CHECK(m.signature().size() == 32);
  std::string bytes = m.serialize();
  auto again = Macaroon::deserialize(bytes);
  FUZZ_CHECK(again.ok() && sameMacaroon(*again, m) && again->serialize() == bytes);

  // Attenuation only narrows: once a prefix of the caveats is refused, every longer one is too
  // (the first 32, to bound the time per input).
  const l402::VerifyParams params{"service", 1'700'000'000, "chat"};
  std::vector<std::string> predicates = m.firstPartyCaveats();
  bool refused = false;
  for (size_t n = 0; n <= std::min<size_t>(predicates.size(), 32); ++n) {
    std::vector<std::string> prefix(predicates.begin(), predicates.begin() + static_cast<std::ptrdiff_t>(n));
    bool ok = l402::checkCaveats(prefix, params).ok();
    FUZZ_CHECK(!(refused && ok));
    refused = !ok;
  }

  Macaroon ours = Macaroon::mint(kRootKey, m.identifier(), m.location());
  for (const auto& p : predicates) ours.addFirstPartyCaveat(p);
  FUZZ_CHECK(ours.verifySignature(kRootKey));
  FUZZ_CHECK(!ours.verifySignature(std::string(32, '\x43')));
  auto lookup = [](const l402::Identifier&) { return std::optional<std::string>(kRootKey); };
  l402::verify(ours, std::string(32, '\0'), lookup, params);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    auto credential = l402::parseAuthorization(input);
    if (!credential) return 0;
    FUZZ_CHECK(credential->preimage.size() == 32);
    std::string written = std::string(l402::schemeName(credential->scheme)) + " " +
                          encoding::base64Encode(credential->macaroon.serialize()) + ":" +
                          encoding::hexEncode(credential->preimage);
    auto again = l402::parseAuthorization(written);
    FUZZ_CHECK(again.ok() && sameMacaroon(again->macaroon, credential->macaroon) &&
               again->preimage == credential->preimage && again->scheme == credential->scheme);
    checkMacaroon(credential->macaroon);
    return 0;
  }
  auto macaroon = Macaroon::deserialize(input);
  if (macaroon) checkMacaroon(*macaroon);
  return 0;
}
