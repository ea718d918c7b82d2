// The Esplora watcher: what it credits, when, and what it refuses to credit (too few
// confirmations, a reorg, a replaced transaction, an explorer that fails).
#include <gtest/gtest.h>

#include <Poco/Net/ServerSocket.h>

#include <thread>

#include "onchain_harness.hpp"

namespace turnpike::onchain_test {
namespace {

std::string addressOf(const HookReply& r) { return r.body.at("external_ref").get<std::string>(); }

// Settled reports for `externalId`.
size_t settledFor(const TestHost& host, const std::string& externalId) {
  size_t n = 0;
  for (const auto& r : host.settledReports()) n += r["external_id"] == externalId;
  return n;
}

// Ticks for `ms` (so that several looks happen), then says whether any report is settled.
bool settledAfterTicking(OnchainPlugin& plugin, TestHost& host, int ms = 300) {
  tickUntil(plugin, [] { return false; }, ms);
  return !host.settledReports().empty();
}

TEST(OnchainWatcher, CreditsEachOutputOnceItHasTheConfirmations) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"confirmations", 3}}));
  auto topup = plugin.topupCreate(topupRequest("top_1", 50'000'000));
  std::string txid = esplora.pay(addressOf(topup), 50'000);
  std::string output = txid + ":1";  // vout 0 is the payer's change

  // Seen in the mempool: reported once as not settled (the top-up shows processing).
  ASSERT_TRUE(tickUntil(plugin, [&] { return !host.reports().empty(); }));
  auto first = host.reports()[0];
  EXPECT_EQ(first["topup_id"], "top_1");
  EXPECT_EQ(first["external_id"], output);
  EXPECT_EQ(first["settled"], false);

  esplora.mine(2);  // 2 confirmations
  EXPECT_FALSE(settledAfterTicking(plugin, host));
  EXPECT_EQ(host.reports().size(), 1u);  // "not settled" is said once

  esplora.mine();  // 3 confirmations
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 1; }));
  auto settled = host.settledReports();
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0]["external_id"], output);
  EXPECT_EQ(settled[0]["amount_msat"], 50'000'000);
  EXPECT_EQ(settled[0]["topup_id"], "top_1");
  // The best chain was asked about the confirming block before crediting.
  EXPECT_GE(esplora.requestCount("/block-height/" + std::to_string(esplora.tip() - 2)), 1u);
  EXPECT_TRUE(host.logged("info: top-up top_1 (address index 0): credited 50000 sats"));

  // Credited outputs are never reported again.
  tickUntil(plugin, [] { return false; }, 300);
  EXPECT_EQ(host.settledReports().size(), 1u);
}

TEST(OnchainWatcher, UnconfirmedPaymentsAreNotCreditedUnlessConfigured) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora));  // confirmations: 1 by default
  auto topup = plugin.topupCreate(topupRequest("t", 20'000'000));
  esplora.pay(addressOf(topup), 20'000);
  ASSERT_TRUE(tickUntil(plugin, [&] { return esplora.requestCount("/address/" + addressOf(topup)) >= 4; }));
  EXPECT_TRUE(host.settledReports().empty());
  EXPECT_EQ(host.reports().size(), 1u);
  esplora.mine();
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 1; }));

  // confirmations: 0 is the operator's explicit choice.
  FakeEsplora zeroConfEsplora;
  TestHost zeroHost;
  OnchainPlugin zeroConf(zeroHost, onchainConfig(zeroConfEsplora, {{"confirmations", 0}}));
  auto t = zeroConf.topupCreate(topupRequest("z", 20'000'000));
  zeroConfEsplora.pay(addressOf(t), 20'000);
  ASSERT_TRUE(tickUntil(zeroConf, [&] { return zeroHost.creditedCount() == 1; }));
  EXPECT_EQ(zeroConfEsplora.requestCount("/blocks/tip/height"), 0u);
}

