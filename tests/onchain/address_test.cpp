// One receive address per top-up: BIP84 derivation from the account key, the BIP21 URI, atomic
// claims under concurrency, the gap limit and the reuse of addresses that stayed unused.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "onchain/address.hpp"
#include "onchain_harness.hpp"

namespace turnpike::onchain_test {
namespace {

using payments::Network;

std::string addressOf(const HookReply& r) { return r.body.at("external_ref").get<std::string>(); }

// The BIP84 vector's receive address `index` (0 or 1) re-encoded for another network.
std::string vectorAddressOn(Network network, const std::string& mainnetAddress) {
  auto parsed = payments::onchain::parseAddress(mainnetAddress, Network::Mainnet);
  return *payments::onchain::encodeSegwitAddress(network, 0, parsed->program);
}

TEST(OnchainAddresses, Bip84ReceiveAddressesFromTheZpub) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora));
  auto first = plugin.topupCreate(topupRequest("top_a", 20'000'000));
  auto second = plugin.topupCreate(topupRequest("top_b", 20'000'000));
  ASSERT_TRUE(first.ok && second.ok) << first.error << second.error;
  EXPECT_EQ(addressOf(first), kBip84Receive0);
  EXPECT_EQ(first.body["details"]["address"], kBip84Receive0);
  EXPECT_EQ(first.body["details"]["derivation_index"], 0);
  EXPECT_EQ(addressOf(second), kBip84Receive1);
  EXPECT_EQ(second.body["details"]["derivation_index"], 1);
  EXPECT_EQ(host.stateGet("next_index"), "2");
  // Each address was checked unused before it was handed out.
  EXPECT_EQ(esplora.requestCount("/address/" + kBip84Receive0 + "/txs"), 1u);
}

TEST(OnchainAddresses, OtherVersionsOfTheSameKeyGiveTheSameAccount) {
  FakeEsplora mainnet;
  TestHost a;
  EXPECT_EQ(addressOf(OnchainPlugin(a, onchainConfig(mainnet, {{"xpub", kBip84Xpub}})).topupCreate(topupRequest("t", 20'000'000))),
            kBip84Receive0);
  for (auto [key, network, name] : {std::tuple{kBip84Vpub, Network::Testnet, "testnet"},
                                    std::tuple{kBip84Tpub, Network::Signet, "signet"},
                                    std::tuple{kBip84Vpub, Network::Regtest, "regtest"}}) {
    FakeEsplora esplora(network);
    TestHost host;
    OnchainPlugin plugin(host, onchainConfig(esplora, {{"xpub", key}, {"network", name}}));
    auto r0 = plugin.topupCreate(topupRequest("t0", 20'000'000));
    auto r1 = plugin.topupCreate(topupRequest("t1", 20'000'000));
    EXPECT_EQ(addressOf(r0), vectorAddressOn(network, kBip84Receive0)) << name;
    EXPECT_EQ(addressOf(r1), vectorAddressOn(network, kBip84Receive1)) << name;
    EXPECT_EQ(r0.body["details"]["network"], name);
  }
  EXPECT_EQ(vectorAddressOn(Network::Regtest, kBip84Receive0).substr(0, 7), "bcrt1qc");
}

TEST(OnchainAddresses, DetailsCarryTheBip21Uri) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"confirmations", 2}, {"expiry_seconds", 600}}));
  int64_t before = epochMs();
  // 123456.789 sats: the URI asks for whole sats, rounded up.
  auto r = plugin.topupCreate(topupRequest("top_42", 123'456'789));
  ASSERT_TRUE(r.ok) << r.error;
  const json& d = r.body["details"];
  EXPECT_EQ(d["amount_sats"], 123'457);
  EXPECT_EQ(d["bip21"], "bitcoin:" + kBip84Receive0 + "?amount=0.00123457&label=Turnpike%20top-up%20top_42");
  EXPECT_EQ(d["confirmations"], 2);
  // expiry_seconds is shorter than the hour the core asked for.
  EXPECT_GE(r.body["expires_at"].get<int64_t>(), before + 600'000);
  EXPECT_LE(r.body["expires_at"].get<int64_t>(), epochMs() + 600'000);

  // A Lightning invoice for the same top-up makes a unified URI; a custom label is used.
  OnchainPlugin labelled(host, onchainConfig(esplora, {{"label", "Acme credits"}}));
  json request = topupRequest("top_43", 100'000'000, 60'000);
  request["lightning"] = "lnbc1m1pexample";
  auto u = labelled.topupCreate(request);
  ASSERT_TRUE(u.ok) << u.error;
  EXPECT_EQ(u.body["details"]["bip21"],
            "bitcoin:" + addressOf(u) + "?amount=0.001&label=Acme%20credits&lightning=lnbc1m1pexample");
  EXPECT_LE(u.body["expires_at"].get<int64_t>(), epochMs() + 60'000);
}

TEST(OnchainAddresses, RefusesTopupsOutsideItsLimits) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora));
  auto small = plugin.topupCreate(topupRequest("t1", 9'999'000));
  EXPECT_FALSE(small.ok);
  EXPECT_EQ(small.error, "topup: amount_msat must be between 10000000 and 100000000000");
  auto past = plugin.topupCreate(topupRequest("t2", 20'000'000, -1000));
  EXPECT_FALSE(past.ok);
  EXPECT_EQ(past.error, "topup: expires_at is not in the future");
  EXPECT_FALSE(plugin.topupCreate(json{{"amount_msat", 20'000'000}}).ok);
  // Nothing was claimed.
  EXPECT_FALSE(host.stateGet("next_index").has_value());
}

TEST(OnchainAddresses, ConcurrentTopupsNeverShareAnAddress) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"gap_limit", 100}}));
  constexpr int kThreads = 8, kEach = 4;
  std::mutex mutex;
  std::set<std::string> addresses;
  std::set<int> indexes;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = plugin.topupCreate(topupRequest("t" + std::to_string(t) + "_" + std::to_string(i), 20'000'000));
        std::lock_guard lock(mutex);
        ASSERT_TRUE(r.ok) << r.error;
        addresses.insert(addressOf(r));
        indexes.insert(r.body["details"]["derivation_index"].get<int>());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(addresses.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(indexes.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*indexes.rbegin(), kThreads * kEach - 1);
}

