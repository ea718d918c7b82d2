// L402 as lightninglabs/aperture implements it (l402/identifier.go, header.go, caveat.go,
// satisfier.go, mint/mint.go): identifiers, challenges, credentials, caveats, verification.
#include <gtest/gtest.h>

#include <map>
#include <turnpike/encoding.hpp>

#include "common/crypto.hpp"
#include "lightning/l402.hpp"
#include "test_util.hpp"

namespace turnpike::payments::lightning::l402 {

// Readable gtest failures.
void PrintTo(VerifyError e, std::ostream* os) { *os << verifyErrorName(e); }

namespace {

using sdk::encoding::base64Encode;
using sdk::encoding::base64UrlEncode;
using sdk::encoding::hexEncode;
using test::hex;
using test::unhex;

const std::string kPreimage = crypto::sha256("preimage one");
const std::string kPaymentHash = crypto::sha256(kPreimage);
const std::string kOtherPreimage = crypto::sha256("preimage of another invoice");
const std::string kRootKey = crypto::sha256("root key");
constexpr int64_t kNow = 1'700'000'000;

Identifier fixedIdentifier() { return Identifier{0, kPaymentHash, std::string(32, '\x07')}; }

// A root-key store keyed like Aperture's: sha256(identifier) -> secret.
struct Store {
  std::map<std::string, std::string> secrets;
  void add(const Identifier& id, std::string key) { secrets[rootKeyId(id)] = std::move(key); }
  RootKeyLookup lookup() const {
    return [this](const Identifier& id) -> std::optional<std::string> {
      auto it = secrets.find(rootKeyId(id));
      if (it == secrets.end()) return std::nullopt;
      return it->second;
    };
  }
};

std::vector<Caveat> standardCaveats() {
  return {servicesCaveat({{"chat", 0}, {"embeddings", 1}}), capabilitiesCaveat("chat", "completions,models"),
          validUntilCaveat("chat", kNow + 3600)};
}

VerifyParams chatAt(int64_t now) { return VerifyParams{"chat", now, ""}; }

TEST(L402, IdentifierLayout) {
  Identifier id = fixedIdentifier();
  std::string bytes = encodeIdentifier(id);
  ASSERT_EQ(bytes.size(), kIdentifierSize);
  EXPECT_EQ(hex(bytes.substr(0, 2)), "0000");
  EXPECT_EQ(bytes.substr(2, 32), kPaymentHash);
  EXPECT_EQ(bytes.substr(34), std::string(32, '\x07'));
  auto back = decodeIdentifier(bytes);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->version, 0);
  EXPECT_EQ(back->paymentHash, kPaymentHash);
  EXPECT_EQ(back->tokenId, id.tokenId);
  EXPECT_EQ(rootKeyId(id), crypto::sha256(bytes));

  EXPECT_FALSE(decodeIdentifier(bytes.substr(0, 65)).ok());
  EXPECT_FALSE(decodeIdentifier(bytes + "x").ok());
  EXPECT_FALSE(decodeIdentifier("").ok());
  std::string v1 = bytes;
  v1[1] = 1;
  EXPECT_NE(decodeIdentifier(v1).error().find("unknown identifier version 1"), std::string::npos);
  EXPECT_THROW(encodeIdentifier(Identifier{0, "short", id.tokenId}), std::invalid_argument);
  EXPECT_THROW(encodeIdentifier(Identifier{1, kPaymentHash, id.tokenId}), std::invalid_argument);

  Identifier fresh = newIdentifier(kPaymentHash);
  EXPECT_EQ(fresh.paymentHash, kPaymentHash);
  EXPECT_EQ(fresh.tokenId.size(), 32u);
  EXPECT_NE(fresh.tokenId, newIdentifier(kPaymentHash).tokenId);
}

TEST(L402, CaveatFormatting) {
  EXPECT_EQ(formatCaveat(servicesCaveat({{"chat", 0}, {"embeddings", 1}})), "services=chat:0,embeddings:1");
  EXPECT_EQ(formatCaveat(validUntilCaveat("chat", 1700003600)), "chat_valid_until=1700003600");
  EXPECT_EQ(formatCaveat(capabilitiesCaveat("chat", "a,b")), "chat_capabilities=a,b");
  auto c = parseCaveat("k=v=w");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->condition, "k");
  EXPECT_EQ(c->value, "v=w");
  EXPECT_FALSE(parseCaveat("no equals sign"));
  EXPECT_THROW(servicesCaveat({}), std::invalid_argument);
  EXPECT_THROW(servicesCaveat({{"a,b", 0}}), std::invalid_argument);
}

