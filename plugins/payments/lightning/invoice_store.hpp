// The durable record of every invoice the plugin issued (`inv:<hash>`) and the watch queue of
// the open top-up invoices (`due:<ms>:<hash>`, see state_keys.hpp). Survives restarts: a new
// instance over the same state keeps watching where the last one stopped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <turnpike/plugin.hpp>

#include "common/due_queue.hpp"
#include "lightning/state_keys.hpp"

namespace turnpike::payments::lightning {

enum class InvoiceKind { Topup, L402 };

enum class WatchStatus {
  Open,      // may still be paid: watched (top-ups)
  Settled,   // paid and reported
  Canceled,  // the node canceled it
  Expired,   // not paid within expiry + watch_after_expiry_seconds
};

struct InvoiceRecord {
  std::string paymentHash;  // hex
  InvoiceKind kind = InvoiceKind::Topup;
  std::string topupId;  // top-ups only
  uint64_t amountMsat = 0;
  int64_t createdAt = 0;   // unix s
  int64_t expiresAt = 0;   // unix s
  int64_t watchUntil = 0;  // unix s: expiresAt + watch_after_expiry_seconds
  int64_t nextCheckMs = 0;
  uint32_t attempts = 0;
  WatchStatus status = WatchStatus::Open;
  uint64_t settledMsat = 0;
};

class InvoiceStore {
 public:
  explicit InvoiceStore(sdk::Host host) : host_(host), queue_(host, std::string(keys::kDuePrefix)) {}

  // Records a new invoice; open top-ups join the watch queue at `nextCheckMs`.
  void add(const InvoiceRecord& record);
  // nullopt when unknown; throws on a corrupt record.
  std::optional<InvoiceRecord> find(std::string_view paymentHash) const;
  // Moves an open invoice's next check to `atMs`.
  void reschedule(InvoiceRecord& record, int64_t atMs);
  // Ends the watch.
  void close(InvoiceRecord& record, WatchStatus status, uint64_t settledMsat = 0);

  // Queue entries due at or before `nowMs`, earliest first, at most `limit`.
  std::vector<DueQueue::Entry> due(int64_t nowMs, size_t limit) const { return queue_.due(nowMs, limit); }
  // Removes a queue entry that no longer matches its record.
  void dropDue(const DueQueue::Entry& entry) { queue_.remove(entry.atMs, entry.id); }

 private:
  void write(const InvoiceRecord& record);

  sdk::Host host_;
  DueQueue queue_;
};

}  // namespace turnpike::payments::lightning
