// SIGKILL of a loaded gateway: no settled charge may be lost, and no reservation may stay held
// once a gateway starts again on the same database.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "billing/billing_service.hpp"
#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
#include "gateway_process.hpp"
#include "store/accounts_repository.hpp"
#include "store/database.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

TEST(Crash, KillDuringLoadLosesNoSettledRowAndHoldsNothingAfterRestart) {
  std::string dbPath = temporaryDatabasePath();
  auto db = store::Database::open("sqlite://" + dbPath);
  config::BillingConfig billingConfig;
  std::string accountId, apiKey;
  {
    billing::BillingService billing(billingConfig, *db);
    auto created = billing.createAccount("load", 1'000'000'000, "test credit");
    accountId = created.account.id;
    apiKey = created.key.secret;
  }

  FakeUpstream up([](const RecordedRequest&, Poco::Net::HTTPServerResponse& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(15));  // keeps requests in flight
    FakeUpstream::sendJson(res, 200, chatCompletionJson("m", "ok", 10, 5));
  });
  GatewayProcess gateway(expand(R"(
server:
  listen: 127.0.0.1:0
storage:
  url: sqlite://{{db}}
plugins:
  dir: {{plugins}}
providers:
  - name: up
    plugin: openai_compat
    base_url: {{url}}
    models:
      - id: paid
        price: {input: 1000000, output: 1000000, request: 100}
        max_output_tokens: 100
)", "url", up.baseUrl()), GatewayProcess::Options{.databasePath = dbPath});
  uint16_t port = gateway.port();

  std::mutex mutex;
  std::set<std::string> served;  // request ids the client got a 200 for
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < 12; ++i) {
    clients.emplace_back([&, i] {
      while (!stop) {
        try {
          auto r = postJson(port, "/v1/chat/completions",
                            R"({"model":"paid","stream":)" + std::string(i % 2 ? "true" : "false") +
                                R"(,"messages":[{"role":"user","content":"hello"}]})",
                            {{"Authorization", "Bearer " + apiKey}});
          // A streamed 200 is only complete with its [DONE].
          bool complete = r.status == 200 && (i % 2 == 0 || r.body.find("data: [DONE]") != std::string::npos);
          if (complete) {
            std::lock_guard lock(mutex);
            served.insert(r.headers["x-request-id"]);
          }
        } catch (const std::exception&) {
          // The gateway died mid-request.
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ::kill(gateway.pid(), SIGKILL);
  EXPECT_EQ(gateway.stop(), 128 + SIGKILL);
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_GT(served.size(), 20u) << "too little load to say anything";

  // Before a restart the dead process's reservations are still on the books.
  auto c = db->connect();
  int64_t heldBefore = 0;
  c->session() << "SELECT COUNT(*) FROM reservations", Poco::Data::Keywords::into(heldBefore), Poco::Data::Keywords::now;
  EXPECT_GT(heldBefore, 0) << "nothing was in flight at the kill; the release path went untested";

  // A gateway starting on the database (it takes the serving lock) releases them.
  db->lockForServing();
  billing::BillingService restarted(billingConfig, *db);
  restarted.releaseStaleReservations();
  EXPECT_EQ(restarted.reservationsHeld(), 0) << "held before restart: " << heldBefore;
  auto wallet = store::accounts::wallet(*c, accountId);
  ASSERT_TRUE(wallet);
  EXPECT_EQ(wallet->reserved, 0);
  int64_t keyReserved = -1;
  c->session() << "SELECT COALESCE(SUM(reserved), 0) FROM api_keys", Poco::Data::Keywords::into(keyReserved),
      Poco::Data::Keywords::now;
  EXPECT_EQ(keyReserved, 0);
  // Every response the client received as a success has its charge in the ledger.
  for (const auto& id : served) {
    int64_t rows = 0;
    std::string ref = id;
    c->session() << "SELECT COUNT(*) FROM ledger WHERE reference = ? AND kind = 'usage' AND amount < 0",
        Poco::Data::Keywords::into(rows), Poco::Data::Keywords::use(ref), Poco::Data::Keywords::now;
    EXPECT_EQ(rows, 1) << "no ledger row for served request " << id;
  }
  EXPECT_EQ(restarted.ledgerSum(accountId), wallet->balance);
  EXPECT_LT(wallet->balance, 1'000'000'000);
  c.reset();
  removeDatabase(dbPath);
}

}  // namespace
}  // namespace turnpike::test
