// Receive addresses for top-ups: one per top-up, derived from the account key at m/.../0/<index>
// (BIP84 P2WPKH), each index claimed with an atomic state insert so that concurrent top-ups,
// even in two gateways on one database, never share an address.
//
// Wallets find the addresses they derived by scanning until `gap_limit` unused ones in a row, so
// the pool hands out fresh indexes only up to gap_limit past the highest one that ever received
// a transaction. Past that, it reuses the lowest index whose watch ended without any transaction
// (checked unused again first); with none, the top-up is refused (503) until a payment arrives
// or a watch ends. An address that already has a history when it is claimed (the key is used
// elsewhere too) is marked used and skipped: its old payments must not credit a new top-up.
// Fresh claims are atomic in the database; the free list and used_high are kept consistent by a
// mutex, i.e. within one gateway (one serving gateway per database, as SQLite requires today).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <turnpike/plugin.hpp>

#include "common/result.hpp"
#include "onchain/esplora_client.hpp"
#include "onchain/extended_key.hpp"
#include "onchain/plugin_config.hpp"

namespace turnpike::payments::onchain {

// A top-up the pool cannot serve now, with the answer the client should get.
class TopupRefused : public std::runtime_error {
 public:
  TopupRefused(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

class AddressPool {
 public:
  struct Claim {
    uint32_t index = 0;
    std::string address;
    std::string scriptPubKeyHex;
    bool reused = false;
  };

  // Throws std::invalid_argument when the account key yields no receive chain.
  AddressPool(sdk::Host host, const PluginConfig& config, const EsploraClient& esplora);

  // An address for `topupId`. Throws TopupRefused (503) when none may be handed out now or
  // Esplora cannot confirm the candidate is unused.
  Claim claim(std::string_view topupId);
  // The index received a transaction: it counts as used for the gap limit.
  void markUsed(uint32_t index);
  // The watch of `index` ended; an index that never received anything becomes reusable.
  void release(uint32_t index, bool used);

  // How many candidates one claim may check with Esplora before giving up (bounds its latency).
  static constexpr int kMaxChecksPerClaim = 20;

 private:
  // The receive address at `index` (BIP32 may skip an index: a failure).
  Result<std::string> address(uint32_t index) const;
  std::optional<Claim> claimFresh(std::string_view topupId, int& checks);
  std::optional<Claim> claimReleased(std::string_view topupId, int& checks);
  // Hands `index` (claimed) to the top-up when Esplora shows it unused; marks it otherwise.
  std::optional<Claim> tryIndex(uint32_t index, std::string_view topupId, bool reused, int& checks);
  void setState(uint32_t index, std::string_view state, std::string_view topupId = {});
  int64_t usedHigh() const;

  sdk::Host host_;
  const PluginConfig& config_;
  const EsploraClient& esplora_;
  ExtendedPublicKey receiveChain_;  // account/0
  std::mutex mutex_;                // claims, used_high and the free list, within this process
};

}  // namespace turnpike::payments::onchain
