// BIP21 URIs: the examples of bip-0021.mediawiki, exact BTC amounts from satoshis.
#include <gtest/gtest.h>

#include "onchain/bip21.hpp"

namespace turnpike::payments::onchain {
namespace {

TEST(Bip21, SpecExamples) {
  const std::string addr = "175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W";
  EXPECT_EQ(buildUri({addr, std::nullopt, "", "", ""}), "bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W");
  EXPECT_EQ(buildUri({addr, std::nullopt, "Luke-Jr", "", ""}), "bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?label=Luke-Jr");
  EXPECT_EQ(buildUri({addr, 2'030'000'000, "Luke-Jr", "", ""}),
            "bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=20.3&label=Luke-Jr");
  EXPECT_EQ(buildUri({addr, 5'000'000'000, "Luke-Jr", "Donation for project xyz", ""}),
            "bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=50&label=Luke-Jr&message=Donation%20for%20project%20xyz");
}

TEST(Bip21, UnifiedQrAndEscaping) {
  EXPECT_EQ(buildUri({"bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", 100'000, "Top-up #42", "a&b=c", "lnbc1m1xyz"}),
            "bitcoin:bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu?amount=0.001&label=Top-up%20%2342&message=a%26b%3Dc"
            "&lightning=lnbc1m1xyz");
  EXPECT_EQ(buildUri({"bc1q", std::nullopt, "", "", "lnbc1"}), "bitcoin:bc1q?lightning=lnbc1");
  EXPECT_EQ(buildUri({"bc1q", std::nullopt, "", "€ ü", ""}), "bitcoin:bc1q?message=%E2%82%AC%20%C3%BC");
}

TEST(Bip21, AmountsAreExactDecimals) {
  EXPECT_EQ(formatBtc(0), "0");
  EXPECT_EQ(formatBtc(1), "0.00000001");
  EXPECT_EQ(formatBtc(10), "0.0000001");
  EXPECT_EQ(formatBtc(100'000'000), "1");
  EXPECT_EQ(formatBtc(150'000'000), "1.5");
  EXPECT_EQ(formatBtc(2'030'000'000), "20.3");
  EXPECT_EQ(formatBtc(123'456'789), "1.23456789");
  EXPECT_EQ(formatBtc(2'100'000'000'000'000), "21000000");
  EXPECT_EQ(formatBtc(18'446'744'073'709'551'615u), "184467440737.09551615");
}

}  // namespace
}  // namespace turnpike::payments::onchain
