#include "stripe/session_crediter.hpp"

#include <nlohmann/json.hpp>

#include "stripe/usd.hpp"

namespace turnpike::payments::stripe {

std::string_view outcomeName(CreditOutcome outcome) {
  switch (outcome) {
    case CreditOutcome::Credited: return "credited";
    case CreditOutcome::AlreadyCredited: return "already_credited";
    case CreditOutcome::NotPaid: return "not_paid";
    case CreditOutcome::UnknownSession: return "unknown_session";
    case CreditOutcome::Mismatch: return "mismatch";
  }
  return "";
}

uint64_t SessionCrediter::creditFor(const SessionRecord& record, int64_t amountTotalCents) {
  if (amountTotalCents >= record.amountCents) return record.amountMsat;
  if (amountTotalCents <= 0 || record.amountCents <= 0) return 0;
  return static_cast<uint64_t>(static_cast<unsigned __int128>(record.amountMsat) *
                               static_cast<uint64_t>(amountTotalCents) / static_cast<uint64_t>(record.amountCents));
}

CreditResult SessionCrediter::mismatch(const SessionRecord& record, const std::string& problem) {
  host_.count("amount_mismatches");
  host_.error("session " + record.sessionId + " of top-up " + record.topupId + " not credited: " + problem +
              "; settle it by hand (refund, or credit through the admin API)");
  return CreditResult{CreditOutcome::Mismatch, record.topupId, 0};
}

CreditResult SessionCrediter::credit(const CheckoutSession& session, std::string_view via) {
  auto record = book_.find(session.id);
  if (!record) {
    host_.debug("session " + session.id + " was not created by this gateway; ignored");
    return CreditResult{CreditOutcome::UnknownSession, "", 0};
  }
  if (!session.isPaid()) return CreditResult{CreditOutcome::NotPaid, record->topupId, 0};
  if (!session.clientReferenceId.empty() && session.clientReferenceId != record->topupId)
    return mismatch(*record, "its client_reference_id names top-up " + session.clientReferenceId);
  if (session.currency != "usd") return mismatch(*record, "it was paid in '" + session.currency + "', not usd");
  if (!session.amountTotal) return mismatch(*record, "Stripe did not say how much was paid");
  // The host would answer from its own record; the marker spares it a transaction.
  if (auto reported = book_.paidAmount(session.id)) return CreditResult{CreditOutcome::AlreadyCredited, record->topupId, *reported};

  int64_t paid = *session.amountTotal;
  uint64_t amount = creditFor(*record, paid);
  if (amount == 0) return mismatch(*record, "it charged " + formatUsd(paid) + " USD");
  if (paid != record->amountCents) {
    host_.count("amount_differences");
    host_.warn("session " + session.id + " charged " + formatUsd(paid) + " USD for a top-up of " +
               formatUsd(record->amountCents) + " USD; crediting " + std::to_string(amount) + " of " +
               std::to_string(record->amountMsat) + " msat");
  }
  nlohmann::json event{{"topup_id", record->topupId}, {"external_id", session.id}, {"amount_msat", amount}};
  bool fresh = host_.paymentReceived(event.dump());
  book_.markPaid(session.id, amount, paid, via);
  host_.count(fresh ? "payments_reported" : "payments_rereported");
  if (fresh)
    host_.info("session " + session.id + " paid (" + std::string(via) + "): " + std::to_string(amount) +
               " msat for top-up " + record->topupId);
  return CreditResult{fresh ? CreditOutcome::Credited : CreditOutcome::AlreadyCredited, record->topupId, amount};
}

}  // namespace turnpike::payments::stripe
