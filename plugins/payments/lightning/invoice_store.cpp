#include "lightning/invoice_store.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace turnpike::payments::lightning {

using nlohmann::json;

namespace {

constexpr const char* kStatusNames[] = {"open", "settled", "canceled", "expired"};

std::string_view statusName(WatchStatus s) { return kStatusNames[static_cast<int>(s)]; }

WatchStatus parseStatus(const std::string& s) {
  for (int i = 0; i < 4; ++i)
    if (s == kStatusNames[i]) return static_cast<WatchStatus>(i);
  throw std::runtime_error("unknown invoice status '" + s + "' in state");
}

}  // namespace

void InvoiceStore::write(const InvoiceRecord& r) {
  json j{{"kind", r.kind == InvoiceKind::Topup ? "topup" : "l402"},
         {"amount_msat", r.amountMsat},
         {"created_at", r.createdAt},
         {"expires_at", r.expiresAt},
         {"watch_until", r.watchUntil},
         {"next_check_ms", r.nextCheckMs},
         {"attempts", r.attempts},
         {"status", statusName(r.status)},
         {"settled_msat", r.settledMsat}};
  if (!r.topupId.empty()) j["topup_id"] = r.topupId;
  host_.statePut(keys::invoice(r.paymentHash), j.dump());
}

void InvoiceStore::add(const InvoiceRecord& record) {
  write(record);
  if (record.kind == InvoiceKind::Topup && record.status == WatchStatus::Open)
    queue_.add(record.nextCheckMs, record.paymentHash);
}

std::optional<InvoiceRecord> InvoiceStore::find(std::string_view paymentHash) const {
  auto text = host_.stateGet(keys::invoice(paymentHash));
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) throw std::runtime_error("corrupt invoice record in state");
  InvoiceRecord r;
  r.paymentHash = std::string(paymentHash);
  r.kind = j.value("kind", "topup") == "l402" ? InvoiceKind::L402 : InvoiceKind::Topup;
  r.topupId = j.value("topup_id", "");
  r.amountMsat = j.value("amount_msat", uint64_t{0});
  r.createdAt = j.value("created_at", int64_t{0});
  r.expiresAt = j.value("expires_at", int64_t{0});
  r.watchUntil = j.value("watch_until", int64_t{0});
  r.nextCheckMs = j.value("next_check_ms", int64_t{0});
  r.attempts = j.value("attempts", uint32_t{0});
  r.status = parseStatus(j.value("status", "open"));
  r.settledMsat = j.value("settled_msat", uint64_t{0});
  return r;
}

void InvoiceStore::reschedule(InvoiceRecord& record, int64_t atMs) {
  int64_t previous = record.nextCheckMs;
  record.nextCheckMs = atMs;
  // New queue entry first: a crash in between leaves a stale entry (dropped when met), never
  // an invoice nobody watches.
  queue_.add(atMs, record.paymentHash);
  write(record);
  if (previous != atMs) queue_.remove(previous, record.paymentHash);
}

void InvoiceStore::close(InvoiceRecord& record, WatchStatus status, uint64_t settledMsat) {
  record.status = status;
  record.settledMsat = settledMsat;
  write(record);
  queue_.remove(record.nextCheckMs, record.paymentHash);
}

}  // namespace turnpike::payments::lightning
