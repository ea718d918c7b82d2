// The onchain plugin's configuration: its JSON schema (checked by the host against the YAML)
// and the typed, validated form the plugin runs on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/network.hpp"
#include "onchain/extended_key.hpp"

namespace turnpike::payments::onchain {

struct EsploraConfig {
  std::string url;    // API root without a trailing '/', e.g. https://blockstream.info/api
  std::string token;  // sent as a Bearer token when set (a secret, never logged)
  uint32_t timeoutMs = 10'000;
};

struct PluginConfig {
  // The account key (m/84'/coin'/account'); receive addresses are its /0/i children as P2WPKH.
  ExtendedPublicKey account;
  Network network = Network::Mainnet;
  EsploraConfig esplora;
  uint32_t confirmations = 1;  // 0 credits unconfirmed outputs (at the operator's risk)
  int64_t pollIntervalMs = 10'000;
  int64_t maxPollIntervalMs = 600'000;
  double underpaymentTolerance = 0;  // a fraction of the amount the core still counts as paid
  uint32_t gapLimit = 20;
  int64_t expirySeconds = 3'600;
  int64_t watchAfterExpirySeconds = 86'400;
  std::string label = "Turnpike top-up {topup_id}";  // BIP21 label; {topup_id} is replaced
  uint64_t topupMinMsat = 10'000'000;
  uint64_t topupMaxMsat = 100'000'000'000;

  // Throws std::invalid_argument with a message naming the key. Nested values may arrive as
  // strings (the host converts nested YAML scalars untyped).
  static PluginConfig parse(std::string_view json);
};

// The descriptor's config_schema.
extern const char* const kConfigSchema;

}  // namespace turnpike::payments::onchain
