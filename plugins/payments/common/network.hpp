// Bitcoin networks and the prefixes each one uses in addresses and invoices.
#pragma once

#include <optional>
#include <string_view>

namespace turnpike::payments {

enum class Network { Mainnet, Testnet, Signet, Regtest };

// Segwit address HRP (BIP173; signet shares testnet's).
constexpr std::string_view segwitHrp(Network n) {
  switch (n) {
    case Network::Mainnet: return "bc";
    case Network::Testnet: return "tb";
    case Network::Signet: return "tb";
    case Network::Regtest: return "bcrt";
  }
  return "";
}

// BOLT11 currency prefix, after "ln".
constexpr std::string_view bolt11Currency(Network n) {
  switch (n) {
    case Network::Mainnet: return "bc";
    case Network::Testnet: return "tb";
    case Network::Signet: return "tbs";
    case Network::Regtest: return "bcrt";
  }
  return "";
}

constexpr std::string_view networkName(Network n) {
  switch (n) {
    case Network::Mainnet: return "mainnet";
    case Network::Testnet: return "testnet";
    case Network::Signet: return "signet";
    case Network::Regtest: return "regtest";
  }
  return "";
}

inline std::optional<Network> parseNetworkName(std::string_view name) {
  for (Network n : {Network::Mainnet, Network::Testnet, Network::Signet, Network::Regtest})
    if (networkName(n) == name) return n;
  return std::nullopt;
}

}  // namespace turnpike::payments
