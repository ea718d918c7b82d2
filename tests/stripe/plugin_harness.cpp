#include "plugin_harness.hpp"

#include <chrono>
#include <stdexcept>

#include "plugins/loader.hpp"
#include "stripe_events.hpp"

namespace turnpike::stripe_test {

namespace {

tp_str str(const std::string& s) { return {s.data(), s.size()}; }

const tp_plugin_descriptor* descriptor() {
  static const tp_plugin_descriptor* d =
      plugins::Loader::loadFile(TURNPIKE_STRIPE_PLUGIN, "stripe", TP_KIND_PAYMENT).descriptor;
  return d;
}

template <class Call>
HookReply invoke(Call&& call, bool expectBody = true) {
  std::string out;
  tp_error error{};
  HookReply r;
  r.ok = call(lightning_test::asBuffer(out), &error) == 0;
  if (!r.ok) {
    r.error = error.message;
    return r;
  }
  if (expectBody) r.body = json::parse(out);
  return r;
}

}  // namespace

const tp_payment_vtable* StripePlugin::vtable() { return static_cast<const tp_payment_vtable*>(descriptor()->vtable); }

StripePlugin::StripePlugin(TestHost& host, const json& config) : host_(host) {
  std::string text = config.dump();
  tp_error error{};
  instance_ = descriptor()->on_create(TestHost::api(), host_.handle(), str(text), &error);
  if (instance_ == nullptr) throw std::runtime_error(error.message);
}

StripePlugin::~StripePlugin() { descriptor()->on_destroy(instance_); }

std::string StripePlugin::createError(const json& config) {
  TestHost host;
  try {
    StripePlugin plugin(host, config);
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

json StripePlugin::describe() {
  auto r = invoke([&](tp_buffer* out, tp_error* e) { return vtable()->on_describe(instance_, out, e); });
  if (!r.ok) throw std::runtime_error(r.error);
  return r.body;
}

json StripePlugin::routes() {
  auto r = invoke([&](tp_buffer* out, tp_error* e) { return vtable()->on_routes(instance_, out, e); });
  if (!r.ok) throw std::runtime_error(r.error);
  return r.body;
}

HookReply StripePlugin::http(const json& request) {
  std::string text = request.dump();
  return invoke([&](tp_buffer* out, tp_error* e) { return vtable()->on_http(instance_, str(text), out, e); });
}

HookReply StripePlugin::topupCreate(const json& topup) {
  std::string text = topup.dump();
  return invoke([&](tp_buffer* out, tp_error* e) { return vtable()->on_topup_create(instance_, str(text), out, e); });
}

HookReply StripePlugin::topupCheck(const json& topup) {
  std::string text = topup.dump();
  return invoke([&](tp_buffer*, tp_error* e) { return vtable()->on_topup_check(instance_, str(text), e); }, false);
}

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
