// The LNbits backend against a fake LNbits speaking its documented wire format.
#include <gtest/gtest.h>

#include "fake_node_server.hpp"
#include "lightning/bolt11.hpp"
#include "plugin_harness.hpp"

namespace turnpike::lightning_test {
namespace {

constexpr const char* kApiKey = "lnbits-invoice-key-5f3a9c";

json lnbitsConfig(const std::string& url, const std::string& key = kApiKey) {
  return json{{"backend", "lnbits"}, {"lnbits", {{"url", url + "/"}, {"api_key", key}}}};
}

json topup(const std::string& id, uint64_t msat) {
  return json{{"topup_id", id}, {"amount_msat", msat}, {"expires_at", epochMs() + 3'600'000}};
}

class Lnbits : public ::testing::Test {
 protected:
  FakeNodeServer node{Flavor::Lnbits, kApiKey};
  TestHost host;
  LightningPlugin plugin{host, lnbitsConfig(node.url())};

  void expectNoSecretsLogged() {
    for (const auto& line : host.logs()) EXPECT_EQ(line.find(kApiKey), std::string::npos) << line;
  }
};

TEST_F(Lnbits, IssuesInvoicesInSatsRoundedUp) {
  auto r = plugin.topupCreate(topup("top_1", 100'500));
  ASSERT_TRUE(r.ok) << r.error;
  auto requests = node.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].uri, "/api/v1/payments");
  EXPECT_EQ(requests[0].headers["x-api-key"], kApiKey);
  json body = json::parse(requests[0].body);
  EXPECT_EQ(body["out"], false);
  EXPECT_EQ(body["amount"], 101);
  EXPECT_EQ(body["unit"], "sat");
  EXPECT_EQ(body["memo"], "Turnpike top-up");
  EXPECT_EQ(body["expiry"], 600);

  auto invoices = node.node().all();
  ASSERT_EQ(invoices.size(), 1u);
  EXPECT_EQ(r.body["external_ref"], invoices[0].hash);
  EXPECT_EQ(r.body["details"]["payment_request"], invoices[0].bolt11);
  EXPECT_EQ(r.body["details"]["amount_msat"], 101'000);
  EXPECT_EQ(r.body["details"]["amount_sats"], 101);
  EXPECT_EQ(r.body["expires_at"], invoices[0].expiresAt * 1000);
}

TEST_F(Lnbits, OlderVersionsAnswerPaymentRequest) {
  node.legacyField = true;
  auto r = plugin.topupCreate(topup("top_1", 200'000));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body["details"]["payment_request"], node.node().all()[0].bolt11);
}

TEST_F(Lnbits, SettledInvoiceIsReportedWithTheAmountReceived) {
  auto r = plugin.topupCreate(topup("top_1", 200'000));
  ASSERT_TRUE(r.ok) << r.error;
  std::string hash = r.body["external_ref"];
  plugin.tick();
  node.node().settle(hash, 210'000);  // the payer sent more than asked
  ASSERT_TRUE(tickUntil(plugin, [&] { return !host.reports().empty(); }, 6000));
  EXPECT_EQ(host.reports()[0], json({{"topup_id", "top_1"}, {"external_id", "ln:" + hash}, {"amount_msat", 210'000}}));
  size_t lookups = node.count("GET", "/api/v1/payments/");
  for (int i = 0; i < 5; ++i) plugin.tick();
  EXPECT_EQ(node.count("GET", "/api/v1/payments/"), lookups);  // watch over
  expectNoSecretsLogged();
}

TEST_F(Lnbits, PollingBacksOff) {
  ASSERT_TRUE(plugin.topupCreate(topup("top_1", 200'000)).ok);
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(3500);
  while (std::chrono::steady_clock::now() < until) {
    plugin.tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Due at about 1 s, then 2 s later: two looks in 3.5 s, not seventy.
  size_t lookups = node.count("GET", "/api/v1/payments/");
  EXPECT_GE(lookups, 1u);
  EXPECT_LE(lookups, 3u);
}

TEST_F(Lnbits, LookupFailuresAreRetried) {
  auto r = plugin.topupCreate(topup("top_1", 200'000));
  std::string hash = r.body["external_ref"];
  node.lookupStatus = 503;
  ASSERT_TRUE(tickUntil(plugin, [&] { return host.logged("answered 503: database is down"); }, 4000));
  EXPECT_TRUE(host.reports().empty());
  node.lookupStatus = 0;
  node.node().settle(hash);
  ASSERT_TRUE(tickUntil(plugin, [&] { return !host.reports().empty(); }, 8000));
  EXPECT_EQ(host.reports()[0]["amount_msat"], 200'000);
  expectNoSecretsLogged();
}

TEST_F(Lnbits, AFailingNodeCostsOneLookupPerTick) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(plugin.topupCreate(topup("top_" + std::to_string(i), 200'000)).ok);
  node.lookupStatus = 503;
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // all three are due
  plugin.tick();
  EXPECT_EQ(node.count("GET", "/api/v1/payments/"), 1u);
  node.lookupStatus = 0;
  plugin.tick();
  EXPECT_EQ(node.count("GET", "/api/v1/payments/"), 3u);  // the other two; the failed one backs off
}

TEST_F(Lnbits, RefusalsBecomeClearErrors) {
  node.createStatus = 500;
  auto locked = plugin.topupCreate(topup("t", 200'000));
  EXPECT_EQ(locked.error, "lnbits: POST /api/v1/payments answered 500: wallet is locked");
  node.createStatus = 0;

  node.garbage = true;
  EXPECT_EQ(plugin.topupCreate(topup("t", 200'000)).error, "lnbits: the invoice answer lacks payment_hash or bolt11");
  node.garbage = false;

  node.wrongAmount = true;
  EXPECT_EQ(plugin.topupCreate(topup("t", 200'000)).error, "lnbits: the node's invoice is not for the amount asked");
  node.wrongAmount = false;

  TestHost otherHost;
  LightningPlugin wrongKey(otherHost, lnbitsConfig(node.url(), "not-the-key"));
  auto refused = wrongKey.topupCreate(topup("t", 200'000));
  EXPECT_EQ(refused.error, "lnbits: POST /api/v1/payments answered 401: Invalid key");

  LightningPlugin down(otherHost, lnbitsConfig("http://127.0.0.1:1"));
  auto unreachable = down.topupCreate(topup("t", 200'000));
  EXPECT_EQ(unreachable.error.rfind("lnbits: POST /api/v1/payments failed: ", 0), 0u) << unreachable.error;
  EXPECT_EQ(unreachable.error.find(kApiKey), std::string::npos);

  auto missing = plugin.topupCheck(json{{"topup_id", "t"}, {"external_ref", std::string(64, 'b')}});
  EXPECT_EQ(missing.error, "lnbits: no such invoice");
  EXPECT_TRUE(host.stateKeys("inv:").empty());
}

TEST_F(Lnbits, L402AuthorizationAsksTheNodeOnce) {
  auto c = plugin.challenge(json{{"amount_msat", 1500}, {"path", "/v1/chat/completions"}});
  ASSERT_TRUE(c.ok) << c.error;
  EXPECT_EQ(c.body["payment"]["amount_msat"], 2000);  // LNbits counts in sats
  EXPECT_EQ(c.body["payment"]["amount_sats"], 2);
  std::string hash = c.body["payment"]["payment_hash"];
  std::string authorization =
      "L402 " + c.body["payment"]["macaroon"].get<std::string>() + ":" + node.node().find(hash)->preimage;
  json request{{"authorization", authorization}, {"path", "/v1/chat/completions"}};

  EXPECT_EQ(plugin.authorize(request).body["code"], "l402_not_settled");
  node.node().settle(hash);
  size_t before = node.count("GET", "/api/v1/payments/");
  json ok = plugin.authorize(request).body;
  EXPECT_EQ(ok["ok"], true);
  EXPECT_EQ(ok["amount_msat"], 2000);
  EXPECT_EQ(node.count("GET", "/api/v1/payments/"), before + 1);
  // Known settled now: no more round trips, in this instance or the next one.
  EXPECT_EQ(plugin.authorize(request).body["ok"], true);
  TestHost restarted(host.db());
  LightningPlugin again(restarted, lnbitsConfig(node.url()));
  EXPECT_EQ(again.authorize(request).body["ok"], true);
  EXPECT_EQ(node.count("GET", "/api/v1/payments/"), before + 1);

  // A node failure during authorization is the hook's error, not a refusal of the client.
  auto c2 = plugin.challenge(json{{"amount_msat", 1000}, {"path", "/v1/chat/completions"}});
  std::string hash2 = c2.body["payment"]["payment_hash"];
  node.lookupStatus = 500;
  auto failed = plugin.authorize(json{
      {"authorization", "L402 " + c2.body["payment"]["macaroon"].get<std::string>() + ":" + node.node().find(hash2)->preimage},
      {"path", "/v1/chat/completions"}});
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.error, "lnbits: GET /api/v1/payments/" + hash2 + " answered 500: database is down");
}

}  // namespace
}  // namespace turnpike::lightning_test
