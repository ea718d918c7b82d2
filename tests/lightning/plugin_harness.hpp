// liblightning.so through the shared payment plugin harness, plus the dev backend's pay route.
#pragma once

#include "payment_plugin.hpp"

namespace turnpike::lightning_test {

using payment_test::epochMs;
using payment_test::HookReply;
using payment_test::HostDatabase;
using payment_test::json;
using payment_test::TestHost;
using payment_test::tickUntil;
using payment_test::waitUntil;

class LightningPlugin : public payment_test::PaymentPlugin {
 public:
  static const tp_plugin_descriptor* descriptor() { return PaymentPlugin::descriptor(TURNPIKE_LIGHTNING_PLUGIN, "lightning"); }
  static const tp_payment_vtable* vtable() { return static_cast<const tp_payment_vtable*>(descriptor()->vtable); }

  // Throws std::runtime_error with the plugin's create error.
  LightningPlugin(TestHost& host, const json& config)
      : PaymentPlugin(TURNPIKE_LIGHTNING_PLUGIN, "lightning", host, config) {}

  // The create error for `config`, or "" when it was accepted.
  static std::string createError(const json& config) {
    return PaymentPlugin::createError(TURNPIKE_LIGHTNING_PLUGIN, "lightning", config);
  }

  // POST /dev/lightning/pay through on_http; returns {"status", "body" (parsed)}.
  json devPay(const std::string& invoice, bool allowExpired = false, bool loopback = true);
};

// A dev-backend config with `extra` merged in.
json devConfig(const json& extra = json::object());

}  // namespace turnpike::lightning_test
