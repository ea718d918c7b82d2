// The LND backend against a fake LND REST API over TLS (a self-signed certificate made here,
// pinned in the config), including the streaming invoice subscription.
#include <gtest/gtest.h>

#include <turnpike/encoding.hpp>

#include "fake_node_server.hpp"
#include "plugin_harness.hpp"

namespace turnpike::lightning_test {
namespace {

namespace encoding = turnpike::sdk::encoding;

const std::string kMacaroon = "0201036c6e6402f801030a10b2f0c1d7e6a8f4c2a1b9e3d5c7f9a1b3";

json topup(const std::string& id, uint64_t msat) {
  return json{{"topup_id", id}, {"amount_msat", msat}, {"expires_at", epochMs() + 3'600'000}};
}

class Lnd : public ::testing::Test {
 protected:
  SelfSignedCert cert;
  FakeNodeServer node{Flavor::Lnd, kMacaroon, &cert};
  TestHost host;

  json config(bool subscribe = false, const std::string& pem = "") {
    return json{{"backend", "lnd"},
                {"lnd",
                 {{"url", node.url()},
                  {"macaroon", kMacaroon},
                  {"tls_cert", pem.empty() ? cert.certPem() : pem},
                  {"subscribe", subscribe},
                  {"subscribe_window_seconds", 2}}}};
  }

