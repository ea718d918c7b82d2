#include "onchain/extended_key.hpp"

#include "common/base58.hpp"
#include "common/crypto.hpp"
#include "common/secp256k1.hpp"
#include "onchain/address.hpp"

namespace turnpike::payments::onchain {

namespace {

constexpr size_t kSerializedSize = 78;
constexpr uint32_t kHardened = 0x80000000;

struct VersionInfo {
  uint32_t version;
  Network network;
  ScriptType scriptType;
  bool isPrivate;
};

// BIP32 (x/t), BIP49 (y/u) and BIP84 (z/v) versions as registered in SLIP-0132.
constexpr VersionInfo kVersions[] = {
    {0x0488b21e, Network::Mainnet, ScriptType::P2PKH, false},        // xpub
    {0x049d7cb2, Network::Mainnet, ScriptType::P2SH_P2WPKH, false},  // ypub
    {0x04b24746, Network::Mainnet, ScriptType::P2WPKH, false},       // zpub
    {0x043587cf, Network::Testnet, ScriptType::P2PKH, false},        // tpub
    {0x044a5262, Network::Testnet, ScriptType::P2SH_P2WPKH, false},  // upub
    {0x045f1cf6, Network::Testnet, ScriptType::P2WPKH, false},       // vpub
    {0x0488ade4, Network::Mainnet, ScriptType::P2PKH, true},         // xprv
    {0x049d7878, Network::Mainnet, ScriptType::P2SH_P2WPKH, true},   // yprv
    {0x04b2430c, Network::Mainnet, ScriptType::P2WPKH, true},        // zprv
    {0x04358394, Network::Testnet, ScriptType::P2PKH, true},         // tprv
    {0x044a4e28, Network::Testnet, ScriptType::P2SH_P2WPKH, true},   // uprv
    {0x045f18bc, Network::Testnet, ScriptType::P2WPKH, true},        // vprv
};

uint32_t readU32(std::string_view b, size_t off) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[off])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[off + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[off + 2])) << 8) | static_cast<uint8_t>(b[off + 3]);
}

void writeU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

bool networkAccepts(Network keyNetwork, Network network) {
  if (keyNetwork == Network::Mainnet) return network == Network::Mainnet;
  return network != Network::Mainnet;
}

}  // namespace

std::string ExtendedPublicKey::serialize() const {
  std::string out;
  out.reserve(kSerializedSize);
  writeU32(out, version);
  out.push_back(static_cast<char>(depth));
  writeU32(out, parentFingerprint);
  writeU32(out, childNumber);
  out += chainCode;
  out += publicKey;
  return base58::encodeCheck(out);
}

uint32_t ExtendedPublicKey::fingerprint() const { return readU32(crypto::hash160(publicKey), 0); }

Result<ExtendedPublicKey> parseExtendedPublicKey(std::string_view text) {
  auto data = base58::decodeCheck(text);
  if (!data) return fail("extended key: " + data.error());
  if (data->size() != kSerializedSize) return fail("extended key: must be 78 bytes");
  const std::string& b = *data;

  ExtendedPublicKey key;
  key.version = readU32(b, 0);
  const VersionInfo* info = nullptr;
  for (const auto& v : kVersions)
    if (v.version == key.version) info = &v;
  if (info == nullptr) return fail("extended key: unknown version");
  if (info->isPrivate) return fail("extended key: private keys are not accepted, export the public key");
  key.network = info->network;
  key.scriptType = info->scriptType;
  key.depth = static_cast<uint8_t>(b[4]);
  key.parentFingerprint = readU32(b, 5);
  key.childNumber = readU32(b, 9);
  key.chainCode = b.substr(13, 32);
  key.publicKey = b.substr(45, 33);

  if (key.depth == 0 && key.parentFingerprint != 0) return fail("extended key: zero depth with a parent fingerprint");
  if (key.depth == 0 && key.childNumber != 0) return fail("extended key: zero depth with a child number");
  auto prefix = static_cast<uint8_t>(key.publicKey[0]);
  if (prefix != 0x02 && prefix != 0x03) return fail("extended key: public key is not compressed");
  if (!Secp256k1::shared().parsePublicKey(key.publicKey)) return fail("extended key: public key is not on the curve");
  return key;
}

Result<ExtendedPublicKey> deriveChild(const ExtendedPublicKey& parent, uint32_t index) {
  if (index >= kHardened) return fail("extended key: hardened derivation needs the private key");
  if (parent.depth == 255) return fail("extended key: maximum depth reached");
  std::string data = parent.publicKey;
  writeU32(data, index);
  std::string i = crypto::hmacSha512(parent.chainCode, data);
  auto child = Secp256k1::shared().tweakAddPublicKey(parent.publicKey, std::string_view(i).substr(0, 32));
  if (!child) return fail("extended key: invalid child at index " + std::to_string(index) + ", use the next one");

  ExtendedPublicKey out = parent;
  out.depth = static_cast<uint8_t>(parent.depth + 1);
  out.parentFingerprint = parent.fingerprint();
  out.childNumber = index;
  out.chainCode = i.substr(32);
  out.publicKey = std::move(*child);
  return out;
}

Result<ExtendedPublicKey> derivePath(const ExtendedPublicKey& parent, const std::vector<uint32_t>& path) {
  ExtendedPublicKey key = parent;
  for (uint32_t index : path) {
    auto child = deriveChild(key, index);
    if (!child) return child;
    key = std::move(*child);
  }
  return key;
}

Result<std::string> addressForKey(std::string_view publicKey, ScriptType type, Network network) {
  if (publicKey.size() != 33) return fail("address: public key must be 33 bytes");
  std::string keyHash = crypto::hash160(publicKey);
  switch (type) {
    case ScriptType::P2PKH: return encodeLegacyAddress(network, AddressType::P2PKH, keyHash);
    case ScriptType::P2SH_P2WPKH: {
      // BIP49: the P2SH script is the v0 witness program OP_0 <keyhash>.
      std::string redeemScript{0x00, 0x14};
      redeemScript += keyHash;
      return encodeLegacyAddress(network, AddressType::P2SH, crypto::hash160(redeemScript));
    }
    case ScriptType::P2WPKH: return encodeSegwitAddress(network, 0, keyHash);
  }
  return fail("address: unknown script type");
}

Result<std::string> deriveAddress(const ExtendedPublicKey& account, uint32_t change, uint32_t index,
                                  Network network) {
  if (!networkAccepts(account.network, network))
    return fail(std::string("extended key: a ") + std::string(networkName(account.network)) + " key cannot make " +
                std::string(networkName(network)) + " addresses");
  auto key = derivePath(account, {change, index});
  if (!key) return fail(key.error());
  return addressForKey(key->publicKey, account.scriptType, network);
}

}  // namespace turnpike::payments::onchain
