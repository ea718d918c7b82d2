// Bech32 strings, Bitcoin addresses and BIP21 URIs. The first byte picks the mode:
//  0  bech32 text: what decodes encodes back to the lowercased text, and its words regroup to
//     bytes and back unchanged; text given a valid checksum first always decodes to its words;
//  1  address text for one of the networks: what parses encodes back to the same address
//     (segwit lowercased) and parses again to the same fields;
//  2  BIP21 URIs built from fuzzed fields: every parameter reads back exactly, percent-decoded,
//     and the amount in BTC reads back as the same number of satoshis.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>

#include "bech32_repair.hpp"
#include "common/bech32.hpp"
#include "fuzz_check.hpp"
#include "onchain/address.hpp"
#include "onchain/bip21.hpp"
#include "util/strings.hpp"

namespace {

using namespace turnpike::payments;
using turnpike::util::split;
using turnpike::util::toLower;

constexpr Network kNetworks[] = {Network::Mainnet, Network::Testnet, Network::Signet, Network::Regtest};

void fuzzBech32(std::string text, bool repair, bech32::Encoding encoding) {
  std::optional<std::string> repaired;
  if (repair) {
    repaired = turnpike::fuzz::withValidChecksum(text, encoding);
    if (!repaired) return;
    text = *repaired;
  }
  auto decoded = bech32::decode(text, bech32::kNoLengthLimit);
  if (repaired) FUZZ_CHECK(decoded.ok() && decoded->encoding == encoding);
  if (!decoded) return;
  FUZZ_CHECK(bech32::encode(decoded->hrp, decoded->data, decoded->encoding) == toLower(text));
  FUZZ_CHECK(bech32::decode(text, bech32::kSegwitMaxLength).ok() == (text.size() <= bech32::kSegwitMaxLength));
  if (auto bytes = bech32::fromWords(decoded->data)) FUZZ_CHECK(bech32::toWords(*bytes) == decoded->data);
}

void fuzzAddress(std::string text, Network network, bool repair, bech32::Encoding encoding) {
  if (repair) {
    auto repaired = turnpike::fuzz::withValidChecksum(text, encoding);
    if (!repaired) return;
    text = *repaired;
  }
  auto address = onchain::parseAddress(text, network);
  if (!address) return;
  auto encoded = onchain::encodeAddress(network, *address);
  FUZZ_CHECK(encoded.ok());
  FUZZ_CHECK(*encoded == (address->type == onchain::AddressType::Segwit ? toLower(text) : text));
  auto again = onchain::parseAddress(*encoded, network);
  FUZZ_CHECK(again.ok() && again->type == address->type && again->witnessVersion == address->witnessVersion &&
             again->program == address->program);
  FUZZ_CHECK(!address->scriptPubKey().empty());
}

bool unreservedOrEscape(std::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~')
      continue;
    if (c != '%' || i + 2 >= value.size() || turnpike::util::hexValue(value[i + 1]) < 0 ||
        turnpike::util::hexValue(value[i + 2]) < 0)
      return false;
    i += 2;
  }
  return true;
}

// "20.3" -> 2030000000.
std::optional<uint64_t> parseBtc(std::string_view text) {
  size_t dot = text.find('.');
  auto whole = turnpike::util::parseUint(text.substr(0, dot));
  if (!whole) return std::nullopt;
  std::string fraction = dot == std::string_view::npos ? "" : std::string(text.substr(dot + 1));
  if (fraction.size() > 8 || (dot != std::string_view::npos && (fraction.empty() || fraction.back() == '0')))
    return std::nullopt;
  fraction.resize(8, '0');
  return *whole * 100'000'000 + *turnpike::util::parseUint(fraction);
}

void fuzzBip21(FuzzedDataProvider& fdp) {
  Network network = fdp.PickValueInArray(kNetworks);
  auto version = fdp.ConsumeIntegralInRange<uint8_t>(0, 16);
  std::string program = fdp.ConsumeBytesAsString(version == 0 ? (fdp.ConsumeBool() ? 20 : 32) : 32);
  auto address = onchain::encodeSegwitAddress(network, version, program);
  if (!address) return;
  onchain::PaymentUri uri;
  uri.address = *address;
  if (fdp.ConsumeBool()) uri.amountSat = fdp.ConsumeIntegralInRange<uint64_t>(0, 21'000'000ULL * 100'000'000);
  uri.label = fdp.ConsumeRandomLengthString(64);
  uri.message = fdp.ConsumeRandomLengthString(64);
  uri.lightning = fdp.ConsumeRandomLengthString(64);

  std::string text = onchain::buildUri(uri);
  std::string prefix = "bitcoin:" + uri.address;
  FUZZ_CHECK(text.compare(0, prefix.size(), prefix) == 0);
  std::string_view rest = std::string_view(text).substr(prefix.size());
  std::vector<std::pair<std::string, std::string>> params;
  if (!rest.empty()) {
    FUZZ_CHECK(rest.front() == '?');
    for (std::string_view part : split(rest.substr(1), '&')) {
      size_t eq = part.find('=');
      FUZZ_CHECK(eq != std::string_view::npos);
      std::string_view value = part.substr(eq + 1);
      FUZZ_CHECK(value.find_first_of("?&=#") == std::string_view::npos);
      params.emplace_back(std::string(part.substr(0, eq)), std::string(value));
    }
  }
  std::vector<std::pair<std::string, std::string>> expected;
  if (uri.amountSat) expected.emplace_back("amount", onchain::formatBtc(*uri.amountSat));
  if (!uri.label.empty()) expected.emplace_back("label", uri.label);
  if (!uri.message.empty()) expected.emplace_back("message", uri.message);
  if (!uri.lightning.empty()) expected.emplace_back("lightning", uri.lightning);
  FUZZ_CHECK(params.size() == expected.size());
  for (size_t i = 0; i < params.size(); ++i) {
    FUZZ_CHECK(params[i].first == expected[i].first);
    if (params[i].first == "amount") {
      FUZZ_CHECK(parseBtc(params[i].second) == uri.amountSat);
    } else {
      FUZZ_CHECK(unreservedOrEscape(params[i].second));
      FUZZ_CHECK(turnpike::util::percentDecode(params[i].second, false) == expected[i].second);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  bool repair = (mode >> 2) & 1;
  auto encoding = (mode >> 3) & 1 ? bech32::Encoding::Bech32m : bech32::Encoding::Bech32;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (mode % 3) {
    case 0: fuzzBech32(text, repair, encoding); break;
    case 1: fuzzAddress(text, kNetworks[(mode >> 4) & 3], repair, encoding); break;
    default: {
      FuzzedDataProvider fdp(data + 1, size - 1);
      fuzzBip21(fdp);
    }
  }
  return 0;
}
