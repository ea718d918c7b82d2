// The stripe plugin's configuration: its JSON schema (checked by the host against the YAML)
// and the typed, validated form the plugin runs on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace turnpike::payments::stripe {

struct PluginConfig {
  std::string secretKey;      // sk_... or rk_...: sent only as the Bearer credential, never logged
  std::string webhookSecret;  // whsec_...: the HMAC key of webhook signatures, never logged
  std::string apiBase = "https://api.stripe.com";  // no trailing '/'
  std::string apiVersion;                           // Stripe-Version header when set
  std::string successUrl;  // may hold {CHECKOUT_SESSION_ID} (Stripe fills it) and {TOPUP_ID}
  std::string cancelUrl;   // optional
  std::string productName = "Turnpike credit";
  int64_t minCents = 50;  // Stripe's smallest USD charge
  int64_t maxCents = 100'000;
  uint32_t timeoutMs = 20'000;
  int64_t checkIntervalSeconds = 5;
  int64_t signatureToleranceSeconds = 300;

  // Throws std::invalid_argument with a message naming the key (never its secret value).
  static PluginConfig parse(std::string_view json);
};

// The descriptor's config_schema.
extern const char* const kConfigSchema;

}  // namespace turnpike::payments::stripe
