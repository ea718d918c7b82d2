// Watches the open top-up invoices and reports the paid ones to the host
// (callback_payment_received), exactly as much as was settled. tick() polls what is due with
// exponential backoff (1 s doubling to 60 s); an invoice stays watched past its expiry for
// watch_after_expiry_seconds because late payments happen and must be credited. The host credits
// once per external_id ("ln:<hash>"), so reporting again after a crash or a race is harmless.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <turnpike/plugin.hpp>

#include "lightning/backend.hpp"
#include "lightning/invoice_store.hpp"
#include "lightning/settled_invoices.hpp"

namespace turnpike::payments::lightning {

class InvoiceWatcher {
 public:
  InvoiceWatcher(sdk::Host host, Backend& backend, InvoiceStore& store, SettledInvoices& settled,
                 int64_t watchAfterExpirySeconds);

  // Records an issued invoice; top-ups join the watch queue.
  void track(const CreatedInvoice& invoice, InvoiceKind kind, std::string_view topupId);
  // Looks at every due invoice (at most a batch per call).
  void tick();
  // Looks at one invoice now and reports it when settled; `topupId` stands in when the plugin
  // has no record of it. Returns the backend's answer.
  Result<InvoiceStatus> checkNow(std::string_view paymentHash, std::string_view topupId);
  // A node announced a settlement (LND's invoice stream). Unknown hashes are ignored.
  void settledByNode(std::string_view paymentHash, uint64_t amountPaidMsat);
  // Moves an open invoice to the front of the queue (the dev wallet just paid it).
  void wake(std::string_view paymentHash);

  static constexpr int64_t kFirstCheckMs = 1'000;
  static constexpr int64_t kMaxBackoffMs = 60'000;
  static constexpr size_t kBatch = 50;

 private:
  // Looks the invoice up and acts on the answer; false when the node could not answer.
  bool examine(InvoiceRecord& record, int64_t nowMs);
  void settle(InvoiceRecord& record, uint64_t amountPaidMsat);
  void report(std::string_view topupId, std::string_view paymentHash, uint64_t amountMsat);

  sdk::Host host_;
  Backend& backend_;
  InvoiceStore& store_;
  SettledInvoices& settled_;
  int64_t watchAfterExpirySeconds_;
};

}  // namespace turnpike::payments::lightning
