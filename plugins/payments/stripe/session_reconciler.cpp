#include "stripe/session_reconciler.hpp"

namespace turnpike::payments::stripe {

Result<Reconciled> SessionReconciler::reconcile(std::string_view sessionId) {
  Reconciled out;
  auto record = book_.find(sessionId);
  if (!record) {
    out.kind = Reconciled::Kind::UnknownSession;
    return out;
  }
  if (auto reported = book_.paidAmount(sessionId)) {
    out.credit = CreditResult{CreditOutcome::AlreadyCredited, record->topupId, *reported};
    out.status = "complete";
    out.paymentStatus = "paid";
    return out;
  }
  if (!throttle_.allow(sessionId)) {
    out.kind = Reconciled::Kind::Throttled;
    out.retryAfter = throttle_.retryAfter(sessionId);
    return out;
  }
  auto session = api_.retrieveCheckoutSession(sessionId);
  if (!session) return fail(session.error());
  out.credit = crediter_.credit(*session, "api");
  out.status = session->status;
  out.paymentStatus = session->paymentStatus;
  return out;
}

}  // namespace turnpike::payments::stripe