TEST(L402, ChallengeHeaderInApertureForm) {
  Macaroon m = mintMacaroon(kRootKey, fixedIdentifier(), {});
  EXPECT_EQ(m.location(), "lsat");
  const std::string b64 = base64Encode(m.serialize());
  EXPECT_EQ(challenge(Scheme::L402, m, "lnbcrt10n1xyz"), "L402 macaroon=\"" + b64 + "\", invoice=\"lnbcrt10n1xyz\"");
  EXPECT_EQ(challenge(Scheme::LSAT, m, "lnbcrt10n1xyz"), "LSAT macaroon=\"" + b64 + "\", invoice=\"lnbcrt10n1xyz\"");
}

TEST(L402, ParsesCredentials) {
  Macaroon m = mintMacaroon(kRootKey, fixedIdentifier(), standardCaveats());
  const std::string bytes = m.serialize();
  const std::string pre = hexEncode(kPreimage);
  for (const std::string& value :
       {"L402 " + base64Encode(bytes) + ":" + pre, "LSAT " + base64Encode(bytes) + ":" + pre,
        "l402 " + base64Encode(bytes) + ":" + pre, "  L402\t  " + base64Encode(bytes) + " : " + pre + "  ",
        "L402 " + base64UrlEncode(bytes) + ":" + pre}) {
    SCOPED_TRACE(value);
    auto c = parseAuthorization(value);
    ASSERT_TRUE(c.ok()) << c.error();
    EXPECT_EQ(c->preimage, kPreimage);
    EXPECT_EQ(c->macaroon.serialize(), bytes);
  }
  EXPECT_EQ(parseAuthorization("LSAT " + base64Encode(bytes) + ":" + pre)->scheme, Scheme::LSAT);
  // Standard alphabet without its padding (the serialized size is not a multiple of 3 here).
  std::string unpadded = base64Encode(bytes);
  ASSERT_EQ(unpadded.back(), '=');
  while (unpadded.back() == '=') unpadded.pop_back();
  EXPECT_TRUE(parseAuthorization("L402 " + unpadded + ":" + pre).ok());
}

TEST(L402, RefusesMalformedCredentials) {
  Macaroon m = mintMacaroon(kRootKey, fixedIdentifier(), {});
  const std::string mac = base64Encode(m.serialize());
  const std::string pre = hexEncode(kPreimage);
  std::string upper = pre;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::pair<std::string, const char*> cases[] = {
      {"L402 " + mac + ":" + upper, "lowercase"},
      {"L402 " + mac + ":" + pre.substr(1), "64 hex"},
      {"L402 " + mac + ":" + pre + "0", "64 hex"},
      {"L402 " + mac + ":" + pre.substr(0, 63) + "g", "not hex"},
      {"L402 " + mac + pre, "expected '<macaroon>:<preimage>'"},
      {"L402 :" + pre, "missing macaroon"},
      {"L402 !!!!:" + pre, "not base64"},
      {"L402 " + base64Encode("not a macaroon") + ":" + pre, "not a V2"},
      {"L402 " + mac.substr(0, mac.size() - 8) + ":" + pre, "l402"},
      {"Bearer " + mac + ":" + pre, "not an L402"},
      {"L402", "expected"},
      {"", "expected"},
  };
  for (const auto& [value, reason] : cases) {
    SCOPED_TRACE(value);
    auto c = parseAuthorization(value);
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().find(reason), std::string::npos) << c.error();
  }
}

TEST(L402, PicksTheL402AmongSeveralAuthorizationHeaders) {
  Macaroon m = mintMacaroon(kRootKey, fixedIdentifier(), {});
  const std::string good = "L402 " + base64Encode(m.serialize()) + ":" + hexEncode(kPreimage);
  auto c = parseAuthorizations({"Bearer sk-123", good});
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->preimage, kPreimage);
  EXPECT_FALSE(parseAuthorizations({"Bearer sk-123"}).ok());
  EXPECT_FALSE(parseAuthorizations({}).ok());
}

