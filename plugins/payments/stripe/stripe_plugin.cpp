// stripe: card top-ups through Stripe Checkout. A top-up becomes a Checkout Session (USD, made
// through the host's HTTP client under an idempotency key); the payment is credited when Stripe's
// signed webhook says the session is paid, or when the session is read back paid from the API
// (reconcile route, top-up status checks), exactly once per session.
#include <turnpike/plugin.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "common/json_fields.hpp"
#include "stripe/api_client.hpp"
#include "stripe/check_throttle.hpp"
#include "stripe/checkout_request.hpp"
#include "common/clock.hpp"
#include "stripe/plugin_config.hpp"
#include "stripe/reconcile_route.hpp"
#include "stripe/session_book.hpp"
#include "stripe/session_crediter.hpp"
#include "stripe/session_reconciler.hpp"
#include "stripe/usd.hpp"
#include "stripe/webhook_route.hpp"

namespace turnpike::payments::stripe {

namespace {

using nlohmann::json;

class StripePayments final : public sdk::PaymentMethod {
 public:
  StripePayments(sdk::Host host, std::string_view configJson)
      : host_(host),
        config_(PluginConfig::parse(configJson)),
        api_(host, config_),
        book_(host),
        crediter_(host, book_),
        throttle_(std::chrono::seconds(config_.checkIntervalSeconds)),
        reconciler_(book_, throttle_, api_, crediter_),
        webhook_(host, config_, crediter_) {}

  std::string describe() override {
    return json{{"currencies", {"USD"}},
                {"limits", {{"USD", {{"min", formatUsd(config_.minCents)}, {"max", formatUsd(config_.maxCents)}}}}},
                {"confirmation", "webhook"},
                {"l402", false},
                {"webhook_path", kWebhookPath},
                {"reconcile_path", kReconcileRoute}}
        .dump();
  }

  std::string routes() override {
    return json::array({json{{"method", "POST"}, {"path", kWebhookPath}},
                        json{{"method", "GET"}, {"path", kReconcileRoute}}})
        .dump();
  }

  std::string http(std::string_view requestJson) override {
    json request = parseObject(requestJson, "http request");
    std::string path = stringField(request, "path");
    if (path == kWebhookPath) return webhook_.handle(request);
    if (path.rfind(kReconcilePrefix, 0) == 0) return handleReconcile(host_, reconciler_, request);
    throw std::invalid_argument("stripe: no route " + path);
  }

  std::string topupCreate(std::string_view topupJson) override {
    json topup = parseObject(topupJson, "topup");
    CheckoutOrder order = orderFor(topup);
    auto session = api_.createCheckoutSession(checkoutSessionForm(config_, order), idempotencyKey(order.topupId));
    if (!session) {
      host_.count("api_errors");
      throw std::runtime_error(session.error());
    }
    checkCreated(*session, order);
    book_.add({session->id, order.topupId, order.amountMsat, order.amountCents, nowSeconds()});
    host_.count("sessions_created");
    return json{{"external_ref", session->id},
                {"expires_at", session->expiresAt.value_or(order.expiresAt) * 1000},
                {"details",
                 {{"url", session->url},
                  {"session_id", session->id},
                  {"amount_usd", formatUsd(order.amountCents)},
                  {"amount_usd_cents", order.amountCents},
                  {"reconcile_path", std::string(kReconcilePrefix) + session->id}}}}
        .dump();
  }

  void topupCheck(std::string_view topupJson) override {
    json topup = parseObject(topupJson, "topup");
    std::string id = stringField(topup, "external_ref");
    if (!isSessionId(id)) throw std::invalid_argument("topup: external_ref is not a Checkout Session id");
    auto r = reconciler_.reconcile(id);
    if (!r) throw std::runtime_error(r.error());
  }

 private:
  CheckoutOrder orderFor(const json& topup) const {
    CheckoutOrder order;
    order.topupId = stringField(topup, "topup_id");
    if (order.topupId.empty()) throw std::invalid_argument("topup: topup_id is required");
    order.amountMsat = amountMsatField(topup, "topup");
    // Cards are charged exactly what the client asked for; converting sats to dollars here would
    // charge at a rate of the plugin's choosing.
    if (stringField(topup, "currency") != "USD") throw std::invalid_argument("stripe: top-ups are asked for in USD");
    auto cents = parseUsdCents(stringField(topup, "currency_amount"));
    if (!cents) throw std::invalid_argument("stripe: currency_amount is not a USD amount");
    if (*cents < config_.minCents || *cents > config_.maxCents)
      throw std::invalid_argument("stripe: the amount must be between " + formatUsd(config_.minCents) + " and " +
                                  formatUsd(config_.maxCents) + " USD");
    order.amountCents = *cents;
    order.description = stringField(topup, "description");
    int64_t now = nowSeconds();
    auto expires = topup.find("expires_at");
    int64_t topupEnd = expires != topup.end() && expires->is_number_integer() ? expires->get<int64_t>() / 1000 : now + 3600;
    order.expiresAt = sessionExpiry(topupEnd, now);
    return order;
  }

  // A session that would charge something else than the top-up asks is never handed out.
  void checkCreated(const CheckoutSession& session, const CheckoutOrder& order) const {
    std::string problem;
    if (session.url.empty()) problem = "has no url";
    else if (session.clientReferenceId != order.topupId) problem = "belongs to top-up '" + session.clientReferenceId + "'";
    else if (session.currency != "usd" || session.amountTotal != order.amountCents)
      problem = "charges " + (session.amountTotal ? formatUsd(*session.amountTotal) : std::string("?")) + " " +
                session.currency + " instead of " + formatUsd(order.amountCents) + " usd";
    if (problem.empty()) return;
    host_.count("api_errors");
    throw std::runtime_error("stripe: the Checkout Session " + session.id + " Stripe made for top-up " + order.topupId +
                             " " + problem);
  }

  sdk::Host host_;
  PluginConfig config_;
  ApiClient api_;
  SessionBook book_;
  SessionCrediter crediter_;
  CheckThrottle throttle_;
  SessionReconciler reconciler_;
  WebhookRoute webhook_;
};

}  // namespace

}  // namespace turnpike::payments::stripe

TURNPIKE_PAYMENT_PLUGIN(turnpike::payments::stripe::StripePayments, "stripe", "1.0.0",
                        turnpike::payments::stripe::kConfigSchema, 0)