TEST(OnchainWatcher, EveryOutputToTheAddressIsCredited) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora));
  auto topup = plugin.topupCreate(topupRequest("t", 60'000'000));
  std::string address = addressOf(topup);
  std::string both = esplora.pay({{address, 30'000}, {address, 20'000}});  // two outputs in one tx
  std::string later = esplora.pay(address, 10'000);                       // and a second tx
  esplora.mine();
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 3; }));
  EXPECT_EQ(settledFor(host, both + ":1"), 1u);
  EXPECT_EQ(settledFor(host, both + ":2"), 1u);
  EXPECT_EQ(settledFor(host, later + ":1"), 1u);
  uint64_t total = 0;
  for (const auto& r : host.settledReports()) total += r["amount_msat"].get<uint64_t>();
  EXPECT_EQ(total, 60'000'000u);
}

TEST(OnchainWatcher, LatePaymentsAfterExpiryAreCredited) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"watch_after_expiry_seconds", 60}}));
  auto topup = plugin.topupCreate(topupRequest("late", 20'000'000, 150));
  tickUntil(plugin, [] { return false; }, 300);  // past expiry, still watched
  EXPECT_EQ(host.stateKeys("due:").size(), 1u);
  esplora.pay(addressOf(topup), 20'000);
  esplora.mine();
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 1; }));
  EXPECT_EQ(host.settledReports()[0]["topup_id"], "late");
}

TEST(OnchainWatcher, TheWatchEndsAfterTheWindow) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"watch_after_expiry_seconds", 0}}));
  auto topup = plugin.topupCreate(topupRequest("gone", 20'000'000, 100));
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.stateKeys("due:").empty(); }));
  EXPECT_FALSE(json::parse(*host.stateGet("watch:" + addressOf(topup)))["open"].get<bool>());
  EXPECT_EQ(json::parse(*host.stateGet("idx:0000000000"))["state"], "free");
  size_t looks = esplora.requestCount("/address/");
  esplora.pay(addressOf(topup), 20'000);
  esplora.mine();
  tickUntil(plugin, [] { return false; }, 200);
  EXPECT_TRUE(host.reports().empty());
  EXPECT_EQ(esplora.requestCount("/address/"), looks);
  // A client asking about its top-up does not reopen it either.
  EXPECT_TRUE(plugin.topupCheck({{"topup_id", "gone"}, {"external_ref", addressOf(topup)}}).ok);
  EXPECT_EQ(esplora.requestCount("/address/"), looks);
}

TEST(OnchainWatcher, AnOutputWaitingForConfirmationsOutlivesTheWindow) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"watch_after_expiry_seconds", 0}}));
  auto topup = plugin.topupCreate(topupRequest("slow", 20'000'000, 200));
  esplora.pay(addressOf(topup), 20'000);  // broadcast in time, confirmed after the window
  ASSERT_TRUE(tickUntil(plugin, [&] { return !host.reports().empty(); }));
  tickUntil(plugin, [] { return false; }, 300);
  EXPECT_EQ(host.stateKeys("due:").size(), 1u);
  esplora.mine();
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 1; }));
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.stateKeys("due:").empty(); }));
  EXPECT_EQ(json::parse(*host.stateGet("idx:0000000000"))["state"], "used");
}

TEST(OnchainWatcher, AReorgBeforeTheConfirmationsIsNotCredited) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"confirmations", 2}}));
  auto topup = plugin.topupCreate(topupRequest("reorg", 20'000'000));
  std::string txid = esplora.pay(addressOf(topup), 20'000);
  esplora.mine();  // 1 confirmation, in block A at height h
  uint64_t h = esplora.tip();
  ASSERT_TRUE(tickUntil(plugin, [&] { return !host.reports().empty(); }));

  // Block A is replaced and a block is added; the explorer's address index still says "2
  // confirmations in block A". The best chain has another block at h: nothing is credited.
  esplora.reorg(h, 1);
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.logged("is no longer in the best chain"); }));
  EXPECT_GE(esplora.requestCount("/block-height/" + std::to_string(h)), 1u);
  EXPECT_FALSE(settledAfterTicking(plugin, host, 200));

  // The index catches up: the transaction is in the new chain's next block, 1 confirmation.
  esplora.include(txid, h + 1);
  EXPECT_FALSE(settledAfterTicking(plugin, host, 200));
  // The new chain confirms it.
  esplora.mine();
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 1; }));
  EXPECT_EQ(host.settledReports().size(), 1u);
  EXPECT_EQ(host.settledReports()[0]["external_id"], txid + ":1");
}

