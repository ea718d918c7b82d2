#include "billing/billing_service.hpp"

#include <Poco/Logger.h>

#include <algorithm>
#include <stdexcept>

#include "billing/periods.hpp"
#include "store/accounts_repository.hpp"
#include "store/keys_repository.hpp"
#include "store/ledger_repository.hpp"
#include "store/reservations_repository.hpp"
#include "store/store_error.hpp"
#include "store/topups_repository.hpp"
#include "util/random.hpp"

namespace turnpike::billing {

using store::Connection;

namespace {

store::ApiKeyRecord newKeyRecord(const std::string& accountId, const KeySpec& spec, const NewKey& material, int64_t now) {
  store::ApiKeyRecord k;
  k.id = newId("key");
  k.accountId = accountId;
  k.name = spec.name;
  k.prefix = material.prefix;
  k.hash = material.hash;
  k.scopes = spec.scopes;
  k.usageLimit = spec.usageLimit;
  k.resetPeriod = spec.resetPeriod;
  k.periodStart = periodStart(spec.resetPeriod, now);
  k.expireAt = spec.expireAt;
  k.createdAt = now;
  return k;
}

// The calling key as stored now, unless it was revoked or has expired since it authenticated.
std::optional<store::ApiKeyRecord> currentCaller(Connection& c, const store::ApiKeyRecord& caller, int64_t now) {
  auto k = store::keys::findById(c, caller.id);
  if (!k || k->revokedAt || (k->expireAt && now >= *k->expireAt)) return std::nullopt;
  return k;
}

// A key operation by `caller` in one writer transaction: `act` runs with the caller as stored
// now, and not at all when it was revoked or has expired since it authenticated.
template <typename Act>
KeyOutcome asCurrentCaller(Connection& c, const store::ApiKeyRecord& caller, int64_t now, Act&& act) {
  KeyOutcome o;
  auto current = currentCaller(c, caller, now);
  if (!current) {
    o.callerValid = false;
    return o;
  }
  act(*current, o);
  return o;
}

// What a key grants another moves out of its own limit.
void takeFromCaller(Connection& c, store::ApiKeyRecord& caller, int64_t transfer) {
  if (transfer <= 0) return;
  caller.usageLimit = *caller.usageLimit - transfer;
  store::keys::update(c, caller);
}

}  // namespace

const std::vector<std::string>& knownScopes() {
  static const std::vector<std::string> kScopes{"inference", "account", "keys"};
  return kScopes;
}

std::string_view refusalCode(Refusal r) {
  switch (r) {
    case Refusal::None: return "";
    case Refusal::UnknownKey: return "invalid_api_key";
    case Refusal::RevokedKey: return "api_key_revoked";
    case Refusal::ExpiredKey: return "api_key_expired";
    case Refusal::MissingScope: return "insufficient_scope";
    case Refusal::InsufficientBalance: return "insufficient_balance";
    case Refusal::KeyUsageLimit: return "key_usage_limit_exceeded";
  }
  return "";
}

BillingService::BillingService(const config::BillingConfig& config, store::Database& database)
    : config_(config),
      holder_("gw_" + util::randomBase62(12)),
      writer_(database),
      readers_(database) {}

void BillingService::releaseStaleReservations() {
  auto [released, claims] = writer_.run([this](Connection& c) {
    return std::pair(store::reservations::releaseOthers(c, holder_), store::l402::releaseClaimsOfOthers(c, holder_));
  });
  if (released.count > 0)
    Poco::Logger::get("billing").warning("released " + std::to_string(released.count) + " reservations (" +
                                         std::to_string(released.amount) + " " + config_.unit +
                                         ") left by a previous process");
  // Requests a crash cut short before their settlement: their credentials work again.
  if (claims > 0)
    Poco::Logger::get("billing").warning("gave back " + std::to_string(claims) +
                                         " single-use L402 credentials claimed by a previous process");
}

BillingService::~BillingService() { writer_.stop(); }

int64_t BillingService::spentThisPeriod(const store::ApiKeyRecord& key, int64_t now) {
  if (key.resetPeriod != store::ResetPeriod::None && now >= periodEnd(key.resetPeriod, key.periodStart)) return 0;
  return key.periodSpent;
}

Admission BillingService::admitIn(Connection& c, const AdmitRequest& request, int64_t now) {
  Admission a;
  // Keys are found by the SHA-256 of what was presented, in an index, without a constant-time
  // compare: lookup timing can tell at most how the hash of a guess relates to stored hashes,
  // and such a hash says nothing usable about any key (it would take a preimage).
  auto key = store::keys::findByHash(c, request.keyHash);
  if (!key) {
    a.refusal = Refusal::UnknownKey;
    return a;
  }
  a.key = std::move(*key);
  if (a.key.revokedAt) {
    a.refusal = Refusal::RevokedKey;
    return a;
  }
  if (a.key.expireAt && now >= *a.key.expireAt) {
    a.refusal = Refusal::ExpiredKey;
    return a;
  }
  if (!request.scope.empty() && !a.key.hasScope(request.scope)) {
    a.refusal = Refusal::MissingScope;
    return a;
  }
  if (auto account = store::accounts::find(c, a.key.accountId)) a.tier = account->tier;
  if (a.key.resetPeriod != store::ResetPeriod::None && now >= periodEnd(a.key.resetPeriod, a.key.periodStart)) {
    a.key.periodStart = periodStart(a.key.resetPeriod, now);
    a.key.periodSpent = 0;
    store::keys::startPeriod(c, a.key.id, a.key.periodStart);
  }
  if (request.amount <= 0) return a;
  if (a.key.usageLimit) {
    if (!store::keys::reserve(c, a.key.id, request.amount)) {
      a.refusal = Refusal::KeyUsageLimit;
      return a;
    }
    a.keyHeld = request.amount;
  }
  if (!store::accounts::reserve(c, a.key.accountId, request.amount, now)) {
    if (a.keyHeld > 0) store::keys::settle(c, a.key.id, a.keyHeld, 0, now);
    a.keyHeld = 0;
    a.refusal = Refusal::InsufficientBalance;
    a.available = store::accounts::wallet(c, a.key.accountId).value_or(store::Wallet{}).available();
    return a;
  }
  a.held = request.amount;
  a.reservationId =
      store::reservations::insert(c, a.key.accountId, std::string_view(a.key.id), request.amount, a.keyHeld, holder_, now);
  return a;
}

SettleOutcome BillingService::settleIn(Connection& c, Settlement& s, int64_t now) {
  SettleOutcome out;
  // The reservation row goes first: if it is gone, this settlement ran before (a retry after a
  // failure that did commit after all) and must not charge twice.
  if (s.reservationId != 0 && !store::reservations::remove(c, s.reservationId)) {
    out.duplicate = true;
    return out;
  }
  auto wallet = store::accounts::wallet(c, s.accountId);
  if (!wallet) throw store::StoreError("settlement for unknown account " + s.accountId);
  // The reservation is the ceiling we promised; beyond it only what is still available.
  int64_t room = s.held + std::max<int64_t>(0, wallet->available());
  if (s.keyId && s.keyHeld > 0) {
    if (auto key = store::keys::findById(c, *s.keyId); key && key->usageLimit)
      room = std::min(room, *key->usageLimit - key->periodSpent - (key->reserved - s.keyHeld));
  }
  out.charged = std::clamp<int64_t>(s.cost, 0, std::max<int64_t>(0, room));
  out.shortfall = s.cost - out.charged;
  out.balance = store::accounts::settle(c, s.accountId, s.held, out.charged, now);
  if (s.keyId) store::keys::settle(c, *s.keyId, s.keyHeld, out.charged, now);
  if (s.l402Claim) store::l402::finishClaim(c, *s.l402Claim, s.served, now);
  if (out.charged > 0) {
    store::LedgerEntry e;
    e.accountId = s.accountId;
    e.amount = -out.charged;
    e.balanceAfter = out.balance;
    e.kind = "usage";
    e.reference = s.usage.requestId;
    e.description = s.usage.model + " via " + s.usage.provider;
    e.createdAt = now;
    store::ledger::append(c, e);
  }
  s.usage.cost = out.charged;
  s.usage.shortfall = out.shortfall;
  s.usage.createdAt = now;
  store::usage::insert(c, s.usage);
  return out;
}

void BillingService::admit(AdmitRequest request, std::function<void(Admission, std::exception_ptr)> done) {
  auto result = std::make_shared<Admission>();
  writer_.submit(store::Writer::Job{
      [this, request = std::move(request), result](Connection& c) { *result = admitIn(c, request, nowMs()); },
      [result, done = std::move(done)](std::exception_ptr error) { done(std::move(*result), error); }});
}

void BillingService::settle(Settlement settlement, std::function<void(SettleOutcome, std::exception_ptr)> done) {
  auto state = std::make_shared<std::pair<Settlement, SettleOutcome>>(std::move(settlement), SettleOutcome{});
  writer_.submit(store::Writer::Job{
      [this, state](Connection& c) { state->second = settleIn(c, state->first, nowMs()); },
      [this, state, done = std::move(done)](std::exception_ptr error) {
        if (error) keepForRetry(state->first);
        if (done) done(state->second, error);
      }});
}

void BillingService::keepForRetry(Settlement settlement) {
  // Not delivered: the client is told it failed, so the retry only gives the reservation (and
  // an L402 credential) back.
  if (!settlement.delivered) {
    settlement.cost = 0;
    settlement.served = false;
  }
  std::lock_guard lock(retryMutex_);
  retry_.push_back(std::move(settlement));
}

void BillingService::retrySettlements() {
  std::vector<Settlement> due;
  {
    std::lock_guard lock(retryMutex_);
    due.swap(retry_);
  }
  if (due.empty()) return;
  Poco::Logger::get("billing").warning("retrying " + std::to_string(due.size()) + " settlements that failed");
  for (auto& s : due) settle(std::move(s), {});
}

size_t BillingService::pendingSettlements() const {
  std::lock_guard lock(retryMutex_);
  return retry_.size();
}

Admission BillingService::authenticate(std::string_view keyHash, std::string_view scope) {
  // Read-only: a period that has ended reads as spent 0 without rewriting the row.
  return readers_.with([&](Connection& c) {
    Admission a;
    auto key = store::keys::findByHash(c, keyHash);  // found by hash: see admitIn
    if (!key) {
      a.refusal = Refusal::UnknownKey;
      return a;
    }
    a.key = std::move(*key);
    int64_t now = nowMs();
    if (a.key.revokedAt) {
      a.refusal = Refusal::RevokedKey;
    } else if (a.key.expireAt && now >= *a.key.expireAt) {
      a.refusal = Refusal::ExpiredKey;
    } else if (!scope.empty() && !a.key.hasScope(std::string(scope))) {
      a.refusal = Refusal::MissingScope;
    }
    if (auto account = store::accounts::find(c, a.key.accountId)) a.tier = account->tier;
    return a;
  });
}

CreatedKey BillingService::createKey(const std::string& accountId, const KeySpec& spec) {
  auto material = generateKey();
  auto k = newKeyRecord(accountId, spec, material, nowMs());
  writer_.run([&](Connection& c) {
    if (!store::accounts::find(c, accountId)) throw std::invalid_argument("no account " + accountId);
    store::keys::insert(c, k);
  });
  return CreatedKey{std::move(k), std::move(material.secret)};
}

KeyOutcome BillingService::createKeyAs(const store::ApiKeyRecord& caller, const KeySpec& spec) {
  auto material = generateKey();
  int64_t now = nowMs();
  auto k = newKeyRecord(caller.accountId, spec, material, now);
  auto out = writer_.run([&](Connection& c) {
    return asCurrentCaller(c, caller, now, [&](store::ApiKeyRecord& current, KeyOutcome& o) {
      o.ruling = judgeKeyChange(current, nullptr, k, now);
      if (!o.ruling.allowed()) return;
      takeFromCaller(c, current, o.ruling.transfer);
      store::keys::insert(c, k);
      o.key = k;
    });
  });
  if (out.key) out.secret = std::move(material.secret);
  return out;
}

KeyOutcome BillingService::changeKeyAs(const store::ApiKeyRecord& caller, const std::string& keyId,
                                       const std::function<void(store::ApiKeyRecord&)>& change) {
  return writer_.run([&](Connection& c) {
    int64_t now = nowMs();
    return asCurrentCaller(c, caller, now, [&](store::ApiKeyRecord& current, KeyOutcome& o) {
      auto before = store::keys::find(c, caller.accountId, keyId);
      if (!before) return;
      store::ApiKeyRecord after = *before;
      change(after);
      o.ruling = judgeKeyChange(current, &*before, after, now);
      if (!o.ruling.allowed()) return;
      // A raise of the caller's own limit is refused, so a transfer never writes the target twice.
      takeFromCaller(c, current, o.ruling.transfer);
      store::keys::update(c, after);
      if (after.resetPeriod != before->resetPeriod) {
        after.periodStart = periodStart(after.resetPeriod, now);
        after.periodSpent = 0;
        store::keys::startPeriod(c, after.id, after.periodStart);
      }
      o.key = std::move(after);
    });
  });
}

KeyOutcome BillingService::revokeKeyAs(const store::ApiKeyRecord& caller, const std::string& keyId) {
  return writer_.run([&](Connection& c) {
    int64_t now = nowMs();
    return asCurrentCaller(c, caller, now, [&](store::ApiKeyRecord& current, KeyOutcome& o) {
      auto target = store::keys::find(c, caller.accountId, keyId);
      if (!target) return;
      o.ruling = judgeKeyRevoke(current, *target);
      if (!o.ruling.allowed()) return;
      store::keys::revoke(c, keyId, now);
      if (!target->revokedAt) target->revokedAt = now;
      o.key = std::move(target);
    });
  });
}

CreatedAccount BillingService::createAccountIn(Connection& c, const std::string& name,
                                               const std::vector<std::string>& scopes,
                                               std::optional<int64_t> keyExpireAt, int64_t now) {
  CreatedAccount out;
  out.account = store::Account{newId("acct"), name, "standard", now};
  auto material = generateKey();
  store::ApiKeyRecord& k = out.key.record;
  k.id = newId("key");
  k.accountId = out.account.id;
  k.name = "default";
  k.prefix = material.prefix;
  k.hash = material.hash;
  k.scopes = scopes;
  k.expireAt = keyExpireAt;
  k.createdAt = now;
  out.key.secret = std::move(material.secret);
  store::accounts::insert(c, out.account);
  store::keys::insert(c, k);
  return out;
}

bool BillingService::setTier(const std::string& accountId, const std::string& tier) {
  if (tier.empty() || tier.size() > 64) throw std::invalid_argument("a tier is 1 to 64 characters");
  return writer_.run([&](Connection& c) { return store::accounts::setTier(c, accountId, tier); });
}

CreatedAccount BillingService::createAccount(const std::string& name, int64_t credit, const std::string& creditReason) {
  if (credit < 0) throw std::invalid_argument("credit must not be negative");
  return writer_.run([&](Connection& c) {
    int64_t now = nowMs();
    auto out = createAccountIn(c, name, knownScopes(), std::nullopt, now);
    if (credit > 0) out.balance = creditIn(c, out.account.id, credit, "credit", creditReason, std::nullopt, now).balance;
    return out;
  });
}

CreditOutcome BillingService::creditIn(Connection& c, const std::string& accountId, int64_t amount, const std::string& kind,
                                       const std::string& description, const std::optional<std::string>& idempotencyKey,
                                       int64_t now) {
  CreditOutcome out;
  if (idempotencyKey) {
    if (auto existing = store::ledger::findByIdempotencyKey(c, *idempotencyKey)) {
      out.ledgerId = existing->id;
      out.balance = store::accounts::wallet(c, existing->accountId).value_or(store::Wallet{}).balance;
      return out;
    }
  }
  if (!store::accounts::find(c, accountId)) throw std::invalid_argument("no account " + accountId);
  auto balance = store::accounts::adjust(c, accountId, amount, now);
  if (!balance) throw std::invalid_argument("the balance cannot go below what is held or zero");
  store::LedgerEntry e;
  e.accountId = accountId;
  e.amount = amount;
  e.balanceAfter = *balance;
  e.kind = kind;
  e.idempotencyKey = idempotencyKey;
  e.description = description;
  e.createdAt = now;
  out.applied = true;
  out.balance = *balance;
  out.ledgerId = store::ledger::append(c, e);
  return out;
}

CreditOutcome BillingService::credit(const std::string& accountId, int64_t amount, const std::string& kind,
                                     const std::string& description, const std::optional<std::string>& idempotencyKey) {
  if (amount == 0) throw std::invalid_argument("amount must not be 0");
  auto apply = [&](Connection& c) { return creditIn(c, accountId, amount, kind, description, idempotencyKey, nowMs()); };
  try {
    return writer_.run(apply);
  } catch (const store::StoreError&) {
    // Another process may have applied the same external id between our check and insert;
    // the unique index refused the second row. Report what is there now.
    if (!idempotencyKey) throw;
    return writer_.run(apply);
  }
}

void BillingService::admitL402(std::string paymentHash, int64_t paidMsat, std::optional<int64_t> expiresAtMs,
                               bool singleUse, int64_t amount,
                               std::function<void(L402Admission, std::exception_ptr)> done) {
  auto result = std::make_shared<L402Admission>();
  writer_.submit(store::Writer::Job{
      [this, paymentHash = std::move(paymentHash), paidMsat, expiresAtMs, singleUse, amount, result](Connection& c) {
        int64_t now = nowMs();
        L402Admission& a = *result = L402Admission{};  // a job may run twice (store/writer.hpp)
        auto credential = store::l402::find(c, paymentHash);
        if (!credential) {
          // The credential's own account, holding what its invoice paid.
          store::Account account{newId("acct"), "l402 " + paymentHash.substr(0, 16), "standard", now};
          store::accounts::insert(c, account);
          creditIn(c, account.id, paidMsat, "l402", "L402 payment", "l402:" + paymentHash, now);
          credential = store::L402Credential{paymentHash, account.id, paidMsat, expiresAtMs, std::nullopt, std::nullopt};
          store::l402::insert(c, *credential, now);
        }
        a.accountId = credential->accountId;
        if (singleUse && credential->consumedAt) {
          a.refusal = L402Admission::Refusal::CredentialUsed;
          return;
        }
        if (singleUse && credential->claimedBy) {
          a.refusal = L402Admission::Refusal::CredentialInUse;
          return;
        }
        if (amount > 0 && !store::accounts::reserve(c, a.accountId, amount, now)) {
          a.refusal = L402Admission::Refusal::InsufficientBalance;
          a.available = store::accounts::wallet(c, a.accountId).value_or(store::Wallet{}).available();
          return;
        }
        if (singleUse && !store::l402::claim(c, paymentHash, holder_)) {
          if (amount > 0) store::accounts::settle(c, a.accountId, amount, 0, now);
          a.refusal = L402Admission::Refusal::CredentialInUse;
          return;
        }
        a.claimed = singleUse;
        if (amount > 0) {
          a.held = amount;
          a.reservationId = store::reservations::insert(c, a.accountId, std::nullopt, amount, 0, holder_, now);
        }
      },
      [result, done = std::move(done)](std::exception_ptr error) { done(std::move(*result), error); }});
}

std::optional<store::Account> BillingService::account(const std::string& id) {
  return readers_.with([&](Connection& c) { return store::accounts::find(c, id); });
}

std::optional<store::Wallet> BillingService::wallet(const std::string& accountId) {
  return readers_.with([&](Connection& c) { return store::accounts::wallet(c, accountId); });
}

std::vector<store::ApiKeyRecord> BillingService::listKeys(const std::string& accountId) {
  return readers_.with([&](Connection& c) { return store::keys::listByAccount(c, accountId); });
}

std::optional<store::ApiKeyRecord> BillingService::key(const std::string& accountId, const std::string& keyId) {
  return readers_.with([&](Connection& c) { return store::keys::find(c, accountId, keyId); });
}

std::optional<store::ApiKeyRecord> BillingService::keyById(const std::string& keyId) {
  return readers_.with([&](Connection& c) { return store::keys::findById(c, keyId); });
}

bool BillingService::revokeKey(const std::string& keyId) {
  return writer_.run([&](Connection& c) { return store::keys::revoke(c, keyId, nowMs()); });
}

std::vector<store::LedgerEntry> BillingService::ledgerPage(const std::string& accountId, std::optional<int64_t> beforeId,
                                                           int limit) {
  return readers_.with([&](Connection& c) { return store::ledger::page(c, accountId, beforeId, limit); });
}

store::usage::HistoryPage BillingService::usageHistory(const store::usage::HistoryQuery& query) {
  return readers_.with([&](Connection& c) { return store::usage::history(c, query); });
}

int64_t BillingService::ledgerSum(const std::string& accountId) {
  return readers_.with([&](Connection& c) { return store::ledger::sum(c, accountId); });
}

int64_t BillingService::reservationsHeld() {
  return readers_.with([&](Connection& c) { return store::reservations::countHeld(c); });
}

}  // namespace turnpike::billing
