// Accounts, keys, wallets and the ledger as operations. The request path uses admit() before
// dispatch and settle() after the response; both run on the store's writer (group commit)
// and report back once committed. Everything else is blocking, for worker threads and the CLI.
//
// Money rules kept here: a reservation holds the request's maximum cost before it starts; the
// settlement charges what was used, at most what the wallet can cover, releases the rest, and
// writes the ledger row and usage row in the same transaction; every external credit carries an
// idempotency key and is applied once.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "billing/api_keys.hpp"
#include "billing/key_rules.hpp"
#include "config/config.hpp"
#include "store/connection_pool.hpp"
#include "store/database.hpp"
#include "store/records.hpp"
#include "store/usage_repository.hpp"
#include "store/writer.hpp"

namespace turnpike::billing {

enum class Refusal {
  None,
  UnknownKey,
  RevokedKey,
  ExpiredKey,
  MissingScope,
  InsufficientBalance,
  KeyUsageLimit,
};

struct AdmitRequest {
  std::string keyHash;               // hex SHA-256 of the presented key
  std::string scope = "inference";  // the key must carry it
  int64_t amount = 0;                // to reserve; 0 only authenticates
};

struct Admission {
  Refusal refusal = Refusal::None;
  store::ApiKeyRecord key;
  std::string tier;
  int64_t reservationId = 0;
  int64_t held = 0;       // reserved on the wallet
  int64_t keyHeld = 0;    // reserved against the key's usage_limit
  int64_t available = 0;  // the wallet's available balance when refused
};

struct Settlement {
  std::string accountId;
  std::optional<std::string> keyId;
  int64_t reservationId = 0;
  int64_t held = 0;
  int64_t keyHeld = 0;
  int64_t cost = 0;          // what the request used
  // The client has what it is charged for whether or not this settlement commits (a stream):
  // a failed settlement is then retried with its cost; otherwise (the response waits for the
  // commit and will be an error) it is retried as a release.
  bool delivered = false;
  store::UsageRecord usage;  // cost is overwritten with what was charged
  // A single-use L402 credential claimed at admission (its payment hash): spent when `served`,
  // given back otherwise.
  std::optional<std::string> l402Claim;
  bool served = false;
};

struct SettleOutcome {
  int64_t charged = 0;
  int64_t balance = 0;
  int64_t shortfall = 0;  // used but not covered (wallet or key limit exhausted)
  bool duplicate = false;  // the reservation was settled before: nothing was changed
};

struct KeySpec {
  std::string name;
  std::vector<std::string> scopes = {"inference", "account", "keys"};
  std::optional<int64_t> usageLimit;
  store::ResetPeriod resetPeriod = store::ResetPeriod::None;
  std::optional<int64_t> expireAt;
};

struct CreatedKey {
  store::ApiKeyRecord record;
  std::string secret;  // shown once
};

// A key creating, changing or revoking a key of its own account: judged by key_rules.hpp in the
// transaction that writes, against the keys as stored then.
struct KeyOutcome {
  KeyRuling ruling;                        // not allowed: nothing was written
  bool callerValid = true;                 // false: the calling key was revoked or has expired meanwhile
  std::optional<store::ApiKeyRecord> key;  // the key as written; nullopt when there is no such key
  std::string secret;                      // of a created key, shown once
};

struct CreatedAccount {
  store::Account account;
  CreatedKey key;
  int64_t balance = 0;
};

struct CreditOutcome {
  bool applied = false;  // false: this idempotency key was credited before
  int64_t balance = 0;
  int64_t ledgerId = 0;
};

// A request paid with an L402 credential, admitted against the credential's own account.
struct L402Admission {
  enum class Refusal { None, CredentialUsed, CredentialInUse, InsufficientBalance };
  Refusal refusal = Refusal::None;
  std::string accountId;
  int64_t reservationId = 0;
  int64_t held = 0;
  int64_t available = 0;
  bool claimed = false;  // a single-use credential, claimed until the settlement
};

const std::vector<std::string>& knownScopes();
std::string_view refusalCode(Refusal r);

class BillingService {
 public:
  // Throws store::StoreError.
  BillingService(const config::BillingConfig& config, store::Database& database);
  ~BillingService();

  const config::BillingConfig& config() const { return config_; }
  const std::string& holder() const { return holder_; }
  store::Writer& writer() { return writer_; }
  store::ConnectionPool& readers() { return readers_; }

  // Gives back what earlier gateway processes held (reservations, L402 claims). Only for a
  // process that serves and holds the database's serving lock: a CLI must never release a live
  // server's reservations.
  void releaseStaleReservations();