TEST(L402, CaveatRules) {
  auto check = [](std::vector<std::string> predicates, VerifyParams p = chatAt(kNow)) {
    return checkCaveats(predicates, p);
  };
  EXPECT_TRUE(check({}).ok());  // no caveat restricts nothing
  EXPECT_TRUE(check({"services=chat:0"}).ok());
  EXPECT_TRUE(check({"services=chat:0,embeddings:0", "services=chat:0"}).ok());  // narrowing
  auto wider = check({"services=chat:0", "services=chat:0,embeddings:0"});
  EXPECT_EQ(wider.error, VerifyError::InvalidCaveat);
  auto other = check({"services=embeddings:0"});
  EXPECT_EQ(other.error, VerifyError::WrongService);
  EXPECT_EQ(check({"services=chat:0,embeddings:0", "services=embeddings:0"}).error, VerifyError::WrongService);
  EXPECT_EQ(check({"services=chat"}).error, VerifyError::InvalidCaveat);
  EXPECT_EQ(check({"services=chat:x"}).error, VerifyError::InvalidCaveat);
  EXPECT_EQ(check({"services="}).error, VerifyError::InvalidCaveat);

  // Expiry: valid strictly before the deadline.
  EXPECT_TRUE(check({"chat_valid_until=" + std::to_string(kNow + 1)}).ok());
  EXPECT_EQ(check({"chat_valid_until=" + std::to_string(kNow)}).error, VerifyError::Expired);
  EXPECT_EQ(check({"chat_valid_until=" + std::to_string(kNow - 100)}).error, VerifyError::Expired);
  EXPECT_TRUE(check({"chat_valid_until=" + std::to_string(kNow + 100), "chat_valid_until=" + std::to_string(kNow + 50)}).ok());
  EXPECT_EQ(check({"chat_valid_until=" + std::to_string(kNow + 50), "chat_valid_until=" + std::to_string(kNow + 100)}).error,
            VerifyError::InvalidCaveat);
  EXPECT_EQ(check({"chat_valid_until=soon"}).error, VerifyError::InvalidCaveat);
  // Another service's expiry is not this one's concern.
  EXPECT_TRUE(check({"embeddings_valid_until=1"}).ok());

  // Capabilities only matter when one is asked for.
  VerifyParams wantsModels{"chat", kNow, "models"};
  EXPECT_TRUE(check({"chat_capabilities=completions,models"}, wantsModels).ok());
  EXPECT_TRUE(check({"chat_capabilities=completions"}).ok());
  EXPECT_EQ(check({"chat_capabilities=completions"}, wantsModels).error, VerifyError::MissingCapability);
  EXPECT_EQ(check({"chat_capabilities=completions", "chat_capabilities=completions,models"}, wantsModels).error,
            VerifyError::InvalidCaveat);
  EXPECT_TRUE(check({"chat_capabilities=completions,models", "chat_capabilities=models"}, wantsModels).ok());

  // Unknown conditions and predicates that are not condition=value are skipped.
  EXPECT_TRUE(check({"ip_address=10.0.0.1", "free text", "services=chat:0"}).ok());
}

TEST(L402, VerifiesAMintedToken) {
  Store store;
  Identifier id = fixedIdentifier();
  store.add(id, kRootKey);
  Macaroon m = mintMacaroon(kRootKey, id, standardCaveats());
  auto v = verify(m, kPreimage, store.lookup(), chatAt(kNow));
  EXPECT_TRUE(v.ok()) << v.reason;
  EXPECT_EQ(v.identifier.paymentHash, kPaymentHash);
  EXPECT_EQ(v.identifier.tokenId, id.tokenId);

  // Through the Authorization header, both schemes.
  for (const char* scheme : {"L402 ", "LSAT "}) {
    std::string header = scheme + base64Encode(m.serialize()) + ":" + hexEncode(kPreimage);
    EXPECT_TRUE(verifyAuthorization(header, store.lookup(), chatAt(kNow)).ok());
  }
  // A holder may narrow the token further.
  Macaroon narrowed = m;
  narrowed.addFirstPartyCaveat("services=chat:0");
  narrowed.addFirstPartyCaveat("chat_valid_until=" + std::to_string(kNow + 60));
  EXPECT_TRUE(verify(narrowed, kPreimage, store.lookup(), chatAt(kNow)).ok());
  EXPECT_EQ(verify(narrowed, kPreimage, store.lookup(), chatAt(kNow + 60)).error, VerifyError::Expired);
}

