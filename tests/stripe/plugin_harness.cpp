#include "plugin_harness.hpp"

#include <chrono>
#include <stdexcept>

#include "stripe_events.hpp"

namespace turnpike::stripe_test {

RouteReply StripePlugin::route(const json& request) {
  auto r = http(request);
  if (!r.ok) throw std::runtime_error(r.error);
  RouteReply out;
  out.status = r.body.at("status");
  out.headers = r.body.value("headers", json::object());
  out.body = json::parse(r.body.at("body").get<std::string>());
  return out;
}

RouteReply StripePlugin::webhook(const std::string& payload, const std::string& signature) {
  json headers{{"content-type", "application/json; charset=utf-8"}, {"user-agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}};
  if (!signature.empty()) headers["stripe-signature"] = signature;
  return route(json{{"method", "POST"}, {"path", "/v1/webhooks/stripe"}, {"query", ""}, {"params", json::object()},
                    {"headers", headers}, {"body", payload}, {"loopback", false}});
}

RouteReply StripePlugin::deliver(const std::string& payload) { return webhook(payload, signatureHeader(kWebhookSecret, payload)); }

RouteReply StripePlugin::reconcile(const std::string& sessionId) {
  return route(json{{"method", "GET"}, {"path", "/v1/stripe/reconcile/" + sessionId}, {"query", ""},
                    {"params", {{"session_id", sessionId}}}, {"headers", json::object()}, {"body", ""},
                    {"loopback", false}});
}

json pluginConfig(const std::string& apiBase, const json& extra) {
  json config{{"secret_key", kSecretKey},
              {"webhook_secret", kWebhookSecret},
              {"api_base", apiBase},
              {"success_url", "https://gateway.example/paid?session={CHECKOUT_SESSION_ID}&topup={TOPUP_ID}"},
              {"cancel_url", "https://gateway.example/cancelled?topup={TOPUP_ID}"},
              {"check_interval_seconds", 0}};
  config.merge_patch(extra);
  return config;
}

json topupRequest(const std::string& id, const std::string& usd, uint64_t msat) {
  int64_t nowMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return json{{"topup_id", id},         {"amount_msat", msat},          {"currency", "USD"},
              {"currency_amount", usd}, {"expires_at", nowMs + 3'600'000}, {"description", "Turnpike top-up"}};
}

}  // namespace turnpike::stripe_test
