// Bitcoin addresses: segwit (BIP173 bech32 for v0, BIP350 bech32m for v1+) and the legacy
// Base58Check P2PKH / P2SH forms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/network.hpp"
#include "common/result.hpp"

namespace turnpike::payments::onchain {

enum class AddressType { P2PKH, P2SH, Segwit };

struct Address {
  AddressType type = AddressType::Segwit;
  uint8_t witnessVersion = 0;  // segwit only
  std::string program;         // witness program, or the 20-byte hash of a legacy address

  // The output script paying to this address.
  std::string scriptPubKey() const;
};

// Parses and validates an address for `network` (signet shares testnet's prefixes; regtest
// legacy addresses share testnet's versions). Segwit addresses are limited to 90 characters.
Result<Address> parseAddress(std::string_view text, Network network);

// Lowercase segwit address; fails on a version above 16 or an invalid program length.
Result<std::string> encodeSegwitAddress(Network network, uint8_t witnessVersion, std::string_view program);
// Base58Check P2PKH or P2SH address of a 20-byte hash (std::invalid_argument otherwise).
std::string encodeLegacyAddress(Network network, AddressType type, std::string_view hash);
// Any of the above from a parsed address.
Result<std::string> encodeAddress(Network network, const Address& address);

}  // namespace turnpike::payments::onchain
