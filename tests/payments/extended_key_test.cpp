// BIP32 public derivation (test vectors 1, 2 and 5 of bip-0032.mediawiki), BIP84 and BIP49
// addresses (the test vectors of bip-0084 and bip-0049, mnemonic "abandon x11 about").
#include <gtest/gtest.h>

#include "onchain/address.hpp"
#include "onchain/extended_key.hpp"
#include "test_util.hpp"

namespace turnpike::payments::onchain {
namespace {

using test::hex;

constexpr char kBip84AccountZpub[] =
    "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";

ExtendedPublicKey mustParse(std::string_view text) {
  auto k = parseExtendedPublicKey(text);
  EXPECT_TRUE(k.ok()) << k.error();
  return k.ok() ? *k : ExtendedPublicKey{};
}

TEST(Bip84, AccountZpubAddresses) {
  ExtendedPublicKey account = mustParse(kBip84AccountZpub);
  EXPECT_EQ(account.network, Network::Mainnet);
  EXPECT_EQ(account.scriptType, ScriptType::P2WPKH);
  EXPECT_EQ(account.version, 0x04b24746u);
  EXPECT_EQ(account.depth, 3);
  EXPECT_EQ(account.childNumber, 0x80000000u);
  EXPECT_EQ(account.serialize(), kBip84AccountZpub);

  EXPECT_EQ(*deriveAddress(account, 0, 0, Network::Mainnet), "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
  EXPECT_EQ(*deriveAddress(account, 0, 1, Network::Mainnet), "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g");
  EXPECT_EQ(*deriveAddress(account, 1, 0, Network::Mainnet), "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el");

  EXPECT_EQ(hex(derivePath(account, {0, 0})->publicKey),
            "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c");
  EXPECT_EQ(hex(derivePath(account, {0, 1})->publicKey),
            "03e775fd51f0dfb8cd865d9ff1cca2a158cf651fe997fdc9fee9c1d3b5e995ea77");
  EXPECT_EQ(hex(derivePath(account, {1, 0})->publicKey),
            "03025324888e429ab8e3dbaf1f7802648b9cd01e9b418485c5fa4c1b9b5700e1a6");
}

TEST(Bip84, NetworkMustMatchTheKey) {
  ExtendedPublicKey account = mustParse(kBip84AccountZpub);
  auto wrong = deriveAddress(account, 0, 0, Network::Testnet);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().find("mainnet key"), std::string::npos) << wrong.error();
  EXPECT_FALSE(deriveAddress(account, 0, 0, Network::Regtest).ok());

  // The same key material under the testnet version (vpub) gives tb1 and bcrt1 addresses with the
  // same witness program.
  ExtendedPublicKey test = account;
  test.version = 0x045f1cf6;
  test.network = Network::Testnet;
  auto vpub = parseExtendedPublicKey(test.serialize());
  ASSERT_TRUE(vpub.ok()) << vpub.error();
  EXPECT_EQ(vpub->serialize().substr(0, 4), "vpub");
  EXPECT_EQ(vpub->network, Network::Testnet);
  EXPECT_EQ(vpub->scriptType, ScriptType::P2WPKH);
  auto mainProgram = parseAddress("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", Network::Mainnet)->program;
  for (Network n : {Network::Testnet, Network::Signet, Network::Regtest}) {
    auto a = deriveAddress(*vpub, 0, 0, n);
    ASSERT_TRUE(a.ok()) << a.error();
    EXPECT_EQ(a->rfind(std::string(segwitHrp(n)) + "1q", 0), 0u) << *a;
    EXPECT_EQ(parseAddress(*a, n)->program, mainProgram);
  }
  EXPECT_FALSE(deriveAddress(*vpub, 0, 0, Network::Mainnet).ok());
}

TEST(Bip49, UpubNestedSegwitAddress) {
  ExtendedPublicKey account = mustParse(
      "upub5EFU65HtV5TeiSHmZZm7FUffBGy8UKeqp7vw43jYbvZPpoVsgU93oac7Wk3u6moKegAEWtGNF8DehrnHtv21XXEMYRUocHqguyjknFHYfgY");
  EXPECT_EQ(account.network, Network::Testnet);
  EXPECT_EQ(account.scriptType, ScriptType::P2SH_P2WPKH);
  EXPECT_EQ(hex(derivePath(account, {0, 0})->publicKey),
            "03a1af804ac108a8a51782198c2d034b28bf90c8803f5a53f76276fa69a4eae77f");
  EXPECT_EQ(*deriveAddress(account, 0, 0, Network::Testnet), "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2");
}

// Each step of BIP32's vectors that a public key can take: from the xpub of a chain, derive a
// non-hardened child and compare with the vector's xpub of that child.
TEST(Bip32, PublicDerivationSteps) {
  struct Step {
    const char* parent;
    uint32_t index;
    const char* child;
  } steps[] = {
      // Test vector 1: m/0H -> m/0H/1, m/0H/1/2H -> m/0H/1/2H/2 -> .../1000000000
      {"xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw", 1,
       "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ"},
      {"xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5", 2,
       "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV"},
      {"xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV",
       1000000000,
       "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy"},
      // Test vector 2: m -> m/0, m/0/2147483647H -> .../1, .../2147483646H -> .../2
      {"xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB", 0,
       "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH"},
      {"xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaDMBU4Zn9h8LZNnBC5y4a", 1,
       "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537wTfunKau47EL2dhHKon"},
      {"xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL", 2,
       "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb9rXpVGyy3bdW6EEgAtqt"},
  };
  for (const auto& s : steps) {
    SCOPED_TRACE(s.child);
    ExtendedPublicKey parent = mustParse(s.parent);
    EXPECT_EQ(parent.serialize(), s.parent);
    auto child = deriveChild(parent, s.index);
    ASSERT_TRUE(child.ok()) << child.error();
    EXPECT_EQ(child->serialize(), s.child);
    EXPECT_EQ(child->parentFingerprint, parent.fingerprint());
    EXPECT_EQ(child->depth, parent.depth + 1);
  }
  // Vector 1's master fingerprint is 3442193e.
  EXPECT_EQ(mustParse("xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8")
                .fingerprint(),
            0x3442193eu);
}

TEST(Bip32, HardenedChildrenNeedThePrivateKey) {
  ExtendedPublicKey master = mustParse(
      "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8");
  auto hardened = deriveChild(master, 0x80000000);
  ASSERT_FALSE(hardened.ok());
  EXPECT_NE(hardened.error().find("hardened"), std::string::npos);
  EXPECT_FALSE(derivePath(master, {0, 0x80000001}).ok());
}

// Test vector 5: keys that must be rejected (the public-key entries, plus private keys).
TEST(Bip32, InvalidExtendedKeys) {
  const std::pair<const char*, const char*> invalid[] = {
      {"xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6LBpB85b3D2yc8sfvZU521AAwdZafEz7mnzBBsz4wKY5fTtTQBm",
       "not compressed"},  // pubkey version / prvkey mismatch
      {"xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Txnt3siSujt9RCVYsx4qHZGc62TG4McvMGcAUjeuwZdduYEvFn",
       "not compressed"},  // prefix 04
      {"xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6N8ZMMXctdiCjxTNq964yKkwrkBJJwpzZS4HS2fxvyYUA4q2Xe4",
       "not compressed"},  // prefix 01
      {"xpub661no6RGEX3uJkY4bNnPcw4URcQTrSibUZ4NqJEw5eBkv7ovTwgiT91XX27VbEXGENhYRCf7hyEbWrR3FewATdCEebj6znwMfQkhRYHRLpJ",
       "parent fingerprint"},
      {"xpub661MyMwAuDcm6CRQ5N4qiHKrJ39Xe1R1NyfouMKTTWcguwVcfrZJaNvhpebzGerh7gucBvzEQWRugZDuDXjNDRmXzSZe4c7mnTK97pTvGS8",
       "child number"},
      {"DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHGMQzT7ayAmfo4z3gY5KfbrZWZ6St24UVf2Qgo6oujFktLHdHY4",
       "unknown version"},
      {"xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Q5JXayek4PRsn35jii4veMimro1xefsM58PgBMrvdYre8QyULY",
       "not on the curve"},  // 020000...07
      {"xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHL",
       "checksum"},
      {"xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFGTQQD3dC4H2D5GBj7vWvSQaaBv5cxi9gafk7NF3pnBju6dwKvH",
       "private keys are not accepted"},
      {"xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet", "checksum"},
      {"", "too short"},
      {"3QJmnh", "78 bytes"},  // a valid Base58Check of nothing
  };
  for (const auto& [text, reason] : invalid) {
    SCOPED_TRACE(text);
    auto k = parseExtendedPublicKey(text);
    ASSERT_FALSE(k.ok());
    EXPECT_NE(k.error().find(reason), std::string::npos) << k.error();
  }
}

TEST(Bip32, AddressForEachScriptType) {
  // BIP84's first key in the three output types.
  ExtendedPublicKey account = mustParse(kBip84AccountZpub);
  std::string key = derivePath(account, {0, 0})->publicKey;
  EXPECT_EQ(*addressForKey(key, ScriptType::P2WPKH, Network::Mainnet), "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
  auto p2pkh = addressForKey(key, ScriptType::P2PKH, Network::Mainnet);
  ASSERT_TRUE(p2pkh.ok());
  EXPECT_EQ(p2pkh->front(), '1');
  EXPECT_EQ(parseAddress(*p2pkh, Network::Mainnet)->program,
            parseAddress("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", Network::Mainnet)->program);
  EXPECT_EQ(addressForKey(key, ScriptType::P2SH_P2WPKH, Network::Mainnet)->front(), '3');
  EXPECT_FALSE(addressForKey("short", ScriptType::P2WPKH, Network::Mainnet).ok());
}

}  // namespace
}  // namespace turnpike::payments::onchain
