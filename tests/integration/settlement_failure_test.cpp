// Settlement failures end cleanly: a store that turns read-only or full while requests are in
// flight ends a started stream in-band (an error event, then the end of the stream), answers a
// waiting response with 500 and bills nothing for it, and holds no reservation for longer than
// it takes the store to recover: failed settlements are retried while the gateway runs.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
#include "store/accounts_repository.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;
using Poco::Net::HTTPServerResponse;

std::string configFor(const FakeUpstream& up) {
  return openAiUpstreamYaml(up.baseUrl(), "{output: 4000000}", 100);
}

std::string chat(bool stream) {
  return std::string(R"({"model":"paid","stream":)") + (stream ? "true" : "false") +
         R"(,"messages":[{"role":"user","content":"hi"}]})";
}

Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

store::Wallet walletOf(GatewayFixture& gw, const std::string& accountId) { return *gw.billing().wallet(accountId); }

void waitUntilNothingHeld(GatewayFixture& gw) {
  for (int i = 0; i < 500 && gw.billing().reservationsHeld() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

// The upstream answers once `release` opens, so the store can break while requests are in flight.
struct HeldUpstream {
  std::atomic<int> arrived{0};
  Gate release;
  FakeUpstream up{[this](const RecordedRequest& r, HTTPServerResponse& res) {
    ++arrived;
    release.wait();
    if (json::parse(r.body).value("stream", false)) {
      FakeUpstream::sendStream(res, {chunkJson("m", std::string(40, 'a')), usageChunkJson("m", 0, 10), "[DONE]"});
    } else {
      FakeUpstream::sendJson(res, 200, chatCompletionJson("m", std::string(40, 'a'), 0, 10));
    }
  }};
  void waitFor(int n) {
    for (int i = 0; i < 1000 && arrived < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(arrived, n);
  }
};

// A billed stream and a billed non-stream request, both admitted and waiting on the upstream
// while `breakStore` runs; then both end. What each client saw.
struct InFlight {
  std::vector<std::string> streamEvents;
  HttpResult response;
};

InFlight breakWhileInFlight(GatewayFixture& gw, HeldUpstream& held, const std::string& key,
                            const std::function<void()>& breakStore) {
  InFlight seen;
  std::thread streamer([&] {
    SseClient s(gw.port(), "/v1/chat/completions", chat(true), bearer(key));
    seen.streamEvents = s.rest();  // returns only once the stream is terminated
  });
  std::thread waiter([&] { seen.response = postJson(gw.port(), "/v1/chat/completions", chat(false), bearer(key)); });
  held.waitFor(2);
  breakStore();
  held.release.open();
  streamer.join();
  waiter.join();
  return seen;
}

void expectCleanEnds(const InFlight& seen) {
  // The stream's 200 was out: the failure is reported in-band and the stream ends.
  ASSERT_FALSE(seen.streamEvents.empty());
  EXPECT_NE(seen.streamEvents.back().find("billing_failed"), std::string::npos) << seen.streamEvents.back();
  EXPECT_EQ(seen.response.status, 500) << seen.response.body;
  EXPECT_EQ(json::parse(seen.response.body)["error"]["code"], "billing_failed");
}

TEST(SettlementFailure, AFullStoreEndsRequestsCleanlyAndSettlesThemOnceThereIsRoom) {
  // A real full disk: the database on a small tmpfs of this test's own mount namespace, which
  // is gone with the process.
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    GTEST_SKIP() << "needs root to mount a small filesystem: " << std::strerror(errno);
  std::string dir = ::testing::TempDir() + "turnpike-full-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  ASSERT_EQ(::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=16m"), 0) << std::strerror(errno);
  HeldUpstream held;
  GatewayFixture gw(configFor(held.up), dir + "/turnpike.db");
  auto payer = gw.fundedAccount(100'000);

  std::string filler = dir + "/filler";
  auto seen = breakWhileInFlight(gw, held, payer.apiKey, [&] {
    std::ofstream out(filler, std::ios::binary);
    std::string block(1 << 16, '\0');
    while (out.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  });
  expectCleanEnds(seen);
  EXPECT_EQ(walletOf(gw, payer.accountId).reserved, 800) << "both reservations stay held while the store is full";
  EXPECT_EQ(gw.billing().pendingSettlements(), 2u);
  EXPECT_GE(postJson(gw.port(), "/v1/chat/completions", chat(false), bearer(payer.apiKey)).status, 500)
      << "a full store admits nothing more";

  std::filesystem::remove(filler);
  gw.billing().retrySettlements();
  waitUntilNothingHeld(gw);
  auto wallet = walletOf(gw, payer.accountId);
  EXPECT_EQ(wallet.reserved, 0);
  // The stream was delivered and is charged its 10 tokens, once; the refused response is free.
  EXPECT_EQ(wallet.balance, 100'000 - 40);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), wallet.balance);
  EXPECT_EQ(gw.billing().pendingSettlements(), 0u);
  gw.billing().retrySettlements();  // nothing left to retry: nothing changes
  EXPECT_EQ(walletOf(gw, payer.accountId).balance, 100'000 - 40);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat(false), bearer(payer.apiKey)).status, 200);
}

TEST(SettlementFailure, AReadOnlyStoreEndsRequestsCleanlyAndHoldsNothingAfterARestart) {
  std::string dbPath = temporaryDatabasePath();
  HeldUpstream held;
  std::string accountId, key;
  {
    GatewayFixture gw(configFor(held.up), dbPath);
    auto payer = gw.fundedAccount(100'000);
    accountId = payer.accountId;
    key = payer.apiKey;
    // SQLite's read-only switch, on the gateway's own writer connection.
    auto seen = breakWhileInFlight(gw, held, key, [&] {
      gw.billing().writer().run(
          [](store::Connection& c) { c.session() << "PRAGMA query_only = 1", Poco::Data::Keywords::now; });
    });
    expectCleanEnds(seen);
    EXPECT_EQ(walletOf(gw, accountId).reserved, 800);
    EXPECT_EQ(gw.billing().pendingSettlements(), 2u);
    EXPECT_TRUE(httpRequest(gw.port(), "GET", "/health").status == 200) << "the gateway keeps serving";
  }
  // The next gateway on the database gives back what the read-only one could not settle.
  GatewayFixture restarted(configFor(held.up), dbPath);
  auto wallet = walletOf(restarted, accountId);
  EXPECT_EQ(wallet.reserved, 0);
  EXPECT_EQ(wallet.balance, 100'000);
  EXPECT_EQ(restarted.billing().ledgerSum(accountId), 100'000);
  removeDatabase(dbPath);
}

}  // namespace
}  // namespace turnpike::test
