// libstripe.so loaded through the gateway's real loader and driven through its
// tp_payment_vtable (tests/payment_support's PaymentPlugin), with the shared TestHost (in-memory
// state, recorded payment reports credited once per external id, captured logs, the gateway's
// HTTP client) behind it; plus the Stripe-shaped calls its routes take.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "payment_plugin.hpp"
#include "test_host.hpp"

namespace turnpike::stripe_test {

using nlohmann::json;
using payment_test::HookReply;
using payment_test::TestHost;

// An on_http answer, its body parsed.
struct RouteReply {
  int status = 0;
  json headers;
  json body;
};

inline constexpr const char* kSecretKey = "sk_test_51Fake0TurnpikeKey4242";
inline constexpr const char* kWebhookSecret = "whsec_turnpike0test0signing0secret";

class StripePlugin : public payment_test::PaymentPlugin {
 public:
  // Throws std::runtime_error with the plugin's create error.
  StripePlugin(TestHost& host, const json& config)
      : PaymentPlugin(TURNPIKE_STRIPE_PLUGIN, "stripe", host, config) {}

  // The create error for `config`, or "" when it was accepted.
  static std::string createError(const json& config) {
    return PaymentPlugin::createError(TURNPIKE_STRIPE_PLUGIN, "stripe", config);
  }

  // POST /v1/webhooks/stripe with `payload` and, unless empty, `signature` as Stripe-Signature.
  RouteReply webhook(const std::string& payload, const std::string& signature);
  // A signed delivery of `payload`.
  RouteReply deliver(const std::string& payload);
  // GET /v1/stripe/reconcile/{id}.
  RouteReply reconcile(const std::string& sessionId);

 private:
  RouteReply route(const json& request);
};

// A config for the fake Stripe at `apiBase`, with `extra` merged in.
json pluginConfig(const std::string& apiBase, const json& extra = json::object());

// A top-up as the gateway hands it to on_topup_create, for `usd` dollars worth `msat`.
json topupRequest(const std::string& id, const std::string& usd, uint64_t msat);

}  // namespace turnpike::stripe_test
