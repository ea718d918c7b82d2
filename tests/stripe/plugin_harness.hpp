// libstripe.so loaded through the gateway's real loader and driven through its
// tp_payment_vtable, with the lightning tests' TestHost (in-memory state, recorded payment
// reports credited once per external id, captured logs, the gateway's HTTP client) behind it.
#pragma once

#include <turnpike/plugin_abi.h>

#include <nlohmann/json.hpp>

#include <string>

#include "test_host.hpp"

namespace turnpike::stripe_test {

using lightning_test::TestHost;
using nlohmann::json;

// A hook's answer: the JSON it returned, or its error message.
struct HookReply {
  bool ok = false;
  json body;
  std::string error;
};

// An on_http answer, its body parsed.
struct RouteReply {
  int status = 0;
  json headers;
  json body;
};

inline constexpr const char* kSecretKey = "sk_test_51Fake0TurnpikeKey4242";
inline constexpr const char* kWebhookSecret = "whsec_turnpike0test0signing0secret";

class StripePlugin {
 public:
  static const tp_payment_vtable* vtable();

  // Throws std::runtime_error with the plugin's create error.
  StripePlugin(TestHost& host, const json& config);
  ~StripePlugin();
  StripePlugin(const StripePlugin&) = delete;
  StripePlugin& operator=(const StripePlugin&) = delete;

  // The create error for `config`, or "" when it was accepted.
  static std::string createError(const json& config);

  json describe();
  json routes();
  HookReply http(const json& request);
  HookReply topupCreate(const json& topup);
  HookReply topupCheck(const json& topup);

  // POST /v1/webhooks/stripe with `payload` and, unless empty, `signature` as Stripe-Signature.
  RouteReply webhook(const std::string& payload, const std::string& signature);
  // A signed delivery of `payload`.
  RouteReply deliver(const std::string& payload);
  // GET /v1/stripe/reconcile/{id}.
  RouteReply reconcile(const std::string& sessionId);

 private:
  RouteReply route(const json& request);

  TestHost& host_;
  void* instance_ = nullptr;
};

// A config for the fake Stripe at `apiBase`, with `extra` merged in.
json pluginConfig(const std::string& apiBase, const json& extra = json::object());

// A top-up as the gateway hands it to on_topup_create, for `usd` dollars worth `msat`.
json topupRequest(const std::string& id, const std::string& usd, uint64_t msat);

}  // namespace turnpike::stripe_test