TEST(OnchainAddresses, TheGapLimitRefusesThenUnusedAddressesAreReused) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"gap_limit", 2}, {"watch_after_expiry_seconds", 0}}));
  auto a = plugin.topupCreate(topupRequest("a", 20'000'000, 300));  // index 0, expires soon
  auto b = plugin.topupCreate(topupRequest("b", 20'000'000));       // index 1
  ASSERT_TRUE(a.ok && b.ok);
  // Two unused addresses in a row: a third would be past the wallet's gap limit.
  auto refused = plugin.topupCreate(topupRequest("c", 20'000'000));
  ASSERT_TRUE(refused.ok) << refused.error;
  EXPECT_EQ(refused.body["error"]["status"], 503);
  EXPECT_EQ(refused.body["error"]["code"], "payment_method_exhausted");
  EXPECT_NE(refused.body["error"]["message"].get<std::string>().find("gap limit (2)"), std::string::npos);

  // A payment to index 1 makes it used: two more fresh indexes fit.
  esplora.pay(addressOf(b), 20'000);
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.stateGet("used_high") == "1"; }));
  auto c = plugin.topupCreate(topupRequest("c", 20'000'000));
  ASSERT_TRUE(c.ok && !c.body.contains("error"));
  EXPECT_EQ(c.body["details"]["derivation_index"], 2);

  // Index 0 expired with nothing received: once its watch ends it is reusable.
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.stateGet("free:0000000000").has_value(); }));
  auto d = plugin.topupCreate(topupRequest("d", 20'000'000));
  EXPECT_EQ(d.body["details"]["derivation_index"], 3);  // fresh first, while the gap allows
  auto e = plugin.topupCreate(topupRequest("e", 20'000'000));
  ASSERT_TRUE(e.ok && !e.body.contains("error")) << e.body.dump();
  EXPECT_EQ(e.body["details"]["derivation_index"], 0);
  EXPECT_EQ(addressOf(e), addressOf(a));
  EXPECT_EQ(json::parse(*host.stateGet("watch:" + addressOf(a)))["topup_id"], "e");
  EXPECT_EQ(plugin.topupCreate(topupRequest("f", 20'000'000)).body["error"]["status"], 503);
}

TEST(OnchainAddresses, AReleasedAddressThatGotAPaymentIsNotReused) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"gap_limit", 1}, {"watch_after_expiry_seconds", 0}}));
  auto a = plugin.topupCreate(topupRequest("a", 20'000'000, 200));
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.stateGet("free:0000000000").has_value(); }));
  // Paid after its watch ended: it belongs to nobody's top-up and must not credit the next one.
  esplora.pay(addressOf(a), 20'000);
  auto b = plugin.topupCreate(topupRequest("b", 20'000'000));
  EXPECT_EQ(b.body["details"]["derivation_index"], 1);  // index 0 is used now, so the gap moved
  EXPECT_TRUE(host.logged("address index 0 already has transactions"));
  EXPECT_EQ(json::parse(*host.stateGet("idx:0000000000"))["state"], "used");
}

TEST(OnchainAddresses, AnAddressWithAHistoryIsSkipped) {
  FakeEsplora esplora;
  // The key is also used by a wallet that already received at /0/0.
  esplora.pay(kBip84Receive0, 5'000);
  esplora.mine();
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora));
  auto r = plugin.topupCreate(topupRequest("t", 20'000'000));
  EXPECT_EQ(addressOf(r), kBip84Receive1);
  ASSERT_TRUE(tickUntil(plugin, [&] { return esplora.requestCount("/address/" + kBip84Receive1) >= 2; }));
  EXPECT_TRUE(host.reports().empty());  // the old payment to /0/0 is nobody's top-up
}

TEST(OnchainAddresses, AnExplorerThatIsDownRefusesWith503) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora));
  esplora.failStatus = 503;
  auto r = plugin.topupCreate(topupRequest("t", 20'000'000));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body["error"]["status"], 503);
  EXPECT_EQ(r.body["error"]["code"], "payment_backend_unavailable");
  EXPECT_TRUE(host.logged("answered 503"));
  EXPECT_TRUE(host.stateKeys("watch:").empty());
  esplora.failStatus = 0;
  auto again = plugin.topupCreate(topupRequest("t", 20'000'000));
  ASSERT_TRUE(again.ok && again.body.contains("external_ref")) << again.body.dump();
  EXPECT_EQ(host.stateKeys("watch:").size(), 1u);
}

}  // namespace
}  // namespace turnpike::onchain_test
