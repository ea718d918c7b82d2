#include "lightning/invoice_watcher.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "common/clock.hpp"

namespace turnpike::payments::lightning {

namespace {

int64_t backoffMs(uint32_t attempts) {
  int64_t delay = InvoiceWatcher::kFirstCheckMs << std::min<uint32_t>(attempts, 16);
  return std::min(delay, InvoiceWatcher::kMaxBackoffMs);
}

std::string shortHash(std::string_view hash) { return std::string(hash.substr(0, 16)); }

}  // namespace

InvoiceWatcher::InvoiceWatcher(sdk::Host host, Backend& backend, InvoiceStore& store, SettledInvoices& settled,
                               int64_t watchAfterExpirySeconds)
    : host_(host),
      backend_(backend),
      store_(store),
      settled_(settled),
      watchAfterExpirySeconds_(watchAfterExpirySeconds) {}

void InvoiceWatcher::track(const CreatedInvoice& invoice, InvoiceKind kind, std::string_view topupId) {
  InvoiceRecord r;
  r.paymentHash = invoice.paymentHash;
  r.kind = kind;
  r.topupId = std::string(topupId);
  r.amountMsat = invoice.amountMsat;
  r.createdAt = nowSeconds();
  r.expiresAt = invoice.expiresAt;
  r.watchUntil = invoice.expiresAt + watchAfterExpirySeconds_;
  r.nextCheckMs = nowMs() + kFirstCheckMs;
  store_.add(r);
}

void InvoiceWatcher::tick() {
  int64_t now = nowMs();
  for (const auto& entry : store_.due(now, kBatch)) {
    auto record = store_.find(entry.id);
    // A queue entry left behind by a reschedule or a close that raced with another: drop it.
    if (!record || record->status != WatchStatus::Open || record->kind != InvoiceKind::Topup ||
        record->nextCheckMs != entry.atMs) {
      store_.dropDue(entry);
      continue;
    }
    // A node that is down costs one timeout per tick, not one per due invoice.
    if (!examine(*record, now)) return;
  }
}

bool InvoiceWatcher::examine(InvoiceRecord& record, int64_t nowMs) {
  auto status = backend_.lookupInvoice(record.paymentHash);
  if (status && status->state == InvoiceState::Settled) {
    settle(record, status->amountPaidMsat);
    return true;
  }
  if (status && status->state == InvoiceState::Canceled) {
    store_.close(record, WatchStatus::Canceled);
    return true;
  }
  if (!status) {
    host_.count("backend_errors");
    host_.warn("lookup of invoice " + shortHash(record.paymentHash) + " failed, retrying: " + status.error());
  } else if (nowMs / 1000 >= record.watchUntil) {
    // Only a successful lookup ends the watch: an outage must not hide a late payment.
    store_.close(record, WatchStatus::Expired);
    return true;
  }
  ++record.attempts;
  store_.reschedule(record, nowMs + backoffMs(record.attempts));
  return status.ok();
}

void InvoiceWatcher::settle(InvoiceRecord& record, uint64_t amountPaidMsat) {
  // A backend that does not say how much arrived was paid the invoice amount (the node refuses less).
  uint64_t amount = settled_.record(record.paymentHash, amountPaidMsat > 0 ? amountPaidMsat : record.amountMsat);
  if (record.kind == InvoiceKind::Topup) {
    try {
      report(record.topupId, record.paymentHash, amount);
    } catch (const std::exception& e) {
      // Stay in the queue: the next look reports again.
      host_.warn("reporting invoice " + shortHash(record.paymentHash) + " failed, retrying: " + e.what());
      ++record.attempts;
      store_.reschedule(record, nowMs() + backoffMs(record.attempts));
      return;
    }
  }
  store_.close(record, WatchStatus::Settled, amount);
}

void InvoiceWatcher::report(std::string_view topupId, std::string_view paymentHash, uint64_t amountMsat) {
  nlohmann::json event{{"topup_id", topupId},
                       {"external_id", "ln:" + std::string(paymentHash)},
                       {"amount_msat", amountMsat}};
  bool fresh = host_.paymentReceived(event.dump());
  host_.count(fresh ? "payments_reported" : "payments_rereported");
  if (fresh)
    host_.info("invoice " + shortHash(paymentHash) + " paid: " + std::to_string(amountMsat) + " msat for top-up " +
               std::string(topupId));
}

Result<InvoiceStatus> InvoiceWatcher::checkNow(std::string_view paymentHash, std::string_view topupId) {
  auto status = backend_.lookupInvoice(paymentHash);
  if (!status) return status;
  auto record = store_.find(paymentHash);
  if (status->state == InvoiceState::Settled) {
    if (record) {
      if (record->topupId.empty()) record->topupId = std::string(topupId);
      settle(*record, status->amountPaidMsat);
    } else if (!topupId.empty()) {
      if (status->amountPaidMsat == 0) return fail(std::string(backend_.name()) + ": settled amount unknown");
      report(topupId, paymentHash, settled_.record(paymentHash, status->amountPaidMsat));
    }
  } else if (status->state == InvoiceState::Canceled && record && record->status == WatchStatus::Open) {
    store_.close(*record, WatchStatus::Canceled);
  }
  return status;
}

void InvoiceWatcher::settledByNode(std::string_view paymentHash, uint64_t amountPaidMsat) {
  auto record = store_.find(paymentHash);
  if (!record || record->status == WatchStatus::Settled) return;
  settle(*record, amountPaidMsat);
}

void InvoiceWatcher::wake(std::string_view paymentHash) {
  auto record = store_.find(paymentHash);
  if (record && record->status == WatchStatus::Open && record->kind == InvoiceKind::Topup)
    store_.reschedule(*record, nowMs());
}

}  // namespace turnpike::payments::lightning
