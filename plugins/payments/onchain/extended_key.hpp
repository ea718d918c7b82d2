// BIP32 extended public keys (xpub/ypub/zpub and their testnet forms tpub/upub/vpub), public
// child derivation, and the receive/change addresses of an account key (BIP44/49/84 layout
// account/change/index).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/network.hpp"
#include "common/result.hpp"

namespace turnpike::payments::onchain {

// The output type a key's version announces (SLIP-0132).
enum class ScriptType { P2PKH, P2SH_P2WPKH, P2WPKH };

struct ExtendedPublicKey {
  uint32_t version = 0;
  Network network = Network::Mainnet;  // Testnet for the t/u/vpub versions (also used on signet/regtest)
  ScriptType scriptType = ScriptType::P2WPKH;
  uint8_t depth = 0;
  uint32_t parentFingerprint = 0;
  uint32_t childNumber = 0;
  std::string chainCode;  // 32 bytes
  std::string publicKey;  // 33 bytes, compressed

  // Base58Check of the 78-byte serialization, with the same version.
  std::string serialize() const;
  // First 4 bytes of hash160(publicKey), big-endian.
  uint32_t fingerprint() const;
};

// Refuses private keys, unknown versions, bad checksums, off-curve keys and the inconsistent
// depth/fingerprint/index combinations of BIP32's test vector 5.
Result<ExtendedPublicKey> parseExtendedPublicKey(std::string_view text);

// CKDpub: I = HMAC-SHA512(chainCode, publicKey ‖ ser32(index)); index must be below 2^31
// (hardened children need the private key). Fails in the ~2^-127 case BIP32 says to skip.
Result<ExtendedPublicKey> deriveChild(const ExtendedPublicKey& parent, uint32_t index);
Result<ExtendedPublicKey> derivePath(const ExtendedPublicKey& parent, const std::vector<uint32_t>& path);

// Address of `account`/change/index, in the key's scriptType, for `network` (which must be the
// key's own network, or signet/regtest for a testnet key).
Result<std::string> deriveAddress(const ExtendedPublicKey& account, uint32_t change, uint32_t index,
                                  Network network);
// The address of one public key in a given script type.
Result<std::string> addressForKey(std::string_view publicKey, ScriptType type, Network network);

}  // namespace turnpike::payments::onchain
