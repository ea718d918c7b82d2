// Schema migrations on a real SQLite file: a database written by an older schema keeps every row.
#include <gtest/gtest.h>

#include <Poco/Data/Session.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/database.hpp"
#include "store/migrations.hpp"

namespace turnpike::store {
namespace {

using namespace Poco::Data::Keywords;

class Migrations : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("turnpike-migrations-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path() const { return (dir_ / "t.db").string(); }

  template <class T>
  T scalar(Connection& c, const std::string& sql) {
    T value{};
    c.session() << sql, into(value), now;
    return value;
  }

  std::filesystem::path dir_;
};

// Brings a fresh file to schema version `last`, as a gateway of that version left it.
void applyUpToVersion(Connection& c, int last) {
  c.session() << "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
      now;
  for (const auto& m : migrations()) {
    if (m.version > last) break;
    for (const char* sql : m.statements) c.session() << sql, now;
    int version = m.version;
    std::string name = m.name;
    c.session() << "INSERT INTO schema_migrations VALUES (?, ?, 0)", use(version), use(name), now;
  }
}

TEST_F(Migrations, Version3KeepsLedgerUsageAndReservationsAndDropsAutoincrement) {
  {
    Connection c(path());
    applyUpToVersion(c, 2);
    auto& s = c.session();
    s << "INSERT INTO accounts (id, name, created_at) VALUES ('acct_1', 'a', 1)", now;
    s << "INSERT INTO ledger (account_id, amount, balance_after, kind, idempotency_key, created_at) "
         "VALUES ('acct_1', 500, 500, 'credit', 'inv-1', 1), ('acct_1', -20, 480, 'usage', NULL, 2)",
        now;
    s << "INSERT INTO usage (request_id, account_id, model, provider, prompt_tokens, completion_tokens, "
         "cached_tokens, cost, status, stream, duration_ms, created_at) "
         "VALUES ('req-1', 'acct_1', 'm', 'p', 10, 5, 0, 20, 200, 0, 3, 2)",
        now;
    s << "INSERT INTO reservations (account_id, amount, holder, created_at) VALUES ('acct_1', 70, 'gw_old', 3)", now;
    ASSERT_GT(scalar<int>(c, "SELECT COUNT(*) FROM sqlite_sequence"), 0);
  }

  auto db = Database::open("sqlite://" + path());
  auto c = db->connect();
  EXPECT_EQ(scalar<int>(*c, "SELECT MAX(version) FROM schema_migrations"), migrations().back().version);
  EXPECT_EQ(scalar<int>(*c, "SELECT COUNT(*) FROM ledger"), 2);
  EXPECT_EQ(scalar<int64_t>(*c, "SELECT SUM(amount) FROM ledger WHERE account_id = 'acct_1'"), 480);
  EXPECT_EQ(scalar<int>(*c, "SELECT id FROM ledger WHERE idempotency_key = 'inv-1'"), 1);
  EXPECT_EQ(scalar<int64_t>(*c, "SELECT cost FROM usage WHERE request_id = 'req-1'"), 20);
  EXPECT_EQ(scalar<std::string>(*c, "SELECT holder FROM reservations"), "gw_old");
  // No table counts on sqlite_sequence any more, and the holder index is gone.
  EXPECT_EQ(scalar<int>(*c, "SELECT COUNT(*) FROM sqlite_master WHERE sql LIKE '%AUTOINCREMENT%'"), 0);
  EXPECT_EQ(scalar<int>(*c, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'reservations_by_holder'"), 0);
  // The ledger is still append-only, its idempotency key still unique, and ids keep growing.
  auto run = [&](const char* sql) { c->session() << sql, now; };
  EXPECT_ANY_THROW(run("UPDATE ledger SET amount = 0"));
  EXPECT_ANY_THROW(run("DELETE FROM ledger"));
  EXPECT_ANY_THROW(run("INSERT INTO ledger (account_id, amount, balance_after, kind, idempotency_key, created_at) "
                       "VALUES ('acct_1', 1, 481, 'credit', 'inv-1', 4)"));
  run("INSERT INTO ledger (account_id, amount, balance_after, kind, created_at) VALUES ('acct_1', 1, 481, 'credit', 4)");
  EXPECT_EQ(scalar<int>(*c, "SELECT MAX(id) FROM ledger"), 3);
}

TEST_F(Migrations, Version5KeepsTopupsAndGivesNewOnesAUniqueClaimHash) {
  {
    Connection c(path());
    applyUpToVersion(c, 4);
    c.session() << "INSERT INTO topups (id, method, amount, currency, currency_amount, status, paid, created_at, "
                   "expires_at, updated_at) VALUES ('top_old', 'lightning', 500000, 'SATS', '500', 'paid', 500000, 1, 2, 3)",
        now;
  }
  auto db = Database::open("sqlite://" + path());
  auto c = db->connect();
  EXPECT_EQ(scalar<int>(*c, "SELECT MAX(version) FROM schema_migrations"), migrations().back().version);
  // A top-up made before has no claim hash (its id stays its claim) and keeps its money.
  EXPECT_EQ(scalar<int>(*c, "SELECT COUNT(*) FROM topups WHERE id = 'top_old' AND claim_hash IS NULL AND paid = 500000"), 1);
  auto run = [&](const char* sql) { c->session() << sql, now; };
  run("INSERT INTO topups (id, method, amount, currency, currency_amount, status, created_at, expires_at, updated_at, "
      "claim_hash) VALUES ('top_1', 'lightning', 1000, 'SATS', '1', 'pending', 1, 2, 3, 'h1')");
  // One claim hash names one top-up.
  EXPECT_ANY_THROW(run("INSERT INTO topups (id, method, amount, currency, currency_amount, status, created_at, "
                       "expires_at, updated_at, claim_hash) VALUES ('top_2', 'lightning', 1000, 'SATS', '1', 'pending', "
                       "1, 2, 3, 'h1')"));
}

TEST_F(Migrations, Version6KeepsL402CredentialsSpentOrNotAndNoneClaimed) {
  {
    Connection c(path());
    applyUpToVersion(c, 5);
    auto& s = c.session();
    s << "INSERT INTO accounts (id, name, created_at) VALUES ('acct_l', 'l402', 1)", now;
    s << "INSERT INTO l402_credentials (payment_hash, account_id, amount, consumed_at, created_at) "
         "VALUES ('h_spent', 'acct_l', 5000, 7, 1), ('h_fresh', 'acct_l', 5000, NULL, 1)",
        now;
  }
  auto db = Database::open("sqlite://" + path());
  auto c = db->connect();
  EXPECT_EQ(scalar<int>(*c, "SELECT MAX(version) FROM schema_migrations"), migrations().back().version);
  EXPECT_EQ(scalar<int>(*c, "SELECT consumed_at FROM l402_credentials WHERE payment_hash = 'h_spent'"), 7);
  EXPECT_EQ(scalar<int>(*c, "SELECT COUNT(*) FROM l402_credentials WHERE consumed_at IS NULL AND claimed_by IS NULL"), 1);
}

}  // namespace
}  // namespace turnpike::store
