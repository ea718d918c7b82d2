// POST /v1/webhooks/stripe: Stripe's event deliveries. The Stripe-Signature header is checked
// against the raw body first (any v1 signature, the configured tolerance, constant-time); a
// request that fails is answered 400 and changes nothing. Only checkout.session.completed and
// checkout.session.async_payment_succeeded with payment_status "paid" credit; every other
// event is acknowledged (200) and ignored, so Stripe stops resending it. A payment the host
// could not record is answered 500, so Stripe delivers it again.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include <turnpike/plugin.hpp>

#include "stripe/plugin_config.hpp"
#include "stripe/session_crediter.hpp"

namespace turnpike::payments::stripe {

inline constexpr std::string_view kWebhookPath = "/v1/webhooks/stripe";

class WebhookRoute {
 public:
  WebhookRoute(sdk::Host host, const PluginConfig& config, SessionCrediter& crediter)
      : host_(host), config_(config), crediter_(crediter) {}

  // on_http for kWebhookPath: the host's request JSON in, the reply JSON out.
  std::string handle(const nlohmann::json& request);

 private:
  sdk::Host host_;
  const PluginConfig& config_;
  SessionCrediter& crediter_;
};

}  // namespace turnpike::payments::stripe
