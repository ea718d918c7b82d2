// The dev backend end to end: top-up invoice, the loopback wallet route, the watcher's report,
// restarts over the same state and late payments.
#include <gtest/gtest.h>

#include <thread>

#include <turnpike/encoding.hpp>

#include "common/crypto.hpp"
#include "common/secp256k1.hpp"
#include "lightning/bolt11.hpp"
#include "plugin_harness.hpp"

namespace turnpike::lightning_test {
namespace {

namespace ln = turnpike::payments::lightning;
namespace encoding = turnpike::sdk::encoding;

json topupRequest(const std::string& id, uint64_t msat, int64_t expiresInMs = 3'600'000) {
  return json{{"topup_id", id},
              {"amount_msat", msat},
              {"currency", "SATS"},
              {"currency_amount", std::to_string(msat / 1000)},
              {"expires_at", epochMs() + expiresInMs},
              {"description", "Turnpike credit"}};
}

class DevFlow : public ::testing::Test {
 protected:
  TestHost host;
  std::unique_ptr<LightningPlugin> plugin = std::make_unique<LightningPlugin>(host, devConfig());

  json create(const std::string& id = "top_1", uint64_t msat = 250'000) {
    auto r = plugin->topupCreate(topupRequest(id, msat));
    EXPECT_TRUE(r.ok) << r.error;
    return r.body;
  }
};

TEST_F(DevFlow, DescribeAndRoutes) {
  json d = plugin->describe();
  EXPECT_EQ(d["currencies"], json::array({"SATS", "BTC", "USD"}));
  EXPECT_EQ(d["min_msat"], 100'000);
  EXPECT_EQ(d["max_msat"], 1'000'000'000);
  EXPECT_EQ(d["confirmation"], "instant");
  EXPECT_EQ(d["l402"], true);
  EXPECT_EQ(d["l402_reuse"], "single_use");
  EXPECT_EQ(d["backend"], "dev");
  EXPECT_EQ(plugin->routes(),
            json::parse(R"([{"method": "POST", "path": "/dev/lightning/pay", "loopback_only": true}])"));
}

TEST_F(DevFlow, TopupInvoiceIsARealSignedRegtestInvoice) {
  int64_t requested = epochMs() + 120'000;
  auto r = plugin->topupCreate(json{{"topup_id", "top_1"}, {"amount_msat", 250'500}, {"expires_at", requested},
                                    {"description", "credit for alice"}});
  ASSERT_TRUE(r.ok) << r.error;
  const json& d = r.body["details"];
  EXPECT_EQ(r.body["external_ref"], d["payment_hash"]);
  EXPECT_EQ(d["amount_msat"], 250'500);
  EXPECT_EQ(d["amount_sats"], 251);  // rounded up
  EXPECT_LE(r.body["expires_at"].get<int64_t>(), requested);
  EXPECT_GT(r.body["expires_at"].get<int64_t>(), epochMs() + 100'000);

  auto decoded = ln::decode(d["payment_request"].get<std::string>());
  ASSERT_TRUE(decoded) << decoded.error();
  const auto& inv = decoded->invoice;
  EXPECT_EQ(inv.network, payments::Network::Regtest);
  EXPECT_EQ(d["payment_request"].get<std::string>().rfind("lnbcrt", 0), 0u);
  EXPECT_EQ(inv.amountMsat, 250'500u);
  EXPECT_EQ(encoding::hexEncode(inv.paymentHash), d["payment_hash"]);
  EXPECT_EQ(inv.description, "credit for alice");
  EXPECT_EQ(inv.paymentSecret.size(), 32u);
  EXPECT_TRUE(inv.hasFeature(14));
  EXPECT_LE(inv.expirySeconds(), 120u);
  EXPECT_EQ(static_cast<int64_t>(inv.expiresAt()) * 1000, r.body["expires_at"].get<int64_t>());
  // Signed by the dev node's key, kept in the plugin state.
  auto key = encoding::hexDecode(*host.stateGet("dev:node_key"));
  EXPECT_EQ(decoded->payee, *payments::Secp256k1::shared().publicKey(*key));
}

TEST_F(DevFlow, TopupRequestsOutOfBoundsAreRefused) {
  EXPECT_NE(plugin->topupCreate(topupRequest("t", 99'999)).error.find("between 100000 and 1000000000"),
            std::string::npos);
  EXPECT_FALSE(plugin->topupCreate(topupRequest("t", 1'000'000'001)).ok);
  EXPECT_NE(plugin->topupCreate(json{{"amount_msat", 200'000}}).error.find("topup_id"), std::string::npos);
  EXPECT_NE(plugin->topupCreate(json{{"topup_id", "t"}, {"amount_msat", -5}}).error.find("amount_msat"),
            std::string::npos);
  EXPECT_NE(plugin->topupCreate(topupRequest("t", 200'000, -1000)).error.find("expires_at"), std::string::npos);
  EXPECT_FALSE(plugin->topupCreate(json::array()).ok);
  EXPECT_TRUE(host.stateKeys("inv:").empty());
}

TEST_F(DevFlow, PaidInvoiceIsReportedExactlyOnceWithTheSettledAmount) {
  json created = create("top_1", 250'000);
  std::string hash = created["external_ref"];
  plugin->tick();
  EXPECT_TRUE(host.reports().empty());

  json paid = plugin->devPay(created["details"]["payment_request"]);
  ASSERT_EQ(paid["status"], 200) << paid.dump();
  EXPECT_EQ(paid["body"]["payment_hash"], hash);
  EXPECT_EQ(paid["body"]["already_paid"], false);
  std::string preimage = paid["body"]["preimage"];
  EXPECT_EQ(encoding::hexEncode(payments::crypto::sha256(*encoding::hexDecode(preimage))), hash);

  ASSERT_TRUE(tickUntil(*plugin, [&] { return !host.reports().empty(); }));
  for (int i = 0; i < 5; ++i) plugin->tick();
  auto reports = host.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0], json({{"topup_id", "top_1"}, {"external_id", "ln:" + hash}, {"amount_msat", 250'000}}));

  // Paying again returns the same preimage and pays nothing more.
  json again = plugin->devPay(created["details"]["payment_request"]);
  EXPECT_EQ(again["status"], 200);
  EXPECT_EQ(again["body"]["preimage"], preimage);
  EXPECT_EQ(again["body"]["already_paid"], true);
  for (int i = 0; i < 5; ++i) plugin->tick();
  EXPECT_EQ(host.reports().size(), 1u);
  EXPECT_TRUE(host.stateKeys("due:").empty());
  EXPECT_EQ(json::parse(*host.stateGet("inv:" + hash))["status"], "settled");
  EXPECT_EQ(json::parse(*host.stateGet("settled:" + hash))["amount_msat"], 250'000);
}

TEST_F(DevFlow, TopupCheckReportsWithoutWaitingForATick) {
  json created = create();
  ASSERT_EQ(plugin->devPay(created["details"]["payment_request"])["status"], 200);
  auto checked = plugin->topupCheck(json{{"topup_id", "top_1"}, {"external_ref", created["external_ref"]}});
  ASSERT_TRUE(checked.ok) << checked.error;
  ASSERT_EQ(host.reports().size(), 1u);
  EXPECT_EQ(host.reports()[0]["amount_msat"], 250'000);
  // Checking again may report again; the host credits once.
  ASSERT_TRUE(plugin->topupCheck(json{{"topup_id", "top_1"}, {"external_ref", created["external_ref"]}}).ok);
  EXPECT_EQ(host.creditedCount(), 1u);
}

TEST_F(DevFlow, TopupCheckOfAnUnpaidInvoiceReportsNothing) {
  json created = create();
  ASSERT_TRUE(plugin->topupCheck(json{{"topup_id", "top_1"}, {"external_ref", created["external_ref"]}}).ok);
  EXPECT_TRUE(host.reports().empty());
  EXPECT_FALSE(plugin->topupCheck(json{{"topup_id", "top_1"}, {"external_ref", "../../etc"}}).ok);
  // The dev node keeps no record of unpaid invoices: an unknown one reads as open, unpaid.
  auto unknown = plugin->topupCheck(json{{"topup_id", "x"}, {"external_ref", std::string(64, 'a')}});
  EXPECT_TRUE(unknown.ok) << unknown.error;
  EXPECT_TRUE(host.reports().empty());
}

TEST_F(DevFlow, ARestartedInstanceKeepsWatchingFromTheState) {
  json created = create("top_restart", 300'000);
  std::string nodeKey = *host.stateGet("dev:node_key");
  plugin.reset();

  TestHost restarted(host.db());
  LightningPlugin again(restarted, devConfig());
  EXPECT_EQ(*restarted.stateGet("dev:node_key"), nodeKey);
  // The new instance's wallet knows the invoice: same node, same state.
  ASSERT_EQ(again.devPay(created["details"]["payment_request"])["status"], 200);
  ASSERT_TRUE(tickUntil(again, [&] { return !restarted.reports().empty(); }));
  EXPECT_EQ(restarted.reports()[0]["topup_id"], "top_restart");
  EXPECT_EQ(restarted.reports()[0]["amount_msat"], 300'000);
}

TEST_F(DevFlow, APaymentMadeWhileDownIsFoundByPollingAfterTheRestart) {
  json created = create("top_down", 300'000);
  std::string hash = created["external_ref"];
  plugin.reset();
  // Paid while no instance runs (the wallet marks it in the state without waking anyone).
  host.statePut("dev:paid:" + hash, json({{"amount_msat", 300'000}, {"paid_at", epochMs() / 1000}}).dump());

  TestHost restarted(host.db());
  LightningPlugin again(restarted, devConfig());
  ASSERT_TRUE(tickUntil(again, [&] { return !restarted.reports().empty(); }, 8000));
  EXPECT_EQ(restarted.reports()[0]["external_id"], "ln:" + hash);
}

TEST_F(DevFlow, ALatePaymentIsStillReported) {
  auto r = plugin->topupCreate(topupRequest("top_late", 200'000, 1'900));
  ASSERT_TRUE(r.ok) << r.error;
  std::string bolt11 = r.body["details"]["payment_request"];
  EXPECT_EQ(ln::decode(bolt11)->invoice.expirySeconds(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));

  json refused = plugin->devPay(bolt11);
  EXPECT_EQ(refused["status"], 410);
  EXPECT_EQ(refused["body"]["error"]["code"], "invoice_expired");
  plugin->tick();
  EXPECT_TRUE(host.reports().empty());

  // The payment arrives late anyway (a slow HTLC): it is credited.
  ASSERT_EQ(plugin->devPay(bolt11, /*allowExpired=*/true)["status"], 200);
  ASSERT_TRUE(tickUntil(*plugin, [&] { return !host.reports().empty(); }));
  EXPECT_EQ(host.reports()[0]["topup_id"], "top_late");
  EXPECT_EQ(host.reports()[0]["amount_msat"], 200'000);
}

TEST(DevWatch, WatchingEndsAfterTheLatePaymentWindow) {
  TestHost host;
  LightningPlugin plugin(host, devConfig({{"watch_after_expiry_seconds", 0}}));
  auto r = plugin.topupCreate(topupRequest("top_gone", 200'000, 1'500));
  ASSERT_TRUE(r.ok) << r.error;
  std::string hash = r.body["external_ref"];
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.stateKeys("due:").empty(); }, 8000));
  EXPECT_EQ(json::parse(*host.stateGet("inv:" + hash))["status"], "expired");

  // Paid after the window: the watcher no longer looks, but an explicit check still credits it.
  ASSERT_EQ(plugin.devPay(r.body["details"]["payment_request"], true)["status"], 200);
  for (int i = 0; i < 3; ++i) plugin.tick();
  EXPECT_TRUE(host.reports().empty());
  ASSERT_TRUE(plugin.topupCheck(json{{"topup_id", "top_gone"}, {"external_ref", hash}}).ok);
  ASSERT_EQ(host.reports().size(), 1u);
}

TEST_F(DevFlow, AFailedReportIsRetried) {
  json created = create("top_retry", 150'000);
  host.failReports = true;
  ASSERT_EQ(plugin->devPay(created["details"]["payment_request"])["status"], 200);
  for (int i = 0; i < 3; ++i) plugin->tick();
  EXPECT_TRUE(host.reports().empty());
  EXPECT_TRUE(host.logged("reporting invoice"));
  EXPECT_FALSE(host.stateKeys("due:").empty());

  host.failReports = false;
  ASSERT_TRUE(tickUntil(*plugin, [&] { return !host.reports().empty(); }, 6000));
  EXPECT_EQ(host.reports().size(), 1u);
}

TEST_F(DevFlow, ConcurrentPaymentsOfOneInvoicePayOnce) {
  json created = create("top_race", 150'000);
  std::vector<json> answers(8);
  std::vector<std::thread> threads;
  for (auto& a : answers)
    threads.emplace_back([&] { a = plugin->devPay(created["details"]["payment_request"]); });
  for (auto& t : threads) t.join();
  int fresh = 0;
  for (const auto& a : answers) {
    ASSERT_EQ(a["status"], 200);
    EXPECT_EQ(a["body"]["preimage"], answers[0]["body"]["preimage"]);
    fresh += a["body"]["already_paid"] == false;
  }
  EXPECT_EQ(fresh, 1);
  ASSERT_TRUE(tickUntil(*plugin, [&] { return !host.reports().empty(); }));
  EXPECT_EQ(host.reports().size(), 1u);
}

TEST_F(DevFlow, TheWalletRouteRefusesWhatItShould) {
  json created = create();
  std::string bolt11 = created["details"]["payment_request"];
  EXPECT_EQ(plugin->devPay(bolt11, false, /*loopback=*/false)["status"], 403);
  EXPECT_EQ(plugin->devPay("lnbcrt1garbage")["status"], 400);
  EXPECT_EQ(plugin->devPay("")["status"], 400);

  // An invoice of another node, even a valid one, is not the dev wallet's to pay.
  TestHost otherHost;
  LightningPlugin other(otherHost, devConfig());
  auto foreign = other.topupCreate(topupRequest("x", 200'000));
  ASSERT_TRUE(foreign.ok);
  json unknown = plugin->devPay(foreign.body["details"]["payment_request"]);
  EXPECT_EQ(unknown["status"], 404);
  EXPECT_EQ(unknown["body"]["error"]["code"], "unknown_invoice");

  auto get = plugin->http(json{{"method", "GET"}, {"path", "/dev/lightning/pay"}, {"body", ""}, {"loopback", true}});
  ASSERT_TRUE(get.ok);
  EXPECT_EQ(get.body["status"], 405);
  auto bad = plugin->http(json{{"method", "POST"}, {"path", "/dev/lightning/pay"}, {"body", "{\"invoice\": 5}"},
                               {"loopback", true}});
  EXPECT_EQ(bad.body["status"], 400);
  EXPECT_TRUE(host.reports().empty());
}

TEST_F(DevFlow, SecretsStayOutOfTheLogs) {
  json created = create();
  json paid = plugin->devPay(created["details"]["payment_request"]);
  ASSERT_TRUE(tickUntil(*plugin, [&] { return !host.reports().empty(); }));
  std::string preimage = paid["body"]["preimage"];
  std::string nodeKey = *host.stateGet("dev:node_key");
  for (const auto& line : host.logs()) {
    EXPECT_EQ(line.find(preimage), std::string::npos) << line;
    EXPECT_EQ(line.find(nodeKey), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace turnpike::lightning_test
