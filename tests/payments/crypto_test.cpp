// Hashes and MACs against FIPS 180 / RIPEMD-160 / RFC 4231 vectors; Base58 against Bitcoin
// Core's src/test/data/base58_encode_decode.json.
#include <gtest/gtest.h>

#include "common/base58.hpp"
#include "common/crypto.hpp"
#include "test_util.hpp"

namespace turnpike::payments {
namespace {

using test::hex;
using test::unhex;

TEST(Crypto, Digests) {
  EXPECT_EQ(hex(crypto::sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(crypto::sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(crypto::sha512("abc")),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  // RIPEMD-160 lives in OpenSSL 3's default provider since 3.0.7; these prove it is reachable.
  EXPECT_EQ(hex(crypto::ripemd160("abc")), "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
  EXPECT_EQ(hex(crypto::ripemd160("")), "9c1185a5c5e9fc54612808977ee8f548b2258d31");
  // BIP84 m/84'/0'/0'/0/0: hash160 of the key is the witness program of bc1qcr8te4kr...
  EXPECT_EQ(hex(crypto::hash160(unhex("0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c"))),
            "c0cebcd6c3d3ca8c75dc5ec62ebe55330ef910e2");
}

TEST(Crypto, HmacRfc4231) {
  const std::string key1(20, '\x0b');
  EXPECT_EQ(hex(crypto::hmacSha256(key1, "Hi There")), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(crypto::hmacSha512(key1, "Hi There")),
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
  EXPECT_EQ(hex(crypto::hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than the block is hashed first (RFC 4231 test case 6).
  EXPECT_EQ(hex(crypto::hmacSha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(hex(crypto::hmacSha512(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
  // Test case 7: long key and long data.
  EXPECT_EQ(hex(crypto::hmacSha256(std::string(131, '\xaa'),
                                   "This is a test using a larger than block-size key and a larger than block-size data. "
                                   "The key needs to be hashed before being used by the HMAC algorithm.")),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  // An empty key is a valid key, not a missing one.
  EXPECT_EQ(hex(crypto::hmacSha256("", "")), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Crypto, RandomAndConstantTimeEquals) {
  std::string a = crypto::randomBytes(32);
  std::string b = crypto::randomBytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(crypto::randomBytes(0).empty());
  EXPECT_TRUE(crypto::constantTimeEquals(a, a));
  EXPECT_FALSE(crypto::constantTimeEquals(a, b));
  EXPECT_FALSE(crypto::constantTimeEquals(a, a.substr(0, 31)));
  EXPECT_TRUE(crypto::constantTimeEquals("", ""));
}

TEST(Base58, BitcoinCoreVectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"61", "2g"},
      {"626262", "a3gV"},
      {"636363", "aPEr"},
      {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
      {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
      {"516b6fcd0f", "ABnLTmg"},
      {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
      {"572e4794", "3EFU7m"},
      {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
      {"10c8511e", "Rt5zm"},
      {"00000000000000000000", "1111111111"},
      {"000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5",
       "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
      {"271f359e", "zzzzy"},
      {"271f359f", "zzzzz"},
      {"271f35a0", "211111"},
  };
  for (const auto& [h, text] : vectors) {
    SCOPED_TRACE(text);
    EXPECT_EQ(base58::encode(unhex(h)), text);
    auto back = base58::decode(text);
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(hex(*back), h);
  }
  EXPECT_FALSE(base58::decode("0OIl").ok());
  EXPECT_FALSE(base58::decode("3SEo3LWLoPntC ").ok());
  EXPECT_FALSE(base58::decode(std::string(600, '2')).ok());
}

TEST(Base58, Check) {
  // Version 0 ‖ hash160: the P2PKH fallback address of BOLT11's examples.
  auto payload = base58::decodeCheck("1RustyRX2oai4EYYDpQGWvEL62BBGqN9T");
  ASSERT_TRUE(payload.ok()) << payload.error();
  EXPECT_EQ(hex(*payload), "0004b61f7dc1ea0dc99424464cc4064dc564d91e89");
  EXPECT_EQ(base58::encodeCheck(*payload), "1RustyRX2oai4EYYDpQGWvEL62BBGqN9T");
  auto tampered = base58::decodeCheck("1RustyRX2oai4EYYDpQGWvEL62BBGqN9U");
  ASSERT_FALSE(tampered.ok());
  EXPECT_NE(tampered.error().find("checksum"), std::string::npos);
  EXPECT_FALSE(base58::decodeCheck("2g").ok());  // shorter than a checksum
  EXPECT_EQ(base58::encodeCheck(""), "3QJmnh");
  EXPECT_EQ(*base58::decodeCheck("3QJmnh"), std::string());
}

}  // namespace
}  // namespace turnpike::payments
