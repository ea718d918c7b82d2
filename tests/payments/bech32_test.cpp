// Bech32 / Bech32m strings from the test vectors of BIP173 and BIP350.
#include <gtest/gtest.h>

#include "common/bech32.hpp"

namespace turnpike::payments::bech32 {
namespace {

TEST(Bech32, ValidStringsRoundTrip) {
  const std::pair<const char*, Encoding> valid[] = {
      {"A12UEL5L", Encoding::Bech32},
      {"a12uel5l", Encoding::Bech32},
      {"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs", Encoding::Bech32},
      {"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", Encoding::Bech32},
      {"11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j", Encoding::Bech32},
      {"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", Encoding::Bech32},
      {"?1ezyfcl", Encoding::Bech32},
      {"A1LQFN3A", Encoding::Bech32m},
      {"a1lqfn3a", Encoding::Bech32m},
      {"an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6", Encoding::Bech32m},
      {"abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx", Encoding::Bech32m},
      {"11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8", Encoding::Bech32m},
      {"split1checkupstagehandshakeupstreamerranterredcaperredlc445v", Encoding::Bech32m},
      {"?1v759aa", Encoding::Bech32m},
  };
  for (const auto& [text, encoding] : valid) {
    SCOPED_TRACE(text);
    auto d = decode(text, kSegwitMaxLength);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d->encoding, encoding);
    std::string lower(text);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(encode(d->hrp, d->data, d->encoding), lower);
  }
  auto d = decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", kSegwitMaxLength);
  EXPECT_EQ(d->hrp, "abcdef");
  ASSERT_EQ(d->data.size(), 32u);
  for (uint8_t i = 0; i < 32; ++i) EXPECT_EQ(d->data[i], i);
}

TEST(Bech32, InvalidStrings) {
  const std::pair<std::string, const char*> invalid[] = {
      {std::string(1, '\x20') + "1nwldj5", "out of range"},
      {std::string(1, '\x7f') + "1axkwrx", "out of range"},
      {std::string(1, '\x80') + "1eym55h", "out of range"},
      {"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx", "longer than 90"},
      {"pzry9x0s0muk", "no separator"},
      {"1pzry9x0s0muk", "empty HRP"},
      {"x1b4n0q5v", "invalid data character"},
      {"li1dgmt3", "checksum too short"},
      {"de1lg7wt" + std::string(1, '\xff'), "out of range"},
      {"A1G7SGD8", "invalid checksum"},
      {"10a06t8", "empty HRP"},
      {"1qzzfhee", "empty HRP"},
      // BIP350's list for Bech32m.
      {"qyrz8wqd2c9m", "no separator"},
      {"1qyrz8wqd2c9m", "empty HRP"},
      {"y1b0jsk6g", "invalid data character"},
      {"lt1igcx5c0", "invalid data character"},
      {"in1muywd", "checksum too short"},
      {"mm1crxm3i", "invalid data character"},
      {"au1s5cgom", "invalid data character"},
      {"M1VUXWEZ", "invalid checksum"},
      {"16plkw9", "empty HRP"},
      {"1p2gdwpf", "empty HRP"},
      {"A12UEl5L", "mixed case"},
  };
  for (const auto& [text, reason] : invalid) {
    SCOPED_TRACE(text);
    auto d = decode(text, kSegwitMaxLength);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().find(reason), std::string::npos) << d.error();
  }
}

TEST(Bech32, LengthLimitIsTheCallers) {
  std::string longOne = encode("ln", Words(200, 3), Encoding::Bech32);
  EXPECT_FALSE(decode(longOne, kSegwitMaxLength).ok());
  EXPECT_TRUE(decode(longOne, kNoLengthLimit).ok());
  EXPECT_TRUE(decode(longOne, longOne.size()).ok());
  EXPECT_FALSE(decode(longOne, longOne.size() - 1).ok());
  EXPECT_THROW(encode("Ab", {}, Encoding::Bech32), std::invalid_argument);
  EXPECT_THROW(encode("ab", {32}, Encoding::Bech32), std::invalid_argument);
  EXPECT_THROW(encode("", {}, Encoding::Bech32), std::invalid_argument);
}

TEST(Bech32, ConvertBits) {
  EXPECT_EQ(toWords("\xff"), (Words{31, 28}));
  EXPECT_EQ(toWords(""), Words{});
  EXPECT_EQ(fromWords({31, 28}), std::string("\xff"));
  EXPECT_FALSE(fromWords({31, 29}));          // non-zero padding
  EXPECT_FALSE(fromWords({31, 28, 0}));       // a whole extra word of padding
  EXPECT_FALSE(fromWords({32}));              // not a 5-bit value
  EXPECT_EQ(fromWords({}), std::string());
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(fromWords(toWords(all)), all);
  EXPECT_EQ(convertBits({1, 2, 3}, 8, 5, true)->size(), 5u);
  EXPECT_FALSE(convertBits({1, 2, 3}, 8, 5, false));  // 24 bits leave 4 non-zero bits
}

}  // namespace
}  // namespace turnpike::payments::bech32
