// Segwit addresses (BIP173 and BIP350 test vectors) and Base58 legacy addresses (BOLT11's
// fallback examples).
#include <gtest/gtest.h>

#include "onchain/address.hpp"
#include "test_util.hpp"

namespace turnpike::payments::onchain {
namespace {

using test::hex;
using test::unhex;

Network networkOfHrp(std::string_view address) {
  std::string lower(address.substr(0, 4));
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind("bcrt", 0) == 0) return Network::Regtest;
  return lower.rfind("bc", 0) == 0 ? Network::Mainnet : Network::Testnet;
}

TEST(SegwitAddress, ValidVectors) {
  const std::pair<const char*, const char*> valid[] = {
      // BIP350 (v1+ in bech32m) and BIP173's v0 entries.
      {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
      {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
       "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
      {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
       "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
      {"BC1SW50QGDZ25J", "6002751e"},
      {"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"},
      {"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
       "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
      {"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
       "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
      {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
       "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
  };
  for (const auto& [text, script] : valid) {
    SCOPED_TRACE(text);
    Network n = networkOfHrp(text);
    auto a = parseAddress(text, n);
    ASSERT_TRUE(a.ok()) << a.error();
    EXPECT_EQ(a->type, AddressType::Segwit);
    EXPECT_EQ(hex(a->scriptPubKey()), script);
    std::string lower(text);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(*encodeAddress(n, *a), lower);
  }
}

TEST(SegwitAddress, InvalidVectors) {
  const std::pair<const char*, const char*> invalid[] = {
      {"tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", "another network"},
      {"tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", "another network"},
      {"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "invalid checksum"},
      {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "must use bech32m"},
      {"tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", "must use bech32m"},
      {"BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", "must use bech32m"},
      {"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "must use bech32"},
      {"tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", "must use bech32"},
      {"bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "invalid data character"},
      {"BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "witness version above 16"},
      {"BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", "witness version above 16"},
      {"bc1pw5dgrnzv", "2 to 40 bytes"},
      {"bc1rw5uspcuh", "2 to 40 bytes"},
      {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav", "2 to 40 bytes"},
      {"bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90", "2 to 40 bytes"},
      {"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "20 or 32"},
      {"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", "mixed case"},
      {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", "mixed case"},
      {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "invalid padding"},
      {"bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", "invalid padding"},
      {"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", "invalid padding"},
      {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv", "invalid padding"},
      {"bc1gmk9yu", "empty data section"},
  };
  for (const auto& [text, reason] : invalid) {
    SCOPED_TRACE(text);
    auto a = parseAddress(text, networkOfHrp(text));
    ASSERT_FALSE(a.ok());
    EXPECT_NE(a.error().find(reason), std::string::npos) << a.error();
  }
}

TEST(SegwitAddress, WrongNetworkIsRefused) {
  EXPECT_FALSE(parseAddress("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", Network::Testnet).ok());
  EXPECT_FALSE(parseAddress("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", Network::Regtest).ok());
  EXPECT_FALSE(parseAddress("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", Network::Mainnet).ok());
  EXPECT_TRUE(parseAddress("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", Network::Signet).ok());
  auto regtest = encodeSegwitAddress(Network::Regtest, 0, unhex("751e76e8199196d454941c45d1b3a323f1433bd6"));
  ASSERT_TRUE(regtest.ok());
  EXPECT_EQ(regtest->rfind("bcrt1q", 0), 0u);
  EXPECT_TRUE(parseAddress(*regtest, Network::Regtest).ok());
  EXPECT_FALSE(parseAddress(*regtest, Network::Mainnet).ok());
  // Longer than BIP173's 90 characters.
  EXPECT_FALSE(parseAddress("bc1" + std::string(88, 'q'), Network::Mainnet).ok());
}

TEST(SegwitAddress, EncodeRefusesInvalidPrograms) {
  EXPECT_FALSE(encodeSegwitAddress(Network::Mainnet, 0, std::string(21, 'a')).ok());
  EXPECT_FALSE(encodeSegwitAddress(Network::Mainnet, 1, std::string(1, 'a')).ok());
  EXPECT_FALSE(encodeSegwitAddress(Network::Mainnet, 1, std::string(41, 'a')).ok());
  EXPECT_FALSE(encodeSegwitAddress(Network::Mainnet, 17, std::string(32, 'a')).ok());
  EXPECT_EQ(*encodeSegwitAddress(Network::Mainnet, 1, unhex("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")),
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0");
}

TEST(LegacyAddress, P2pkhAndP2sh) {
  auto rusty = parseAddress("1RustyRX2oai4EYYDpQGWvEL62BBGqN9T", Network::Mainnet);
  ASSERT_TRUE(rusty.ok()) << rusty.error();
  EXPECT_EQ(rusty->type, AddressType::P2PKH);
  EXPECT_EQ(hex(rusty->program), "04b61f7dc1ea0dc99424464cc4064dc564d91e89");
  EXPECT_EQ(hex(rusty->scriptPubKey()), "76a91404b61f7dc1ea0dc99424464cc4064dc564d91e8988ac");

  auto p2sh = parseAddress("3EktnHQD7RiAE6uzMj2ZifT9YgRrkSgzQX", Network::Mainnet);
  ASSERT_TRUE(p2sh.ok()) << p2sh.error();
  EXPECT_EQ(p2sh->type, AddressType::P2SH);
  EXPECT_EQ(hex(p2sh->scriptPubKey()).substr(0, 4), "a914");
  EXPECT_EQ(encodeLegacyAddress(Network::Mainnet, AddressType::P2SH, p2sh->program), "3EktnHQD7RiAE6uzMj2ZifT9YgRrkSgzQX");

  auto testnet = parseAddress("mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP", Network::Testnet);
  ASSERT_TRUE(testnet.ok()) << testnet.error();
  EXPECT_EQ(testnet->type, AddressType::P2PKH);
  EXPECT_TRUE(parseAddress("mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP", Network::Regtest).ok());

  EXPECT_NE(parseAddress("mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP", Network::Mainnet).error().find("another network"),
            std::string::npos);
  EXPECT_NE(parseAddress("1RustyRX2oai4EYYDpQGWvEL62BBGqN9T", Network::Testnet).error().find("another network"),
            std::string::npos);
  EXPECT_NE(parseAddress("1RustyRX2oai4EYYDpQGWvEL62BBGqN9U", Network::Mainnet).error().find("checksum"),
            std::string::npos);
  EXPECT_FALSE(parseAddress("", Network::Mainnet).ok());
  EXPECT_THROW(encodeLegacyAddress(Network::Mainnet, AddressType::P2PKH, "short"), std::invalid_argument);
}

}  // namespace
}  // namespace turnpike::payments::onchain