  // Request path: `done` runs on the writer thread after commit (keep it short: post it on).
  void admit(AdmitRequest request, std::function<void(Admission, std::exception_ptr)> done);
  // A settlement that fails (the store is full, read-only, busy) reports the error to `done` and
  // is kept for retrySettlements(), so its reservation is not held until the next start.
  void settle(Settlement settlement, std::function<void(SettleOutcome, std::exception_ptr)> done);
  // Submits the failed settlements again (a serving gateway calls it every few seconds).
  // Settling is idempotent per reservation: one already settled changes nothing.
  void retrySettlements();
  // Failed settlements waiting for a retry.
  size_t pendingSettlements() const;

  // A verified L402 credential: the first time, an account is opened for it and credited with
  // what was paid (once per payment hash); a single-use credential is then claimed, atomically
  // with the reservation of `amount`, until the settlement spends it (something was served) or
  // gives it back. Of concurrent requests with one credential, one holds the claim.
  void admitL402(std::string paymentHash, int64_t paidMsat, std::optional<int64_t> expiresAtMs, bool singleUse,
                 int64_t amount, std::function<void(L402Admission, std::exception_ptr)> done);

  // Blocking operations.
  Admission authenticate(std::string_view keyHash, std::string_view scope);
  CreatedAccount createAccount(const std::string& name, int64_t credit, const std::string& creditReason);
  // Adds `amount` (negative: an adjustment that may not eat into held money). Throws
  // std::invalid_argument for an unknown account or an adjustment the balance cannot take.
  CreditOutcome credit(const std::string& accountId, int64_t amount, const std::string& kind,
                       const std::string& description, const std::optional<std::string>& idempotencyKey);
  std::optional<store::Account> account(const std::string& id);
  // The account's tier (what routing and pricing scripts see as tier); false: no such account.
  // Requests see the change within IdentifyStage::kKeyTtl.
  bool setTier(const std::string& accountId, const std::string& tier);
  std::optional<store::Wallet> wallet(const std::string& accountId);
  CreatedKey createKey(const std::string& accountId, const KeySpec& spec);
  std::vector<store::ApiKeyRecord> listKeys(const std::string& accountId);
  std::optional<store::ApiKeyRecord> key(const std::string& accountId, const std::string& keyId);
  std::optional<store::ApiKeyRecord> keyById(const std::string& keyId);
  bool revokeKey(const std::string& keyId);
  // As the key `caller` (of the same account): a new key, `change` applied to key `keyId`, or
  // key `keyId` revoked.
  KeyOutcome createKeyAs(const store::ApiKeyRecord& caller, const KeySpec& spec);
  KeyOutcome changeKeyAs(const store::ApiKeyRecord& caller, const std::string& keyId,
                         const std::function<void(store::ApiKeyRecord&)>& change);
  KeyOutcome revokeKeyAs(const store::ApiKeyRecord& caller, const std::string& keyId);
  std::vector<store::LedgerEntry> ledgerPage(const std::string& accountId, std::optional<int64_t> beforeId, int limit);
  store::usage::HistoryPage usageHistory(const store::usage::HistoryQuery& query);
  int64_t ledgerSum(const std::string& accountId);
  int64_t reservationsHeld();

  // Spending in the key's current period as of `now` (0 once the stored period is over).
  static int64_t spentThisPeriod(const store::ApiKeyRecord& key, int64_t now);

  // The same operations inside a transaction a caller already holds (a writer job).
  static CreatedAccount createAccountIn(store::Connection& c, const std::string& name,
                                        const std::vector<std::string>& scopes, std::optional<int64_t> keyExpireAt,
                                        int64_t now);
  // Throws std::invalid_argument for an unknown account or a debit the balance cannot take.
  static CreditOutcome creditIn(store::Connection& c, const std::string& accountId, int64_t amount,
                                const std::string& kind, const std::string& description,
                                const std::optional<std::string>& idempotencyKey, int64_t now);

 private:
  Admission admitIn(store::Connection& c, const AdmitRequest& request, int64_t now);
  SettleOutcome settleIn(store::Connection& c, Settlement& s, int64_t now);

  void keepForRetry(Settlement settlement);

  const config::BillingConfig& config_;
  std::string holder_;
  store::Writer writer_;
  store::ConnectionPool readers_;
  mutable std::mutex retryMutex_;
  std::vector<Settlement> retry_;
};

}  // namespace turnpike::billing
