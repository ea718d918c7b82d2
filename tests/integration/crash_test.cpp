// SIGKILL of a loaded gateway: no settled charge may be lost, and no reservation may stay held
// once a gateway starts again on the same database.
#include <gtest/gtest.h>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "billing/billing_service.hpp"
#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
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
  std::string configPath = dbPath + ".yaml";
  std::ofstream(configPath) << expand(expand(expand(R"(
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
)", "db", dbPath), "plugins", pluginDir()), "url", up.baseUrl());

  Poco::Pipe errPipe;
  // From the repository root, where the default scripts/ are.
  auto handle = Poco::Process::launch(TURNPIKE_TEST_BINARY, {"serve", "--config", configPath}, sourcePath("."), nullptr,
                                      nullptr, &errPipe);
  Poco::PipeInputStream err(errPipe);
  std::string line;
  int port = 0;
  while (port == 0 && std::getline(err, line)) {
    std::smatch m;
    if (std::regex_search(line, m, std::regex("listening on [^ ]+:(\\d+)"))) port = std::stoi(m[1]);
  }
  ASSERT_GT(port, 0) << "gateway did not start";
  std::thread drain([&] {
    while (std::getline(err, line)) {
    }
  });

  std::mutex mutex;
  std::set<std::string> served;  // request ids the client got a 200 for
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < 12; ++i) {
    clients.emplace_back([&, i] {
      while (!stop) {
        try {
          auto r = postJson(static_cast<uint16_t>(port), "/v1/chat/completions",
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
  Poco::Process::kill(handle);  // SIGKILL
  handle.wait();
  stop = true;
  for (auto& t : clients) t.join();
  drain.join();
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
  std::filesystem::remove(configPath);
  removeDatabase(dbPath);
}

}  // namespace
}  // namespace turnpike::test
