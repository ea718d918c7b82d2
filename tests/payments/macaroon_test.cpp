// Macaroon V2 binary format and HMAC chain against rescrv/libmacaroons' test/unit/*_v2_*.vtest
// vectors (root_v2_1, root_v2_2, caveat_v2_1..6).
#include <gtest/gtest.h>

#include <turnpike/encoding.hpp>

#include "common/crypto.hpp"
#include "lightning/macaroon.hpp"
#include "test_util.hpp"

namespace turnpike::payments::lightning {
namespace {

using sdk::encoding::base64UrlDecode;
using sdk::encoding::base64UrlEncode;
using test::hex;
using namespace std::string_literals;

constexpr char kKey[] = "this is the key";
constexpr char kLocation[] = "http://example.org/";
constexpr char kNoCaveats[] = "AgETaHR0cDovL2V4YW1wbGUub3JnLwIFa2V5aWQAAAYgfN7nklEcW8b1KEhYBd_psk54XijiqZMB-dcRxgnjjvc";
constexpr char kOneCaveat[] =
    "AgETaHR0cDovL2V4YW1wbGUub3JnLwIFa2V5aWQAAhRhY2NvdW50ID0gMzczNTkyODU1OQAABiD1SAf23G7fiL8PcwazgiVio2JTPb9zObphdl2kvSWdhw";
constexpr char kTwoCaveats[] =
    "AgETaHR0cDovL2V4YW1wbGUub3JnLwIFa2V5aWQAAhRhY2NvdW50ID0gMzczNTkyODU1OQACDHVzZXIgPSBhbGljZQAABiBL6WfNHqDGsmuvakqU7psFsViG2guoXoxCqTyNDhJe_A";

Macaroon fromBase64(std::string_view text) {
  auto bytes = base64UrlDecode(text);
  EXPECT_TRUE(bytes.has_value());
  auto m = Macaroon::deserialize(bytes.value_or(""));
  EXPECT_TRUE(m.ok()) << m.error();
  return m.ok() ? *m : Macaroon::mint("", "", "");
}

TEST(Macaroon, MintReproducesLibmacaroonsVectors) {
  Macaroon root = Macaroon::mint(kKey, "keyid", kLocation);
  EXPECT_EQ(base64UrlEncode(root.serialize()), kNoCaveats);

  Macaroon one = Macaroon::mint(kKey, "keyid", kLocation);
  one.addFirstPartyCaveat("account = 3735928559");
  EXPECT_EQ(base64UrlEncode(one.serialize()), kOneCaveat);
  EXPECT_EQ(hex(one.signature()), "f54807f6dc6edf88bf0f7306b3822562a362533dbf7339ba61765da4bd259d87");

  one.addFirstPartyCaveat("user = alice");
  EXPECT_EQ(base64UrlEncode(one.serialize()), kTwoCaveats);
}

TEST(Macaroon, DeserializeAndVerifyVectors) {
  Macaroon m = fromBase64(kTwoCaveats);
  EXPECT_EQ(m.location(), kLocation);
  EXPECT_EQ(m.identifier(), "keyid");
  EXPECT_EQ(m.firstPartyCaveats(), (std::vector<std::string>{"account = 3735928559", "user = alice"}));
  EXPECT_FALSE(m.hasThirdPartyCaveats());
  EXPECT_TRUE(m.verifySignature(kKey));
  EXPECT_EQ(base64UrlEncode(m.serialize()), kTwoCaveats);

  EXPECT_TRUE(fromBase64(kNoCaveats).verifySignature(kKey));
  // root_v2_2: the wrong root key.
  EXPECT_FALSE(fromBase64(kNoCaveats).verifySignature("this is not the key"));
  EXPECT_FALSE(fromBase64(kOneCaveat).verifySignature(""));
}

TEST(Macaroon, SignatureChainIsTheDocumentedOne) {
  std::string k = crypto::hmacSha256("macaroons-key-generator", kKey);
  std::string sig = crypto::hmacSha256(crypto::hmacSha256(k, "keyid"), "account = 3735928559");
  EXPECT_EQ(fromBase64(kOneCaveat).signature(), sig);
}

TEST(Macaroon, TamperedCaveatFailsVerification) {
  auto bytes = *base64UrlDecode(kOneCaveat);
  size_t at = bytes.find("3735928559");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = '4';  // account = 4735928559
  auto m = Macaroon::deserialize(bytes);
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->firstPartyCaveats()[0], "account = 4735928559");
  EXPECT_FALSE(m->verifySignature(kKey));

