// The durable watch of each top-up address (`watch:<address>`) and the queue of the open ones
// (`due:<ms>:<address>`, see state_keys.hpp). Survives restarts: a new instance over the same
// state keeps watching where the last one stopped, and knows which outputs it reported.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <turnpike/plugin.hpp>

#include "common/due_queue.hpp"

namespace turnpike::payments::onchain {

enum class OutputState {
  Pending,   // seen, reported to the host as not settled yet, waiting for confirmations
  Credited,  // reported settled: never looked at again
};

struct OutputRecord {
  uint64_t sats = 0;
  OutputState state = OutputState::Pending;
};

struct WatchRecord {
  std::string address;
  std::string scriptPubKeyHex;
  uint32_t index = 0;
  std::string topupId;
  int64_t watchUntilMs = 0;  // the top-up's expiry + watch_after_expiry_seconds
  int64_t nextCheckMs = 0;
  int64_t lastCheckMs = 0;
  uint32_t attempts = 0;  // looks in a row that found nothing new (the backoff)
  bool open = true;
  bool received = false;                        // any transaction touched the address
  std::map<std::string, OutputRecord> outputs;  // by "<txid>:<vout>"

  bool waiting() const;  // some output is seen but not credited
};

class WatchStore {
 public:
  explicit WatchStore(sdk::Host host);

  // Records a new watch and queues it at `nextCheckMs`.
  void add(const WatchRecord& record);
  // nullopt when unknown; throws on a corrupt record.
  std::optional<WatchRecord> find(std::string_view address) const;
  // Writes the record as it is (its place in the queue unchanged).
  void save(const WatchRecord& record);
  // Moves the next look to `atMs`.
  void reschedule(WatchRecord& record, int64_t atMs);
  // Ends the watch.
  void close(WatchRecord& record);

  // Queue entries due at or before `nowMs`, earliest first (see DueQueue::due).
  std::vector<DueQueue::Entry> due(int64_t nowMs, size_t limit, int64_t* nextAtMs) const {
    return queue_.due(nowMs, limit, nextAtMs);
  }
  // Removes a queue entry that no longer matches its record.
  void dropDue(const DueQueue::Entry& entry) { queue_.remove(entry.atMs, entry.id); }

 private:
  sdk::Host host_;
  DueQueue queue_;
};

}  // namespace turnpike::payments::onchain