TEST(OnchainWatcher, AReplacedTransactionIsForgotten) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora));
  auto topup = plugin.topupCreate(topupRequest("rbf", 20'000'000));
  std::string first = esplora.pay(addressOf(topup), 20'000);
  ASSERT_TRUE(tickUntil(plugin, [&] { return !host.reports().empty(); }));
  // Replaced by fee (RBF) with a new txid: the first never confirms.
  esplora.drop(first);
  std::string replacement = esplora.pay(addressOf(topup), 20'000);
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.logged("left the mempool and the chain unconfirmed"); }));
  esplora.mine();
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 1; }));
  EXPECT_EQ(host.settledReports()[0]["external_id"], replacement + ":1");
  auto record = json::parse(*host.stateGet("watch:" + addressOf(topup)));
  EXPECT_FALSE(record["outputs"].contains(first + ":1"));
}

TEST(OnchainWatcher, AFailingExplorerEndsTheRoundAndNeverCredits) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"esplora_token", "tok-s3cret-123"},
                                                     {"poll_interval_ms", 100},
                                                     {"max_poll_interval_ms", 400}}));
  std::vector<std::string> addresses;
  for (int i = 0; i < 5; ++i) addresses.push_back(addressOf(plugin.topupCreate(topupRequest("t" + std::to_string(i), 20'000'000))));
  for (const auto& a : addresses) esplora.pay(a, 20'000);
  esplora.mine(3);
  esplora.failStatus = 503;
  std::this_thread::sleep_for(std::chrono::milliseconds(120));  // every address is due
  size_t before = esplora.requestCount();
  plugin.tick();
  // One request, not one per due address; then the explorer is left alone for a while.
  EXPECT_EQ(esplora.requestCount(), before + 1);
  plugin.tick();
  EXPECT_EQ(esplora.requestCount(), before + 1);
  EXPECT_TRUE(host.logged("esplora: GET /address/"));
  EXPECT_TRUE(host.logged("answered 503: explorer unavailable (retrying in 100 ms)"));
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.logged("(retrying in 200 ms)"); }));  // the delay grows
  EXPECT_TRUE(host.reports().empty());
  for (const auto& line : host.logs()) EXPECT_EQ(line.find("tok-s3cret-123"), std::string::npos) << line;
  // The token went to the explorer, in a header.
  EXPECT_EQ(esplora.requests().back().headers.at("authorization"), "Bearer tok-s3cret-123");

  esplora.failStatus = 0;
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 5; }, 8000));
}

TEST(OnchainWatcher, AReportTheHostCannotRecordIsMadeAgain) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora));
  auto topup = plugin.topupCreate(topupRequest("db", 20'000'000));
  std::string txid = esplora.pay(addressOf(topup), 20'000);
  esplora.mine();
  host.failReports = true;  // the gateway's database is unavailable
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.logged("recording a payment failed: payment report failed: database unavailable"); }));
  EXPECT_EQ(json::parse(*host.stateGet("watch:" + addressOf(topup)))["outputs"].size(), 0u);
  host.failReports = false;
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 1; }));
  EXPECT_EQ(host.settledReports()[0]["external_id"], txid + ":1");
}

TEST(OnchainWatcher, AnUnreachableExplorerIsRetriedWithoutCrashing) {
  uint16_t port = 0;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = probe.address().port();
  }
  FakeEsplora esplora;  // serves the top-up's claim; the watch then goes to the closed port
  TestHost host;
  {
    OnchainPlugin plugin(host, onchainConfig(esplora));
    plugin.topupCreate(topupRequest("t", 20'000'000));
  }
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"esplora_url", "http://127.0.0.1:" + std::to_string(port)}}));
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.logged("esplora: GET /address/" + kBip84Receive0 + "/txs failed"); }));
  EXPECT_TRUE(host.reports().empty());
  EXPECT_EQ(host.stateKeys("due:").size(), 1u);  // still watched
}

