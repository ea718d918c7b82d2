// turnpike/encoding.hpp: RFC 4648 §10 test vectors, strictness of the decoders.
#include <gtest/gtest.h>

#include <turnpike/encoding.hpp>

namespace turnpike::sdk::encoding {
namespace {

TEST(Encoding, HexRoundTripAndCase) {
  EXPECT_EQ(hexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(hexEncode(""), "");
  EXPECT_EQ(hexDecode("0001abff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(hexDecode("0001ABFF"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(hexDecode("aBcD"), std::string("\xab\xcd"));
  EXPECT_EQ(hexDecode(""), std::string());
  EXPECT_FALSE(hexDecode("abc"));
  EXPECT_FALSE(hexDecode("zz"));
  EXPECT_FALSE(hexDecode("0x00"));
  EXPECT_FALSE(hexDecode(" 00"));
  EXPECT_EQ(hexValue('f'), 15);
  EXPECT_EQ(hexValue('G'), -1);
}

TEST(Encoding, Base64Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},       {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64Encode(plain), encoded);
    EXPECT_EQ(base64Decode(encoded), std::string(plain));
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(base64Decode(base64Encode(all)), all);
  EXPECT_EQ(base64Encode("\xfb\xff"), "+/8=");
}

TEST(Encoding, Base64DecodeIsStrict) {
  EXPECT_FALSE(base64Decode("Zg"));        // padding required
  EXPECT_FALSE(base64Decode("Zg="));       // incomplete padding
  EXPECT_FALSE(base64Decode("Zh=="));      // non-zero leftover bits
  EXPECT_FALSE(base64Decode("Zm9v\n"));    // stray character
  EXPECT_FALSE(base64Decode("Zm=v"));      // padding in the middle
  EXPECT_FALSE(base64Decode("-_8="));      // URL alphabet
  EXPECT_FALSE(base64Decode("===="));
  EXPECT_FALSE(base64Decode("Z==="));
}

TEST(Encoding, Base64Url) {
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64UrlDecode("-_8"), std::string("\xfb\xff"));
  EXPECT_EQ(base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64UrlEncode("f"), "Zg");
  EXPECT_EQ(base64UrlDecode("Zg"), std::string("f"));
  EXPECT_EQ(base64UrlDecode(""), std::string());
  EXPECT_FALSE(base64UrlDecode("Zg=="));  // no padding in base64url here
  EXPECT_FALSE(base64UrlDecode("+/8"));   // standard alphabet
  EXPECT_FALSE(base64UrlDecode("Z"));     // impossible length
  EXPECT_FALSE(base64UrlDecode("Zh"));    // non-zero leftover bits
}

TEST(Encoding, PercentEncode) {
  EXPECT_EQ(percentEncode("Donation for project xyz"), "Donation%20for%20project%20xyz");
  EXPECT_EQ(percentEncode("a-b.c_d~e"), "a-b.c_d~e");
  EXPECT_EQ(percentEncode("a&b=c?d/e+f%"), "a%26b%3Dc%3Fd%2Fe%2Bf%25");
  EXPECT_EQ(percentEncode("€"), "%E2%82%AC");
  EXPECT_EQ(percentEncode(std::string("\x00", 1)), "%00");
}

}  // namespace
}  // namespace turnpike::sdk::encoding
