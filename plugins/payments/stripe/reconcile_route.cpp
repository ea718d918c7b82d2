#include "stripe/reconcile_route.hpp"

#include "stripe/route_reply.hpp"

namespace turnpike::payments::stripe {

using nlohmann::json;

std::string handleReconcile(sdk::Host host, SessionReconciler& reconciler, const json& request) {
  if (request.value("method", "") != "GET") return errorReply(405, "method_not_allowed", "use GET");
  std::string id;
  if (auto params = request.find("params"); params != request.end() && params->is_object())
    id = params->value("session_id", "");
  if (!isSessionId(id)) return errorReply(400, "invalid_session_id", "expected a Checkout Session id (cs_...)");

  Result<Reconciled> r = Reconciled{};
  try {
    r = reconciler.reconcile(id);
  } catch (const std::exception& e) {
    host.error("reconciling session " + id + ": " + e.what());
    return errorReply(500, "not_recorded", "the payment could not be recorded now; try again");
  }
  if (!r) {
    host.warn("reconciling session " + id + ": " + r.error());
    return errorReply(502, "stripe_unavailable", "Stripe could not be asked about the session now; try again");
  }
  switch (r->kind) {
    case Reconciled::Kind::UnknownSession:
      return errorReply(404, "session_not_found", "no top-up of this gateway has Checkout Session " + id);
    case Reconciled::Kind::Throttled:
      return errorReply(429, "too_many_checks", "this session was looked up moments ago; try again later",
                        json{{"retry-after", std::to_string(r->retryAfter)}});
    case Reconciled::Kind::Checked: break;
  }
  const CreditResult& c = r->credit;
  bool credited = c.outcome == CreditOutcome::Credited || c.outcome == CreditOutcome::AlreadyCredited;
  return jsonReply(200, json{{"session_id", id},
                             {"topup_id", c.topupId},
                             {"status", r->status},
                             {"payment_status", r->paymentStatus},
                             {"outcome", outcomeName(c.outcome)},
                             {"credited", credited},
                             {"amount_msat", c.amountMsat}});
}

}  // namespace turnpike::payments::stripe
