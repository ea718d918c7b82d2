#include "onchain/address.hpp"

#include <stdexcept>

#include "common/base58.hpp"
#include "common/bech32.hpp"

namespace turnpike::payments::onchain {

namespace {

constexpr uint8_t kOpDup = 0x76, kOpHash160 = 0xa9, kOpEqualVerify = 0x88, kOpCheckSig = 0xac, kOpEqual = 0x87;
constexpr uint8_t kOp1 = 0x51;

uint8_t legacyVersion(Network network, AddressType type) {
  bool main = network == Network::Mainnet;
  if (type == AddressType::P2PKH) return main ? 0x00 : 0x6f;
  return main ? 0x05 : 0xc4;
}

std::string validateProgram(uint8_t version, size_t size) {
  if (version > 16) return "address: witness version above 16";
  if (size < 2 || size > 40) return "address: witness program must be 2 to 40 bytes";
  if (version == 0 && size != 20 && size != 32) return "address: version 0 witness program must be 20 or 32 bytes";
  return {};
}

}  // namespace

std::string Address::scriptPubKey() const {
  std::string s;
  switch (type) {
    case AddressType::P2PKH:
      s = {static_cast<char>(kOpDup), static_cast<char>(kOpHash160), 20};
      s += program;
      s += {static_cast<char>(kOpEqualVerify), static_cast<char>(kOpCheckSig)};
      break;
    case AddressType::P2SH:
      s = {static_cast<char>(kOpHash160), 20};
      s += program;
      s.push_back(static_cast<char>(kOpEqual));
      break;
    case AddressType::Segwit:
      s.push_back(static_cast<char>(witnessVersion == 0 ? 0 : kOp1 + witnessVersion - 1));
      s.push_back(static_cast<char>(program.size()));
      s += program;
      break;
  }
  return s;
}

Result<Address> parseAddress(std::string_view text, Network network) {
  const std::string_view hrp = segwitHrp(network);
  // A segwit address starts with its HRP and '1' in either case; anything else is Base58.
  bool segwit = text.size() > hrp.size() && text[hrp.size()] == '1';
  for (size_t i = 0; segwit && i < hrp.size(); ++i) segwit = (text[i] | 0x20) == hrp[i];
  if (!segwit) {
    auto payload = base58::decodeCheck(text);
    if (!payload) {
      if (text.find('1') != std::string_view::npos && bech32::decode(text, bech32::kSegwitMaxLength))
        return fail("address: segwit address for another network");
      return fail("address: " + payload.error());
    }
    if (payload->size() != 21) return fail("address: legacy address must carry 21 bytes");
    auto version = static_cast<uint8_t>((*payload)[0]);
    Address a;
    if (version == legacyVersion(network, AddressType::P2PKH)) {
      a.type = AddressType::P2PKH;
    } else if (version == legacyVersion(network, AddressType::P2SH)) {
      a.type = AddressType::P2SH;
    } else {
      return fail("address: legacy address for another network");
    }
    a.program = payload->substr(1);
    return a;
  }

  auto decoded = bech32::decode(text, bech32::kSegwitMaxLength);
  if (!decoded) return fail("address: " + decoded.error());
  if (decoded->hrp != hrp) return fail("address: segwit address for another network");
  if (decoded->data.empty()) return fail("address: empty data section");
  // Checks in the order of BIP350's reference decoder, so each invalid vector fails for its
  // documented reason.
  Address a;
  a.witnessVersion = decoded->data[0];
  auto program = bech32::fromWords(bech32::Words(decoded->data.begin() + 1, decoded->data.end()));
  if (!program) return fail("address: invalid padding in witness program");
  if (auto err = validateProgram(a.witnessVersion, program->size()); !err.empty()) return fail(err);
  auto expected = a.witnessVersion == 0 ? bech32::Encoding::Bech32 : bech32::Encoding::Bech32m;
  if (decoded->encoding != expected)
    return fail(a.witnessVersion == 0 ? "address: version 0 must use bech32" : "address: version 1+ must use bech32m");
  a.program = std::move(*program);
  return a;
}

Result<std::string> encodeSegwitAddress(Network network, uint8_t witnessVersion, std::string_view program) {
  if (auto err = validateProgram(witnessVersion, program.size()); !err.empty()) return fail(err);
  bech32::Words words{witnessVersion};
  bech32::Words data = bech32::toWords(program);
  words.insert(words.end(), data.begin(), data.end());
  return bech32::encode(segwitHrp(network), words,
                        witnessVersion == 0 ? bech32::Encoding::Bech32 : bech32::Encoding::Bech32m);
}

std::string encodeLegacyAddress(Network network, AddressType type, std::string_view hash) {
  if (type == AddressType::Segwit || hash.size() != 20)
    throw std::invalid_argument("address: legacy addresses carry a 20-byte hash");
  std::string payload(1, static_cast<char>(legacyVersion(network, type)));
  payload += hash;
  return base58::encodeCheck(payload);
}

Result<std::string> encodeAddress(Network network, const Address& address) {
  if (address.type == AddressType::Segwit) return encodeSegwitAddress(network, address.witnessVersion, address.program);
  if (address.program.size() != 20) return fail("address: legacy addresses carry a 20-byte hash");
  return encodeLegacyAddress(network, address.type, address.program);
}

}  // namespace turnpike::payments::onchain
