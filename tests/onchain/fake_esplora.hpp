// A fake Esplora server on 127.0.0.1, port 0 (test::FakeUpstream), answering in the shapes of
// Blockstream/esplora's API.md: GET /address/:a/txs (50 mempool + 25 confirmed, newest first),
// /address/:a/txs/chain/:last_seen_txid (25 per page), /blocks/tip/height and
// /block-height/:h as text. The test owns the chain: it pays addresses (into the mempool),
// mines blocks, reorganizes the chain, drops transactions and takes the server down.
//
// A transaction's status is what the explorer's address index says about it: a reorg changes
// the best chain (/block-height) at once but leaves the index stale until include() moves the
// transaction, as a real explorer catching up does.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/network.hpp"
#include "fake_upstream.hpp"

namespace turnpike::onchain_test {

class FakeEsplora {
 public:
  explicit FakeEsplora(payments::Network network = payments::Network::Mainnet, uint64_t height = 800'000);

  // The API root, e.g. http://127.0.0.1:41234/api
  std::string url() const;

  // A mempool transaction with a change output first (to a taproot address on mainnet and
  // testnet), then one output per (address, sats).
  std::string pay(const std::vector<std::pair<std::string, uint64_t>>& outputs);
  std::string pay(const std::string& address, uint64_t sats) { return pay({{address, sats}}); }
  // Mines `count` blocks; the first one confirms every mempool transaction.
  void mine(int count = 1);
  // Replaces the blocks from `height` to the tip with new ones and mines `extra` more. The
  // address index still shows the old blocks until include().
  void reorg(uint64_t height, int extra = 0);
  // The index catches up: the transaction is in the current block at `height` (nullopt: back
  // in the mempool).
  void include(const std::string& txid, std::optional<uint64_t> height);
  // The transaction is gone (replaced or double spent).
  void drop(const std::string& txid);

  uint64_t tip() const;
  std::string blockHash(uint64_t height) const;

  // Requests whose path (after the API root) starts with `prefix`.
  size_t requestCount(const std::string& prefix = "") const;
  std::vector<test::RecordedRequest> requests() const { return server_.requests(); }

  // Non-zero: every request is answered with this status (an explorer that is down).
  std::atomic<int> failStatus{0};
  // Outputs name only their address (scriptpubkey_address), as some Esplora-like servers do.
  std::atomic<bool> addressesOnly{false};

 private:
  struct Output {
    std::string address;
    std::string scriptHex;
    uint64_t sats;
  };
  struct Tx {
    std::string txid;
    std::vector<Output> outputs;
    std::optional<uint64_t> height;  // as the address index shows it
    std::string blockHash;
    uint64_t sequence;  // arrival order: newer first within a block or the mempool
  };

  void handle(const test::RecordedRequest& request, Poco::Net::HTTPServerResponse& response);
  std::string txJson(const Tx& tx) const;
  std::string addressTxs(const std::string& address, const std::string& lastSeen, bool chainOnly) const;

  payments::Network network_;
  mutable std::mutex mutex_;
  uint64_t base_;                    // height of chain_[0]
  std::vector<std::string> chain_;  // block hashes of the best chain
  std::vector<Tx> txs_;
  uint64_t sequence_ = 0;
  test::FakeUpstream server_;  // last: stops first
};

// 64 random lowercase hex digits (txids, block hashes).
std::string randomHex32();

}  // namespace turnpike::onchain_test
