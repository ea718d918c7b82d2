#include "stripe/webhook_route.hpp"

#include "common/clock.hpp"
#include "stripe/objects.hpp"
#include "stripe/route_reply.hpp"
#include "stripe/webhook_signature.hpp"

namespace turnpike::payments::stripe {

using nlohmann::json;

namespace {

bool creditsOnPayment(std::string_view type) {
  return type == "checkout.session.completed" || type == "checkout.session.async_payment_succeeded";
}

}  // namespace

std::string WebhookRoute::handle(const json& request) {
  if (request.value("method", "") != "POST") return errorReply(405, "method_not_allowed", "use POST");
  std::string signature = requestHeader(request, "stripe-signature");
  if (signature.empty()) {
    host_.count("webhooks_refused");
    return errorReply(400, "missing_signature", "no Stripe-Signature header: only Stripe's signed deliveries are accepted");
  }
  const std::string body = request.value("body", "");
  auto verified = verifyWebhook(body, signature, config_.webhookSecret, nowSeconds(), config_.signatureToleranceSeconds);
  if (!verified) {
    host_.count("webhooks_refused");
    host_.warn("webhook refused: " + verified.error());
    return errorReply(400, "invalid_signature", verified.error());
  }
  auto event = parseEvent(body);
  if (!event) return errorReply(400, "invalid_event", event.error());
  host_.count("webhooks_received");

  if (!creditsOnPayment(event->type) || !event->session) {
    if (event->type == "checkout.session.async_payment_failed")
      host_.info("session " + event->objectId + ": the asynchronous payment failed");
    return jsonReply(200, json{{"received", true}, {"event", event->id}, {"ignored", event->type}});
  }
  try {
    auto result = crediter_.credit(*event->session, "webhook");
    return jsonReply(200, json{{"received", true},
                               {"event", event->id},
                               {"session", event->session->id},
                               {"outcome", outcomeName(result.outcome)}});
  } catch (const std::exception& e) {
    host_.error("webhook " + event->id + " for session " + event->session->id + " not recorded: " + e.what());
    return errorReply(500, "not_recorded", "the payment could not be recorded now; deliver the event again");
  }
}

}  // namespace turnpike::payments::stripe
