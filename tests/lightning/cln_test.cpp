// The Core Lightning backend against a fake clnrest (POST /v1/<method>, Rune header).
#include <gtest/gtest.h>

#include "fake_node_server.hpp"
#include "plugin_harness.hpp"

namespace turnpike::lightning_test {
namespace {

constexpr const char* kRune = "tU-RLjMiDpY2U0o3W1oFowar36RFGpWloPbW9-RuZdo9MyZpZD0wMjRiOWExZmE4ZTAwNmYxZTM5Mzdm";

json clnConfig(const std::string& url, const std::string& rune = kRune, const std::string& pem = "") {
  json config{{"backend", "cln"}, {"cln", {{"url", url}, {"rune", rune}}}};
  if (!pem.empty()) config["cln"]["tls_cert"] = pem;
  return config;
}

json topup(const std::string& id, uint64_t msat) {
  return json{{"topup_id", id}, {"amount_msat", msat}, {"expires_at", epochMs() + 3'600'000}};
}

class Cln : public ::testing::Test {
 protected:
  FakeNodeServer node{Flavor::Cln, kRune};
  TestHost host;
  LightningPlugin plugin{host, clnConfig(node.url())};
};

TEST_F(Cln, IssuesInvoicesWithAUniqueLabel) {
  auto a = plugin.topupCreate(json{{"topup_id", "top_1"}, {"amount_msat", 123'456}, {"description", "bob"},
                                   {"expires_at", epochMs() + 300'500}});
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_TRUE(plugin.topupCreate(topup("top_2", 200'000)).ok);
  auto requests = node.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].uri, "/v1/invoice");
  EXPECT_EQ(requests[0].headers["rune"], kRune);
  json body = json::parse(requests[0].body);
  EXPECT_EQ(body["amount_msat"], 123'456);
  EXPECT_EQ(body["description"], "bob");
  EXPECT_EQ(body["expiry"], 300);  // the top-up ends in 300.5 s
  std::string label = body["label"];
  EXPECT_EQ(label.rfind("turnpike-", 0), 0u);
  EXPECT_NE(label, json::parse(requests[1].body)["label"]);
  EXPECT_EQ(a.body["external_ref"], node.node().find(a.body["external_ref"])->hash);
  EXPECT_EQ(a.body["details"]["amount_msat"], 123'456);
  EXPECT_EQ(a.body["details"]["amount_sats"], 124);
}

TEST_F(Cln, PaidInvoiceIsReportedWithTheAmountReceived) {
  std::string hash = plugin.topupCreate(topup("top_1", 200'000)).body["external_ref"];
  node.node().settle(hash, 200'001);
  ASSERT_TRUE(tickUntil(plugin, [&] { return !host.reports().empty(); }, 6000));
  EXPECT_EQ(host.reports()[0], json({{"topup_id", "top_1"}, {"external_id", "ln:" + hash}, {"amount_msat", 200'001}}));
  auto lookups = node.requests();
  EXPECT_EQ(lookups.back().uri, "/v1/listinvoices");
  EXPECT_EQ(json::parse(lookups.back().body), json({{"payment_hash", hash}}));
}

TEST_F(Cln, OlderMsatStringsAreUnderstood) {
  node.msatSuffix = true;
  std::string hash = plugin.topupCreate(topup("top_1", 200'000)).body["external_ref"];
  node.node().settle(hash);
  ASSERT_TRUE(plugin.topupCheck(json{{"topup_id", "top_1"}, {"external_ref", hash}}).ok);
  ASSERT_EQ(host.reports().size(), 1u);
  EXPECT_EQ(host.reports()[0]["amount_msat"], 200'000);
}

TEST_F(Cln, ExpiredInvoicesStayWatchedForLatePayments) {
  std::string hash = plugin.topupCreate(topup("top_1", 200'000)).body["external_ref"];
  node.node().setState(hash, FakeState::Canceled);  // clnrest: "expired"
  ASSERT_TRUE(tickUntil(plugin, [&] { return node.count("POST", "/v1/listinvoices") >= 1; }, 4000));
  EXPECT_FALSE(host.stateKeys("due:").empty());
  node.node().settle(hash);
  ASSERT_TRUE(tickUntil(plugin, [&] { return !host.reports().empty(); }, 6000));
}

TEST_F(Cln, RefusalsBecomeClearErrors) {
  node.createStatus = 400;
  EXPECT_EQ(plugin.topupCreate(topup("t", 200'000)).error, "cln: POST /v1/invoice answered 400: Duplicate label");
  node.createStatus = 0;
  node.garbage = true;
  EXPECT_EQ(plugin.topupCreate(topup("t", 200'000)).error, "cln: the invoice answer lacks payment_hash or bolt11");
  node.garbage = false;
  node.wrongAmount = true;
  EXPECT_EQ(plugin.topupCreate(topup("t", 200'000)).error, "cln: the node's invoice is not for the amount asked");
  node.wrongAmount = false;

  TestHost otherHost;
  LightningPlugin wrongRune(otherHost, clnConfig(node.url(), "not-a-rune"));
  EXPECT_EQ(wrongRune.topupCreate(topup("t", 200'000)).error,
            "cln: POST /v1/invoice answered 401: Not authorized: Not derived from master");
  EXPECT_EQ(plugin.topupCheck(json{{"topup_id", "t"}, {"external_ref", std::string(64, 'd')}}).error,
            "cln: no such invoice");
  node.lookupStatus = 500;
  EXPECT_EQ(plugin.topupCheck(json{{"topup_id", "t"}, {"external_ref", std::string(64, 'd')}}).error,
            "cln: POST /v1/listinvoices answered 500: lookup failed");
  for (const auto& line : host.logs()) EXPECT_EQ(line.find(kRune), std::string::npos) << line;
}

TEST(ClnTls, PinnedCertificate) {
  SelfSignedCert cert, impostor;
  FakeNodeServer node(Flavor::Cln, kRune, &cert);
  TestHost host;
  LightningPlugin pinned(host, clnConfig(node.url(), kRune, cert.certPem()));
  EXPECT_TRUE(pinned.topupCreate(topup("t", 200'000)).ok);
  LightningPlugin wrong(host, clnConfig(node.url(), kRune, impostor.certPem()));
  auto r = wrong.topupCreate(topup("t", 200'000));
  EXPECT_EQ(r.error.rfind("cln: POST /v1/invoice failed: ", 0), 0u) << r.error;
  EXPECT_EQ(node.requests().size(), 1u);
}

}  // namespace
}  // namespace turnpike::lightning_test
