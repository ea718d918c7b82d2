#include "store/migrations.hpp"

#include <chrono>

#include "store/store_error.hpp"

namespace turnpike::store {

using namespace Poco::Data::Keywords;

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations{
      {1,
       "accounts, wallets, keys, ledger, reservations, usage",
       {
           // All times are unix milliseconds; all amounts integers in billing.unit.
           R"(CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL DEFAULT '',
                tier TEXT NOT NULL DEFAULT 'standard',
                created_at INTEGER NOT NULL))",
           // available = balance - reserved; both can only be changed with a ledger row
           // (balance) or a reservation row (reserved) in the same transaction.
           R"(CREATE TABLE wallets (
                account_id TEXT PRIMARY KEY REFERENCES accounts(id),
                balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
                reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
                updated_at INTEGER NOT NULL,
                CHECK (reserved <= balance)))",
           R"(CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                name TEXT NOT NULL DEFAULT '',
                prefix TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE,
                scopes TEXT NOT NULL,
                usage_limit INTEGER CHECK (usage_limit IS NULL OR usage_limit >= 0),
                reset_period TEXT NOT NULL DEFAULT 'none'
                  CHECK (reset_period IN ('none', 'daily', 'weekly', 'monthly')),
                period_start INTEGER NOT NULL,
                period_spent INTEGER NOT NULL DEFAULT 0 CHECK (period_spent >= 0),
                reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
                expire_at INTEGER,
                revoked_at INTEGER,
                created_at INTEGER NOT NULL,
                last_used_at INTEGER))",
           "CREATE INDEX api_keys_by_account ON api_keys(account_id)",
           R"(CREATE TABLE ledger (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                amount INTEGER NOT NULL,
                balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
                kind TEXT NOT NULL,
                idempotency_key TEXT,
                reference TEXT,
                description TEXT NOT NULL DEFAULT '',
                created_at INTEGER NOT NULL))",
           "CREATE INDEX ledger_by_account ON ledger(account_id, id)",
           // External credits are applied once per external id.
           "CREATE UNIQUE INDEX ledger_idempotency ON ledger(idempotency_key) WHERE idempotency_key IS NOT NULL",
           "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END",
           "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END",
           // Money held for requests in flight: `amount` on the wallet, `key_amount` against the
           // key's usage_limit (0 for keys without one); `holder` names the gateway process.
           R"(CREATE TABLE reservations (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                key_id TEXT,
                amount INTEGER NOT NULL CHECK (amount > 0),
                key_amount INTEGER NOT NULL DEFAULT 0 CHECK (key_amount >= 0),
                holder TEXT NOT NULL,
                created_at INTEGER NOT NULL))",
           "CREATE INDEX reservations_by_holder ON reservations(holder)",
           R"(CREATE TABLE usage (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                request_id TEXT NOT NULL,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                key_id TEXT,
                model TEXT NOT NULL,
                provider TEXT NOT NULL,
                prompt_tokens INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                cached_tokens INTEGER NOT NULL,
                cost INTEGER NOT NULL,
                status INTEGER NOT NULL,
                stream INTEGER NOT NULL,
                duration_ms INTEGER NOT NULL,
                created_at INTEGER NOT NULL))",
           "CREATE INDEX usage_by_account ON usage(account_id, created_at)",
           "CREATE INDEX usage_by_key ON usage(key_id, created_at)",
       }},
      {2,
       "payment plugin state, top-ups and their payments, L402 credentials",
       {
           // Each payment plugin instance's durable key-value state.
           R"(CREATE TABLE plugin_state (
                plugin TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (plugin, key)))",
           // A request to add money through a payment method. account_id is NULL for anonymous
           // top-ups until their spend token is claimed; amounts are msat.
           R"(CREATE TABLE topups (
                id TEXT PRIMARY KEY,
                method TEXT NOT NULL,
                account_id TEXT REFERENCES accounts(id),
                key_id TEXT,
                amount INTEGER NOT NULL CHECK (amount > 0),
                currency TEXT NOT NULL,
                currency_amount TEXT NOT NULL,
                rate TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL,
                paid INTEGER NOT NULL DEFAULT 0,
                credited INTEGER NOT NULL DEFAULT 0,
                external_ref TEXT,
                details TEXT NOT NULL DEFAULT '{}',
                token_duration_ms INTEGER,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL))",
           "CREATE INDEX topups_by_account ON topups(account_id)",
           // Each external payment (invoice, transaction output, checkout session) applied once.
           R"(CREATE TABLE topup_payments (
                external_id TEXT PRIMARY KEY,
                topup_id TEXT NOT NULL REFERENCES topups(id),
                amount INTEGER NOT NULL CHECK (amount >= 0),
                created_at INTEGER NOT NULL))",
           // Paid L402 credentials: the internal account their payment credited, and, for
           // single-use credentials, when they were spent.
           R"(CREATE TABLE l402_credentials (
                payment_hash TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                amount INTEGER NOT NULL,
                expires_at INTEGER,
                consumed_at INTEGER,
                created_at INTEGER NOT NULL))",
       }},
      // Measured on the paid path (BM_AdmitSettle): every AUTOINCREMENT insert also rewrites
      // sqlite_sequence, and the holder index is one more page per reservation written and
      // deleted; together a fifth to a third of the store's time per request. Ledger and usage
      // rows are never deleted, so plain rowids grow as AUTOINCREMENT ones did; a reservation id
      // may be reused once its row is gone, which nothing depends on. Releasing stale
      // reservations at start scans the (small) table instead of the index.
      {3,
       "ledger, usage and reservations without AUTOINCREMENT; no reservations_by_holder",
       {
           R"(CREATE TABLE ledger_v3 (
                id INTEGER PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                amount INTEGER NOT NULL,
                balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
                kind TEXT NOT NULL,
                idempotency_key TEXT,
                reference TEXT,
                description TEXT NOT NULL DEFAULT '',
                created_at INTEGER NOT NULL))",
           "INSERT INTO ledger_v3 SELECT id, account_id, amount, balance_after, kind, idempotency_key, reference, "
           "description, created_at FROM ledger",
           "DROP TABLE ledger",
           "ALTER TABLE ledger_v3 RENAME TO ledger",
           "CREATE INDEX ledger_by_account ON ledger(account_id, id)",
           "CREATE UNIQUE INDEX ledger_idempotency ON ledger(idempotency_key) WHERE idempotency_key IS NOT NULL",
           "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END",
           "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END",
           R"(CREATE TABLE usage_v3 (
                id INTEGER PRIMARY KEY,
                request_id TEXT NOT NULL,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                key_id TEXT,
                model TEXT NOT NULL,
                provider TEXT NOT NULL,
                prompt_tokens INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                cached_tokens INTEGER NOT NULL,
                cost INTEGER NOT NULL,
                status INTEGER NOT NULL,
                stream INTEGER NOT NULL,
                duration_ms INTEGER NOT NULL,
                created_at INTEGER NOT NULL))",
           "INSERT INTO usage_v3 SELECT id, request_id, account_id, key_id, model, provider, prompt_tokens, "
           "completion_tokens, cached_tokens, cost, status, stream, duration_ms, created_at FROM usage",
           "DROP TABLE usage",
           "ALTER TABLE usage_v3 RENAME TO usage",
           "CREATE INDEX usage_by_account ON usage(account_id, created_at)",
           "CREATE INDEX usage_by_key ON usage(key_id, created_at)",
           R"(CREATE TABLE reservations_v3 (
                id INTEGER PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                key_id TEXT,
                amount INTEGER NOT NULL CHECK (amount > 0),
                key_amount INTEGER NOT NULL DEFAULT 0 CHECK (key_amount >= 0),
                holder TEXT NOT NULL,
                created_at INTEGER NOT NULL))",
           "INSERT INTO reservations_v3 SELECT id, account_id, key_id, amount, key_amount, holder, created_at "
           "FROM reservations",
           "DROP TABLE reservations",
           "ALTER TABLE reservations_v3 RENAME TO reservations",
       }},
      {4,
       "usage: what the wallet could not cover, and whether the tokens were counted by the gateway",
       {
           "ALTER TABLE usage ADD COLUMN shortfall INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE usage ADD COLUMN estimated INTEGER NOT NULL DEFAULT 0",
       }},
      // The top-up id is a public reference (BIP21 labels, Stripe metadata and URLs, logs); the
      // spend token of an anonymous top-up is claimed with a separate secret that only its
      // creator was shown, stored as its SHA-256. Rows from before have none: their id stays
      // their claim, as it was when they were created.
      {5,
       "top-up claim secrets, stored hashed",
       {
           "ALTER TABLE topups ADD COLUMN claim_hash TEXT",
           "CREATE UNIQUE INDEX topups_by_claim ON topups(claim_hash) WHERE claim_hash IS NOT NULL",
       }},
      // A single-use L402 credential is claimed by the gateway process serving it (claimed_by,
      // its holder name) from admission to settlement, and spent (consumed_at) only when the
      // request was served; a failed request gives it back.
      {6,
       "single-use L402 credentials claimed while in flight",
       {
           "ALTER TABLE l402_credentials ADD COLUMN claimed_by TEXT",
       }},
      // Responses kept for `store: true` (/v1/responses): the Response object and the canonical
      // conversation that led to it, so a previous_response_id is one lookup. Only the owning
      // account reads a row; rows past expires_at are absent and swept in bounded batches.
      {7,
       "stored responses",
       {
           R"(CREATE TABLE stored_responses (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                response TEXT NOT NULL,
                conversation TEXT NOT NULL))",
           "CREATE INDEX stored_responses_by_expiry ON stored_responses(expires_at)",
       }},
  };
  return kMigrations;
}

int schemaVersion(Connection& connection) {
  auto& s = connection.session();
  s << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
      now;
  int version = 0;
  s << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", into(version), now;
  return version;
}

std::vector<int> applyMigrations(Connection& connection) {
  int current = schemaVersion(connection);
  const auto& all = migrations();
  if (!all.empty() && current > all.back().version)
    throw StoreError("the database is at schema version " + std::to_string(current) + ", newer than this turnpike (" +
                     std::to_string(all.back().version) + ")");
  std::vector<int> applied;
  for (const auto& m : all) {
    if (m.version <= current) continue;
    transact(connection, [&](Connection& c) {
      for (const char* sql : m.statements) c.session() << sql, now;
      auto at = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      int version = m.version;
      std::string name = m.name;
      c.session() << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", use(version), use(name),
          use(at), now;
    });
    applied.push_back(m.version);
  }
  return applied;
}

}  // namespace turnpike::store
