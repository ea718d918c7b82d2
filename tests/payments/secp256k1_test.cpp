// The libsecp256k1 wrapper: keys from BOLT11's and BIP84's vectors, sign/recover/verify, tweaks.
#include <gtest/gtest.h>

#include "common/base58.hpp"
#include "common/crypto.hpp"
#include "common/secp256k1.hpp"
#include "test_util.hpp"

namespace turnpike::payments {
namespace {

using test::hex;
using test::unhex;

const Secp256k1& secp = Secp256k1::shared();

std::string secretOf(uint8_t last) {
  std::string s(32, '\0');
  s[31] = static_cast<char>(last);
  return s;
}

TEST(Secp256k1, PublicKeysFromKnownSecrets) {
  // BOLT11's example key.
  EXPECT_EQ(hex(*secp.publicKey(unhex("e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734"))),
            "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad");
  // BIP84's first receive key, given as WIF: 0x80 ‖ secret ‖ 0x01 (compressed).
  auto wif = base58::decodeCheck("KyZpNDKnfs94vbrwhJneDi77V6jF64PWPF8x5cdJb8ifgg2DUc9d");
  ASSERT_TRUE(wif.ok());
  ASSERT_EQ(wif->size(), 34u);
  EXPECT_EQ(hex(*secp.publicKey(wif->substr(1, 32))),
            "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c");
  // 1·G.
  EXPECT_EQ(hex(*secp.publicKey(secretOf(1))), "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
}

TEST(Secp256k1, RejectsInvalidSecretsAndKeys) {
  const std::string order = unhex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  EXPECT_FALSE(secp.publicKey(secretOf(0)));
  EXPECT_FALSE(secp.publicKey(order));
  EXPECT_FALSE(secp.publicKey("short"));
  EXPECT_FALSE(secp.isValidSecretKey(order));
  EXPECT_TRUE(secp.isValidSecretKey(secretOf(1)));
  // x = 7 has no point on the curve (BIP32 test vector 5).
  EXPECT_FALSE(secp.parsePublicKey(unhex("020000000000000000000000000000000000000000000000000000000000000007")));
  EXPECT_FALSE(secp.parsePublicKey(unhex("0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")));
  EXPECT_FALSE(secp.parsePublicKey(""));
}

TEST(Secp256k1, UncompressedKeysAreNormalized) {
  auto g = secp.parsePublicKey(unhex(
      "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
      "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"));
  ASSERT_TRUE(g);
  EXPECT_EQ(hex(*g), "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
}

TEST(Secp256k1, SignRecoverVerify) {
  const std::string key = crypto::sha256("a test key");
  const std::string pub = *secp.publicKey(key);
  const std::string digest = crypto::sha256("message");
  auto sig = secp.signRecoverable(digest, key);
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->compact.size(), 64u);
  EXPECT_GE(sig->recoveryId, 0);
  EXPECT_LE(sig->recoveryId, 3);
  EXPECT_TRUE(secp.isLowS(sig->compact));
  // RFC6979: the same message and key sign identically.
  EXPECT_EQ(secp.signRecoverable(digest, key)->compact, sig->compact);

  EXPECT_EQ(secp.recoverPublicKey(digest, sig->compact, sig->recoveryId), pub);
  EXPECT_NE(secp.recoverPublicKey(digest, sig->compact, sig->recoveryId ^ 1), pub);
  EXPECT_NE(secp.recoverPublicKey(crypto::sha256("other"), sig->compact, sig->recoveryId), pub);
  EXPECT_FALSE(secp.recoverPublicKey(digest, sig->compact, 4));

  EXPECT_TRUE(secp.verify(digest, sig->compact, pub));
  EXPECT_FALSE(secp.verify(crypto::sha256("other"), sig->compact, pub));
  EXPECT_FALSE(secp.verify(digest, sig->compact, *secp.publicKey(secretOf(1))));
  std::string flipped = sig->compact;
  flipped[10] ^= 1;
  EXPECT_FALSE(secp.verify(digest, flipped, pub));
  EXPECT_FALSE(secp.signRecoverable("short", key));
}

TEST(Secp256k1, HighSIsRefusedByVerifyButRecoverable) {
  const std::string key = crypto::sha256("another key");
  const std::string digest = crypto::sha256("m");
  auto sig = *secp.signRecoverable(digest, key);
  // s' = n - s, computed with the scalar arithmetic of secret keys: (n - s) = -(s) mod n.
  std::string s = sig.compact.substr(32);
  std::string negated = s;
  // n - s by long subtraction.
  const std::string order = unhex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = static_cast<uint8_t>(order[i]) - static_cast<uint8_t>(s[i]) - borrow;
    borrow = d < 0;
    negated[i] = static_cast<char>(d + (borrow ? 256 : 0));
  }
  std::string high = sig.compact.substr(0, 32) + negated;
  EXPECT_FALSE(secp.isLowS(high));
  EXPECT_FALSE(secp.verify(digest, high, *secp.publicKey(key)));
  // The same R with the opposite parity recovers the signer from the high-S form.
  EXPECT_EQ(secp.recoverPublicKey(digest, high, sig.recoveryId ^ 1), secp.publicKey(key));
}

TEST(Secp256k1, TweakAdd) {
  // 1·G + 2·G = 3·G
  auto three = secp.tweakAddPublicKey(*secp.publicKey(secretOf(1)), secretOf(2));
  ASSERT_TRUE(three);
  EXPECT_EQ(*three, *secp.publicKey(secretOf(3)));
  // Adding n - 1 to 1·G gives the point at infinity.
  const std::string orderMinusOne = unhex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140");
  EXPECT_FALSE(secp.tweakAddPublicKey(*secp.publicKey(secretOf(1)), orderMinusOne));
  EXPECT_FALSE(secp.tweakAddPublicKey(*secp.publicKey(secretOf(1)),
                                      unhex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")));
  EXPECT_FALSE(secp.tweakAddPublicKey("bad", secretOf(1)));
}

}  // namespace
}  // namespace turnpike::payments