  // Dropping a caveat (and keeping the signature) is caught too.
  Macaroon two = fromBase64(kTwoCaveats);
  Macaroon stripped = Macaroon::mint(kKey, "keyid", kLocation);
  stripped.addFirstPartyCaveat("account = 3735928559");
  auto forged = Macaroon::deserialize(
      stripped.serialize().substr(0, stripped.serialize().size() - 32) + two.signature());
  ASSERT_TRUE(forged.ok());
  EXPECT_FALSE(forged->verifySignature(kKey));
}

TEST(Macaroon, EveryTruncationIsRejected) {
  std::string bytes = *base64UrlDecode(kTwoCaveats);
  for (size_t n = 0; n < bytes.size(); ++n) {
    SCOPED_TRACE(n);
    EXPECT_FALSE(Macaroon::deserialize(bytes.substr(0, n)).ok());
  }
  EXPECT_TRUE(Macaroon::deserialize(bytes).ok());
  auto trailing = Macaroon::deserialize(bytes + std::string(1, '\0'));
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.error().find("trailing"), std::string::npos);
}

TEST(Macaroon, RejectsMalformedEncodings) {
  std::string good = *base64UrlDecode(kOneCaveat);
  auto error = [](const std::string& bytes) {
    auto m = Macaroon::deserialize(bytes);
    return m.ok() ? std::string("parsed") : m.error();
  };
  std::string v1 = good;
  v1[0] = 'M';  // V1 starts with hex text
  EXPECT_NE(error(v1).find("not a V2"), std::string::npos);
  // Header with the identifier before the location.
  std::string swapped = "\x02\x02\x05keyid\x01\x03loc\x00\x00\x06\x20"s + std::string(32, 'x');
  EXPECT_NE(error(swapped).find("out of order"), std::string::npos);
  // No identifier in the header.
  std::string noId = "\x02\x01\x03loc\x00\x00\x06\x20"s + std::string(32, 'x');
  EXPECT_NE(error(noId).find("no identifier"), std::string::npos);
  // A 31-byte signature.
  std::string shortSig = "\x02\x02\x01k\x00\x00\x06\x1f"s + std::string(31, 'x');
  EXPECT_NE(error(shortSig).find("32 bytes"), std::string::npos);
  // A field claiming more data than there is.
  std::string overlong = "\x02\x02\x7fk\x00\x00\x06\x20"s + std::string(32, 'x');
  EXPECT_NE(error(overlong).find("past the end"), std::string::npos);
  // A first-party caveat with a location.
  std::string located = "\x02\x02\x01k\x00\x01\x01l\x02\x01" "c\x00\x00\x06\x20"s + std::string(32, 'x');
  EXPECT_NE(error(located).find("location not allowed"), std::string::npos);
  // A varint that never ends.
  EXPECT_NE(error("\x02\x02\xff\xff\xff\xff\xff\xff"s).find("varint"), std::string::npos);
  EXPECT_NE(error("").find("empty"), std::string::npos);
}

TEST(Macaroon, LongFieldsUseMultiByteLengths) {
  std::string longId(300, 'i');
  Macaroon m = Macaroon::mint("root", longId, "");
  m.addFirstPartyCaveat(std::string(200, 'c'));
  std::string bytes = m.serialize();
  // No location field: version, identifier type, then the varint 300 = 0xac 0x02.
  EXPECT_EQ(bytes.substr(0, 4), "\x02\x02\xac\x02"s);
  auto back = Macaroon::deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->identifier(), longId);
  EXPECT_EQ(back->location(), "");
  EXPECT_EQ(back->firstPartyCaveats()[0], std::string(200, 'c'));
  EXPECT_TRUE(back->verifySignature("root"));
}

TEST(Macaroon, ThirdPartyCaveatsRoundTripButNeverVerify) {
  // Header "k", then a caveat with location "tp", identifier "cid", verification id "vid".
  std::string bytes = "\x02\x02\x01k\x00\x01\x02tp\x02\x03" "cid\x04\x03vid\x00\x00\x06\x20"s +
                      std::string(32, 's');
  auto m = Macaroon::deserialize(bytes);
  ASSERT_TRUE(m.ok()) << m.error();
  ASSERT_EQ(m->caveats().size(), 1u);
  EXPECT_EQ(m->caveats()[0].location, "tp");
  EXPECT_EQ(m->caveats()[0].id, "cid");
  EXPECT_EQ(m->caveats()[0].verificationId, "vid");
  EXPECT_TRUE(m->hasThirdPartyCaveats());
  EXPECT_TRUE(m->firstPartyCaveats().empty());
  EXPECT_EQ(m->serialize(), bytes);
  EXPECT_FALSE(m->verifySignature("k"));
}

}  // namespace
}  // namespace turnpike::payments::lightning