  void expectNoSecretsLogged() {
    for (const auto& line : host.logs()) EXPECT_EQ(line.find(kMacaroon), std::string::npos) << line;
  }
};

TEST_F(Lnd, IssuesInvoicesOverPinnedTls) {
  LightningPlugin plugin(host, config());
  auto r = plugin.topupCreate(json{{"topup_id", "top_1"}, {"amount_msat", 250'123}, {"description", "alice"},
                                   {"expires_at", epochMs() + 3'600'000}});
  ASSERT_TRUE(r.ok) << r.error;
  auto requests = node.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].uri, "/v1/invoices");
  EXPECT_EQ(requests[0].headers["grpc-metadata-macaroon"], kMacaroon);
  json body = json::parse(requests[0].body);
  EXPECT_EQ(body, json({{"value_msat", "250123"}, {"memo", "alice"}, {"expiry", "600"}}));
  auto inv = node.node().all().at(0);
  EXPECT_EQ(r.body["external_ref"], inv.hash);
  EXPECT_EQ(r.body["details"]["amount_msat"], 250'123);
  EXPECT_EQ(r.body["details"]["payment_request"], inv.bolt11);
}

TEST_F(Lnd, AnotherCertificateIsNotTrusted) {
  SelfSignedCert impostor;
  LightningPlugin pinnedElsewhere(host, config(false, impostor.certPem()));
  auto r = pinnedElsewhere.topupCreate(topup("t", 200'000));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("lnd: POST /v1/invoices failed: ", 0), 0u) << r.error;
  EXPECT_EQ(r.error.find(kMacaroon), std::string::npos);
  EXPECT_EQ(node.requests().size(), 0u);  // the handshake failed: the macaroon never left

  json unpinned = config();
  unpinned["lnd"].erase("tls_cert");
  LightningPlugin systemTrust(host, unpinned);
  EXPECT_FALSE(systemTrust.topupCreate(topup("t", 200'000)).ok);
  EXPECT_EQ(node.requests().size(), 0u);
}

TEST_F(Lnd, PollingReportsTheAmountPaid) {
  LightningPlugin plugin(host, config());
  auto r = plugin.topupCreate(topup("top_1", 200'000));
  std::string hash = r.body["external_ref"];
  node.node().settle(hash, 200'500);
  ASSERT_TRUE(tickUntil(plugin, [&] { return !host.reports().empty(); }, 6000));
  EXPECT_EQ(host.reports()[0], json({{"topup_id", "top_1"}, {"external_id", "ln:" + hash}, {"amount_msat", 200'500}}));
  EXPECT_EQ(node.count("GET", "/v1/invoice/" + hash), 1u);
  expectNoSecretsLogged();
}

TEST_F(Lnd, CanceledInvoiceEndsTheWatch) {
  LightningPlugin plugin(host, config());
  std::string hash = plugin.topupCreate(topup("top_1", 200'000)).body["external_ref"];
  node.node().setState(hash, FakeState::Canceled);
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.stateKeys("due:").empty(); }, 6000));
  EXPECT_EQ(json::parse(*host.stateGet("inv:" + hash))["status"], "canceled");
  EXPECT_TRUE(host.reports().empty());
}

TEST_F(Lnd, AcceptedHoldInvoiceIsNotPaid) {
  LightningPlugin plugin(host, config());
  auto c = plugin.challenge(json{{"amount_msat", 10'000}, {"path", "/v1/embeddings"}});
  ASSERT_TRUE(c.ok) << c.error;
  std::string hash = c.body["payment"]["payment_hash"];
  json request{{"authorization", "L402 " + c.body["payment"]["macaroon"].get<std::string>() + ":" +
                                     node.node().find(hash)->preimage},
               {"path", "/v1/embeddings"}};
  node.node().setState(hash, FakeState::Accepted);
  json held = plugin.authorize(request).body;
  EXPECT_EQ(held["status"], 402);
  EXPECT_EQ(held["code"], "l402_not_settled");
  node.node().setState(hash, FakeState::Canceled);
  EXPECT_EQ(plugin.authorize(request).body["code"], "l402_invoice_canceled");
  node.node().settle(hash);
  json ok = plugin.authorize(request).body;
  EXPECT_EQ(ok["ok"], true);
  EXPECT_EQ(ok["amount_msat"], 10'000);
}

TEST_F(Lnd, RefusalsBecomeClearErrors) {
  LightningPlugin plugin(host, config());
  node.createStatus = 503;
  EXPECT_EQ(plugin.topupCreate(topup("t", 200'000)).error, "lnd: POST /v1/invoices answered 503: invoice creation failed");
  node.createStatus = 0;
  node.garbage = true;
  EXPECT_EQ(plugin.topupCreate(topup("t", 200'000)).error, "lnd: the invoice answer lacks r_hash or payment_request");
  node.garbage = false;

  json otherMacaroon = config();
  otherMacaroon["lnd"]["macaroon"] = "0201abcdef";
  LightningPlugin wrong(host, otherMacaroon);
  auto refused = wrong.topupCreate(topup("t", 200'000));
  EXPECT_EQ(refused.error,
            "lnd: POST /v1/invoices answered 500: verification failed: signature mismatch after caveat verification");
  auto missing = plugin.topupCheck(json{{"topup_id", "t"}, {"external_ref", std::string(64, 'c')}});
  EXPECT_EQ(missing.error, "lnd: no such invoice");
}

TEST_F(Lnd, SubscriptionReportsWithoutPolling) {
  LightningPlugin plugin(host, config(true));
  ASSERT_TRUE(waitUntil([&] { return node.openStreams() == 1; }));
  std::string hash = plugin.topupCreate(topup("top_stream", 300'000)).body["external_ref"];
  // An invoice of someone else on the same node settles too: not ours, ignored.
  auto foreign = node.node().create(5000, "not turnpike", 600);
  node.node().settle(foreign.hash);
  node.node().settle(hash, 300'000);
  ASSERT_TRUE(waitUntil([&] { return !host.reports().empty(); }));  // no tick() at all
  EXPECT_EQ(host.reports()[0], json({{"topup_id", "top_stream"}, {"external_id", "ln:" + hash}, {"amount_msat", 300'000}}));
  EXPECT_EQ(host.reports().size(), 1u);
  EXPECT_EQ(node.count("GET", "/v1/invoice/"), 0u);
  auto subscribe = node.requests();
  EXPECT_EQ(subscribe[0].uri, "/v1/invoices/subscribe?settle_index=0");
  EXPECT_EQ(subscribe[0].headers["grpc-metadata-macaroon"], kMacaroon);
  EXPECT_EQ(host.stateGet("lnd:settle_index"), "2");
  EXPECT_TRUE(host.stateKeys("due:").empty());
  expectNoSecretsLogged();
}

TEST_F(Lnd, SubscriptionResumesFromTheLastSettleIndex) {
  LightningPlugin plugin(host, config(true));
  ASSERT_TRUE(waitUntil([&] { return node.openStreams() == 1; }));
  std::string first = plugin.topupCreate(topup("top_a", 200'000)).body["external_ref"];
  std::string second = plugin.topupCreate(topup("top_b", 400'000)).body["external_ref"];
  node.node().settle(first);
  ASSERT_TRUE(waitUntil([&] { return host.reports().size() == 1; }));

  // The stream drops and the node refuses reconnections for a while; meanwhile B is paid.
  node.subscribeStatus = 503;
  node.closeStreams();
  ASSERT_TRUE(waitUntil([&] { return node.openStreams() == 0; }));
  node.node().settle(second);
  ASSERT_TRUE(waitUntil([&] { return host.logged("subscription answered 503"); }));
  node.subscribeStatus = 0;

  ASSERT_TRUE(waitUntil([&] { return host.reports().size() == 2; }, 8000));  // still no tick()
  EXPECT_EQ(host.reports()[1]["topup_id"], "top_b");
  EXPECT_EQ(host.reports()[1]["amount_msat"], 400'000);
  bool resumed = false;
  for (const auto& r : node.requests()) resumed |= r.uri == "/v1/invoices/subscribe?settle_index=1";
  EXPECT_TRUE(resumed);
}

TEST_F(Lnd, ARestartedInstanceReplaysWhatSettledWhileItWasDown) {
  std::string second;
  {
    LightningPlugin plugin(host, config(true));
    ASSERT_TRUE(waitUntil([&] { return node.openStreams() == 1; }));
    std::string first = plugin.topupCreate(topup("top_a", 200'000)).body["external_ref"];
    second = plugin.topupCreate(topup("top_b", 300'000)).body["external_ref"];
    node.node().settle(first);
    ASSERT_TRUE(waitUntil([&] { return host.reports().size() == 1; }));
    node.closeStreams();
  }
  node.node().settle(second);
  TestHost restarted(host.db());
  LightningPlugin again(restarted, config(true));
  ASSERT_TRUE(waitUntil([&] { return restarted.reports().size() == 2; }));  // from the stream, no tick()
  EXPECT_EQ(restarted.reports()[1]["topup_id"], "top_b");
  EXPECT_EQ(node.requests().back().uri, "/v1/invoices/subscribe?settle_index=1");
}

TEST_F(Lnd, PollingCoversAFailingSubscription) {
  node.subscribeStatus = 500;
  LightningPlugin plugin(host, config(true));
  std::string hash = plugin.topupCreate(topup("top_1", 200'000)).body["external_ref"];
  node.node().settle(hash);
  ASSERT_TRUE(tickUntil(plugin, [&] { return !host.reports().empty(); }, 6000));
  EXPECT_TRUE(host.logged("lnd: invoice subscription answered 500; polling continues"));
}

TEST_F(Lnd, ShutdownWaitsAtMostOneWindow) {
  auto plugin = std::make_unique<LightningPlugin>(host, config(true));
  ASSERT_TRUE(waitUntil([&] { return node.openStreams() == 1; }));
  auto start = std::chrono::steady_clock::now();
  plugin.reset();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::milliseconds(3500));  // window: 2 s
}

TEST_F(Lnd, AQuietStreamIsRenewedAfterItsWindow) {
  LightningPlugin plugin(host, config(true));
  ASSERT_TRUE(waitUntil([&] { return node.count("GET", "/v1/invoices/subscribe") >= 2; }, 6000));
  EXPECT_FALSE(host.logged("subscription failed"));
}

}  // namespace
}  // namespace turnpike::lightning_test
