// Reads one of the plugin's Checkout Sessions back from Stripe and credits it when paid: the
// way in for payments whose webhook never came (GET /v1/stripe/reconcile/{id}, on_topup_check).
// Sessions already credited are answered from the state, unknown ones without calling Stripe,
// and each session is looked up at most once per check interval.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "stripe/api_client.hpp"
#include "stripe/check_throttle.hpp"
#include "stripe/session_book.hpp"
#include "stripe/session_crediter.hpp"

namespace turnpike::payments::stripe {

struct Reconciled {
  enum class Kind { Checked, UnknownSession, Throttled } kind = Kind::Checked;
  CreditResult credit;        // Checked
  std::string status;         // Checked: the session's status (open, complete, expired)
  std::string paymentStatus;  // Checked: paid, unpaid, no_payment_required
  int64_t retryAfter = 0;     // Throttled: seconds
};

class SessionReconciler {
 public:
  SessionReconciler(SessionBook& book, CheckThrottle& throttle, const ApiClient& api, SessionCrediter& crediter)
      : book_(book), throttle_(throttle), api_(api), crediter_(crediter) {}

  // A failure when Stripe could not be asked; throws when the host cannot record the payment.
  Result<Reconciled> reconcile(std::string_view sessionId);

 private:
  SessionBook& book_;
  CheckThrottle& throttle_;
  const ApiClient& api_;
  SessionCrediter& crediter_;
};

}  // namespace turnpike::payments::stripe
