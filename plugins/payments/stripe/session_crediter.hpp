// Turns a paid Checkout Session (from a signed webhook or read back from the API) into one
// payment report to the host (callback_payment_received, external id = the session id), for the
// amount the top-up recorded, never more: Stripe's amount_total and currency are checked against
// what the plugin asked for. The host credits once per external id, so concurrent webhooks and
// reconciles may all report; the `paid:` marker is written after the report, by one of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <turnpike/plugin.hpp>

#include "stripe/objects.hpp"
#include "stripe/session_book.hpp"

namespace turnpike::payments::stripe {

enum class CreditOutcome {
  Credited,         // reported now; the host credited it
  AlreadyCredited,  // reported before
  NotPaid,          // payment_status is not paid (yet): nothing to do
  UnknownSession,   // not created by this plugin (another integration on the same account)
  Mismatch,         // currency or top-up differ from what was asked: not credited, logged
};

std::string_view outcomeName(CreditOutcome outcome);

struct CreditResult {
  CreditOutcome outcome = CreditOutcome::NotPaid;
  std::string topupId;
  uint64_t amountMsat = 0;  // reported (Credited, AlreadyCredited)
};

class SessionCrediter {
 public:
  SessionCrediter(sdk::Host host, SessionBook& book) : host_(host), book_(book) {}

  // `via` names the source in the paid marker and logs ("webhook", "api"). Throws when the host
  // cannot record the payment (state or database failure): the caller must let it be retried.
  CreditResult credit(const CheckoutSession& session, std::string_view via);

  // The credit for a session that charged `amountTotalCents` of the `record.amountCents` asked:
  // the whole top-up when paid in full or more, a proportional part (rounded down) when less.
  static uint64_t creditFor(const SessionRecord& record, int64_t amountTotalCents);

 private:
  CreditResult mismatch(const SessionRecord& record, const std::string& problem);

  sdk::Host host_;
  SessionBook& book_;
};

}  // namespace turnpike::payments::stripe
