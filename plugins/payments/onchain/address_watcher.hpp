// Watches the top-up addresses through Esplora and reports what they receive to the host, one
// report per output ("<txid>:<vout>", the external id the host credits once):
//   - an output not confirmed enough yet is reported once with "settled": false (the top-up
//     shows processing);
//   - once it has `confirmations` (tip - block_height + 1) and the block Esplora names is still
//     the best chain's block at that height, it is reported settled with its whole value; a
//     block hash that differs there is a reorg in progress: nothing is credited and the output
//     waits for the new chain to confirm it;
//   - an output that vanishes before confirming (replaced, double spent) is forgotten.
// An address is looked at with backoff (poll_interval_ms doubling to max_poll_interval_ms while
// nothing changes) until watch_after_expiry_seconds after its top-up expired and nothing is
// waiting for confirmations. Esplora failing ends the round at once and holds every look back
// for the same growing delay; nothing is credited on an answer that could not be read.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include <turnpike/plugin.hpp>

#include "onchain/address_pool.hpp"
#include "onchain/chain_view.hpp"
#include "onchain/esplora_client.hpp"
#include "onchain/plugin_config.hpp"
#include "onchain/watch_store.hpp"

namespace turnpike::payments::onchain {

class AddressWatcher {
 public:
  AddressWatcher(sdk::Host host, const PluginConfig& config, const EsploraClient& esplora, WatchStore& store,
                 AddressPool& pool);

  // Starts watching a new top-up address.
  void track(const WatchRecord& record);
  // Looks at the addresses that are due (at most kBatch).
  void tick();
  // Looks at `address` now for `topupId` (a client asking for its top-up), unless it was looked
  // at less than poll_interval_ms ago, Esplora is being waited out or the address now serves
  // another top-up. Fails with Esplora's error.
  Result<bool> checkNow(std::string_view address, std::string_view topupId);

  static constexpr size_t kBatch = 50;

 private:
  enum class Verdict { Credit, Wait, Reorg };

  // One look at the address; false with `error` set when Esplora (or the host) failed, after
  // saving what was learned so far.
  bool examine(WatchRecord& record, int64_t nowMs, ChainView& chain, std::string& error);
  Result<Verdict> judge(const ReceivedOutput& output, ChainView& chain);
  void report(const WatchRecord& record, const std::string& outputId, uint64_t sats, bool settled);
  int64_t backoffMs(uint32_t attempts) const;
  void lowerNextDue(int64_t atMs);
  void esploraFailed(const std::string& error, int64_t nowMs);
  void esploraAnswered();

  // An address being looked at by one thread (a tick or a client's check) and no other.
  class Visit {
   public:
    Visit(AddressWatcher& watcher, std::string address);
    ~Visit();
    Visit(const Visit&) = delete;
    Visit& operator=(const Visit&) = delete;
    // False when another thread is already looking at the address.
    bool entered() const { return entered_; }

   private:
    AddressWatcher& watcher_;
    std::string address_;
    bool entered_;
  };

  sdk::Host host_;
  const PluginConfig& config_;
  const EsploraClient& esplora_;
  WatchStore& store_;
  AddressPool& pool_;
  // Nothing is due before this (a hint that spares idle ticks a state scan).
  std::atomic<int64_t> nextDueMs_{0};
  // Esplora failed: no look before this.
  std::atomic<int64_t> retryAtMs_{0};
  std::atomic<uint32_t> failures_{0};
  std::mutex busyMutex_;
  std::set<std::string> busy_;
};

}  // namespace turnpike::payments::onchain
