// The lightning plugin's configuration: its JSON schema (checked by the host against the YAML)
// and the typed, validated form the plugin runs on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace turnpike::payments::lightning {

enum class BackendKind { Dev, Lnbits, Lnd, Cln };
enum class L402Reuse { SingleUse, UntilExpiry };

std::string_view backendName(BackendKind kind);
std::string_view reuseName(L402Reuse reuse);

// The selected remote node. `credential` is the LNbits API key, the LND macaroon (hex) or the
// CLN rune: a secret, never logged.
struct NodeConfig {
  std::string url;  // no trailing '/'
  std::string credential;
  std::string tlsCertPem;  // when set, the only certificate trusted for `url`
};

struct L402Config {
  bool enabled = true;
  L402Reuse reuse = L402Reuse::SingleUse;
  int64_t validSeconds = 3600;
  std::string service = "turnpike";
};

struct LndStreamConfig {
  bool subscribe = true;
  // The host HTTP client cannot be interrupted, so the subscription reconnects after this long:
  // it bounds how long shutting the plugin down waits for the reader thread.
  int64_t windowSeconds = 30;
};

struct PluginConfig {
  BackendKind backend = BackendKind::Dev;
  L402Config l402;
  uint64_t topupMinMsat = 100'000;
  uint64_t topupMaxMsat = 1'000'000'000;
  int64_t invoiceExpirySeconds = 600;
  int64_t watchAfterExpirySeconds = 86'400;
  NodeConfig node;
  LndStreamConfig lndStream;

  // Throws std::invalid_argument with a message naming the key. Nested values may arrive as
  // strings (the host converts nested YAML scalars untyped).
  static PluginConfig parse(std::string_view json);
};

// The descriptor's config_schema.
extern const char* const kConfigSchema;

}  // namespace turnpike::payments::lightning
