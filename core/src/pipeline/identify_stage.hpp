// The identify stage: who is calling. An API key or spend token (Authorization: Bearer,
// X-Spend-Token), an L402 credential (Authorization: L402/LSAT, when a payment method offers
// L402), or nobody (anonymous, named by its client address).
//
// A key is looked up once and remembered for a few seconds, so routing can see the caller's
// account and tier without a database read per request. The admit stage checks the key again in
// the transaction that reserves the money, so a revoked key is refused there at once; the
// cache only feeds routing.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "billing/billing_service.hpp"
#include "http/connection.hpp"

namespace turnpike::pipeline {

struct Identity {
  enum class Kind { Anonymous, Key, L402 };
  Kind kind = Kind::Anonymous;
  std::string keyHash;        // Key: hex SHA-256 of the presented key
  std::string accountId;      // Key: as of the last lookup
  std::string tier;           // Key: the account's tier
  std::string authorization;  // L402: the Authorization header
  std::string rateIdentity;   // whose rate limits apply: "key:...", "l402:...", "anon:..."
};

// The key presented with Authorization: Bearer, x-api-key or X-Spend-Token; nullopt when none. An empty
// token, or one not in Turnpike's key format (billing::hasKeyFormat), counts as none, so SDKs
// that insist on an apiKey can call free models with a placeholder.
std::optional<std::string> presentedKey(const http::Request& request);
// What per-address limits key on: the client's address (Request::clientAddress, so the one
// server.trusted_proxies forwarded for), IPv4, or the /64 of an IPv6 one (a single host commonly
// holds a whole /64).
std::string clientBucket(const http::Request& request);
// The rate-limit identity of an anonymous caller: its client address (clientBucket). Nothing the
// client sends, X-Client-ID or User-Agent, picks or resets it.
std::string anonymousIdentity(const http::Request& request);

class IdentifyStage {
 public:
  // Runs a task on a worker pool; false when the pool has no room (answered 503).
  using Offload = std::function<bool(std::function<void()>)>;
  static constexpr std::chrono::milliseconds kKeyTtl{5'000};

  // `billing` null: billing is off and every caller is anonymous. Key lookups block: they run
  // through `offload` (a worker pool of their own).
  IdentifyStage(billing::BillingService* billing, std::string unit, Offload offload)
      : billing_(billing), unit_(std::move(unit)), offload_(std::move(offload)) {}

  void enableL402() { l402_ = true; }

  // Calls `next` on the exchange's loop (at once when nothing needs a lookup), or answers the
  // exchange itself (401/403 for a bad key).
  void run(const std::shared_ptr<http::Exchange>& exchange, std::function<void(Identity)> next);

 private:
  struct CachedKey {
    std::string accountId;
    std::string tier;
    std::chrono::steady_clock::time_point expires;
  };
  struct alignas(64) Shard {
    std::mutex mutex;
    std::unordered_map<std::string, CachedKey> keys;
  };
  Shard& shardFor(const std::string& hash) { return shards_[static_cast<unsigned char>(hash[0]) % shards_.size()]; }
  bool cached(Identity& identity);
  void remember(const Identity& identity);

  billing::BillingService* billing_;
  std::string unit_;
  Offload offload_;
  bool l402_ = false;
  std::array<Shard, 16> shards_;
};

}  // namespace turnpike::pipeline