TEST(OnchainWatcher, ARestartResumesFromTheState) {
  FakeEsplora esplora;
  auto db = std::make_shared<HostDatabase>();
  std::string first, second;
  std::string txid;
  {
    TestHost host(db);
    OnchainPlugin plugin(host, onchainConfig(esplora, {{"confirmations", 2}}));
    first = addressOf(plugin.topupCreate(topupRequest("r1", 20'000'000)));
    second = addressOf(plugin.topupCreate(topupRequest("r2", 20'000'000)));
    txid = esplora.pay(first, 20'000);
    ASSERT_TRUE(tickUntil(plugin, [&] { return !host.reports().empty(); }));
  }
  esplora.mine(2);
  TestHost host(db);
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"confirmations", 2}}));
  // The next address follows the ones handed out before the restart.
  auto third = plugin.topupCreate(topupRequest("r3", 20'000'000));
  EXPECT_EQ(third.body["details"]["derivation_index"], 2);
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 1; }));
  // The output's "not settled" report was not repeated after the restart.
  size_t aboutIt = 0;
  for (const auto& r : host.reports()) aboutIt += r["external_id"] == txid + ":1";
  EXPECT_EQ(aboutIt, 2u);
  EXPECT_EQ(host.settledReports()[0]["topup_id"], "r1");
}

TEST(OnchainWatcher, ALongHistoryIsReadPageByPage) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora));
  auto topup = plugin.topupCreate(topupRequest("many", 30'000'000));
  for (int i = 0; i < 30; ++i) esplora.pay(addressOf(topup), 1'000);
  esplora.mine();
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 30; }));
  EXPECT_GE(esplora.requestCount("/address/" + addressOf(topup) + "/txs/chain/"), 1u);
}

TEST(OnchainWatcher, OutputsNamedOnlyByAddressAreMatchedByTheirScript) {
  FakeEsplora esplora;
  esplora.addressesOnly = true;  // bech32 ours, bech32m (taproot) the payer's change
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora));
  auto topup = plugin.topupCreate(topupRequest("addr", 20'000'000));
  std::string txid = esplora.pay(addressOf(topup), 20'000);
  esplora.mine();
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.creditedCount() == 1; }));
  EXPECT_EQ(host.settledReports()[0]["external_id"], txid + ":1");
  EXPECT_EQ(host.settledReports()[0]["amount_msat"], 20'000'000);
}

TEST(OnchainWatcher, ACheckLooksNowForItsOwnTopupOnly) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"poll_interval_ms", 100}, {"max_poll_interval_ms", 1000}}));
  auto topup = plugin.topupCreate(topupRequest("mine", 20'000'000));
  esplora.pay(addressOf(topup), 20'000);
  esplora.mine();
  size_t before = esplora.requestCount("/address/");
  EXPECT_TRUE(plugin.topupCheck({{"topup_id", "other"}, {"external_ref", addressOf(topup)}}).ok);
  EXPECT_EQ(esplora.requestCount("/address/"), before);
  EXPECT_TRUE(plugin.topupCheck({{"topup_id", "mine"}, {"external_ref", addressOf(topup)}}).ok);
  EXPECT_EQ(host.creditedCount(), 1u);  // without a tick
  // A client polling faster than poll_interval_ms does not hammer the explorer.
  size_t after = esplora.requestCount("/address/");
  EXPECT_TRUE(plugin.topupCheck({{"topup_id", "mine"}, {"external_ref", addressOf(topup)}}).ok);
  EXPECT_EQ(esplora.requestCount("/address/"), after);
  // An explorer failure reaches the caller.
  esplora.failStatus = 500;
  std::this_thread::sleep_for(std::chrono::milliseconds(110));
  auto failed = plugin.topupCheck({{"topup_id", "mine"}, {"external_ref", addressOf(topup)}});
  EXPECT_FALSE(failed.ok);
  EXPECT_NE(failed.error.find("answered 500"), std::string::npos);
}

}  // namespace
}  // namespace turnpike::onchain_test
