// The Esplora REST API (Blockstream/esplora API.md; also served by mempool.space and electrs)
// through the host's HTTP client: an address's history, the tip height and the block at a
// height. Nothing here decides what is paid; it only reports what the explorer says, and fails on
// anything it cannot read rather than guess.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <turnpike/plugin.hpp>

#include "common/network.hpp"
#include "common/result.hpp"
#include "onchain/plugin_config.hpp"

namespace turnpike::payments::onchain {

struct TxStatus {
  bool confirmed = false;
  uint64_t blockHeight = 0;  // confirmed only
  std::string blockHash;     // confirmed only, lowercase hex
};

// One transaction output paying the watched script.
struct ReceivedOutput {
  std::string txid;  // lowercase hex
  uint32_t vout = 0;
  uint64_t sats = 0;
  TxStatus status;
};

struct AddressHistory {
  std::vector<ReceivedOutput> outputs;
  size_t transactions = 0;  // every transaction touching the address, paying it or not
  bool complete = true;     // false when kMaxPages cut the confirmed history short
};

class EsploraClient {
 public:
  EsploraClient(sdk::Host host, EsploraConfig config, Network network);

  // GET /address/:a/txs, then /address/:a/txs/chain/:last_seen_txid while confirmed pages are
  // full (25 per page). `scriptPubKeyHex` is the address's output script, lowercase hex.
  Result<AddressHistory> history(std::string_view address, std::string_view scriptPubKeyHex) const;
  // GET /blocks/tip/height (text).
  Result<uint64_t> tipHeight() const;
  // GET /block-height/:height (text): the hash of the block at that height in the best chain.
  Result<std::string> blockHashAt(uint64_t height) const;

  static constexpr size_t kConfirmedPageSize = 25;
  static constexpr size_t kMaxPages = 40;

 private:
  // The body of a 200 answer; any other answer or a transport failure is a failure whose message
  // names the path and never the token.
  Result<std::string> get(const std::string& path) const;

  sdk::Host host_;
  EsploraConfig config_;
  Network network_;
};

}  // namespace turnpike::payments::onchain