TEST(L402, RefusesWithAPreciseReason) {
  Store store;
  Identifier id = fixedIdentifier();
  store.add(id, kRootKey);
  Macaroon m = mintMacaroon(kRootKey, id, standardCaveats());
  auto lookup = store.lookup();

  auto preimage = verify(m, kOtherPreimage, lookup, chatAt(kNow));
  EXPECT_EQ(preimage.error, VerifyError::PreimageMismatch);
  EXPECT_EQ(preimage.identifier.paymentHash, kPaymentHash);
  EXPECT_EQ(verify(m, kPaymentHash, lookup, chatAt(kNow)).error, VerifyError::PreimageMismatch);
  EXPECT_EQ(verify(m, "", lookup, chatAt(kNow)).error, VerifyError::PreimageMismatch);

  // A valid token for another invoice does not unlock this one, and vice versa.
  Identifier otherId{0, crypto::sha256(kOtherPreimage), std::string(32, '\x08')};
  store.add(otherId, crypto::sha256("other root"));
  Macaroon other = mintMacaroon(crypto::sha256("other root"), otherId, standardCaveats());
  EXPECT_TRUE(verify(other, kOtherPreimage, lookup, chatAt(kNow)).ok());
  EXPECT_EQ(verify(other, kPreimage, lookup, chatAt(kNow)).error, VerifyError::PreimageMismatch);

  Store empty;
  EXPECT_EQ(verify(m, kPreimage, empty.lookup(), chatAt(kNow)).error, VerifyError::UnknownRootKey);

  Store wrongKey;
  wrongKey.add(id, crypto::sha256("not the root key"));
  EXPECT_EQ(verify(m, kPreimage, wrongKey.lookup(), chatAt(kNow)).error, VerifyError::BadSignature);

  // Tampering: the same caveats with a later expiry, keeping the original signature.
  Macaroon tampered = mintMacaroon(crypto::sha256("attacker"), id,
                                   {servicesCaveat({{"chat", 0}, {"embeddings", 1}}),
                                    capabilitiesCaveat("chat", "completions,models"),
                                    validUntilCaveat("chat", kNow + 999999)});
  auto tamperedBytes = tampered.serialize();
  auto forged = Macaroon::deserialize(tamperedBytes.substr(0, tamperedBytes.size() - 32) + m.signature());
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(verify(*forged, kPreimage, lookup, chatAt(kNow)).error, VerifyError::BadSignature);

  // Caveats: expired, wrong service, widened, missing capability.
  EXPECT_EQ(verify(m, kPreimage, lookup, chatAt(kNow + 3600)).error, VerifyError::Expired);
  EXPECT_EQ(verify(m, kPreimage, lookup, VerifyParams{"images", kNow, ""}).error, VerifyError::WrongService);
  Macaroon widened = m;
  widened.addFirstPartyCaveat("services=chat:0,images:0");
  EXPECT_EQ(verify(widened, kPreimage, lookup, VerifyParams{"images", kNow, ""}).error, VerifyError::InvalidCaveat);
  EXPECT_EQ(verify(m, kPreimage, lookup, VerifyParams{"chat", kNow, "admin"}).error, VerifyError::MissingCapability);

  // Identifiers that are not L402 version 0.
  std::string v1 = encodeIdentifier(id);
  v1[1] = 1;
  EXPECT_EQ(verify(Macaroon::mint(kRootKey, v1, "lsat"), kPreimage, lookup, chatAt(kNow)).error,
            VerifyError::UnknownVersion);
  EXPECT_EQ(verify(Macaroon::mint(kRootKey, std::string("\0\0short", 7), "lsat"), kPreimage, lookup, chatAt(kNow)).error,
            VerifyError::BadEncoding);

  // Header-level failures are bad encodings.
  auto header = verifyAuthorization("L402 garbage", lookup, chatAt(kNow));
  EXPECT_EQ(header.error, VerifyError::BadEncoding);
  EXPECT_FALSE(header.reason.empty());
  std::string upper = hexEncode(kPreimage);
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(verifyAuthorization("L402 " + base64Encode(m.serialize()) + ":" + upper, lookup, chatAt(kNow)).error,
            VerifyError::BadEncoding);
  EXPECT_EQ(verifyErrorName(VerifyError::PreimageMismatch), "preimage_mismatch");
}

}  // namespace
}  // namespace turnpike::payments::lightning::l402
