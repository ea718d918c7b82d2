// The onchain plugin in the real gateway: POST /v1/topup/onchain hands out an address, a fake
// Esplora shows the payment, the gateway's ticks move the top-up from pending to processing to
// paid and credit the balance once; anonymous top-ups become spend tokens.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_esplora.hpp"
#include "gateway_fixture.hpp"
#include "test_client.hpp"

namespace turnpike::onchain_test {
namespace {

using nlohmann::json;
using test::GatewayFixture;
using test::httpRequest;
using test::postJson;

const std::string kBip84Zpub =
    "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";
const std::string kBip84Receive0 = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu";

std::string config(const FakeEsplora& esplora, const std::string& extra = "") {
  return R"(
billing:
  rates: {usd_per_btc: 50000}
payments:
  - name: onchain
    plugin: onchain
    xpub: )" + kBip84Zpub + R"(
    esplora_url: )" + esplora.url() + R"(
    confirmations: 2
    poll_interval_ms: 20
    max_poll_interval_ms: 100
    underpayment_tolerance: 0.01
)" + extra + R"(
providers:
  - name: mock
    plugin: mock
    models:
      - id: paid
        price: {request: 2000}
        max_output_tokens: 20
)";
}

test::Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

json getTopup(GatewayFixture& gw, const std::string& id) {
  auto r = httpRequest(gw.port(), "GET", "/v1/topup/" + id);
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body);
}

// Polls GET /v1/topup/{id} until its status is `status` (the gateway ticks on its own).
bool waitForStatus(GatewayFixture& gw, const std::string& id, const std::string& status, int timeoutMs = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    if (getTopup(gw, id)["status"] == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

json createTopup(GatewayFixture& gw, const std::string& body, const test::Headers& headers = {}) {
  auto r = postJson(gw.port(), "/v1/topup/onchain", body, headers);
  EXPECT_EQ(r.status, 201) << r.body;
  return json::parse(r.body);
}

TEST(OnchainGateway, TheMethodIsListedWithItsTolerance) {
  FakeEsplora esplora;
  GatewayFixture gw(config(esplora));
  auto methods = json::parse(httpRequest(gw.port(), "GET", "/v1/topup/methods").body);
  ASSERT_EQ(methods["data"].size(), 1u);
  EXPECT_EQ(methods["data"][0]["method"], "onchain");
  EXPECT_EQ(methods["data"][0]["endpoint"], "/v1/topup/onchain");
  EXPECT_EQ(methods["data"][0]["confirmations"], 2);
  EXPECT_DOUBLE_EQ(methods["data"][0]["underpayment_tolerance"].get<double>(), 0.01);
}

TEST(OnchainGateway, ATopupIsCreditedOnceAfterItsConfirmations) {
  FakeEsplora esplora;
  GatewayFixture gw(config(esplora));
  auto payer = gw.fundedAccount(0);
  auto topup = createTopup(gw, R"({"amount":20000,"currency":"SATS"})", bearer(payer.apiKey));
  std::string id = topup["topup_id"];
  EXPECT_EQ(topup["status"], "pending");
  EXPECT_EQ(topup["address"], kBip84Receive0);
  EXPECT_EQ(topup["bip21"], "bitcoin:" + kBip84Receive0 + "?amount=0.0002&label=Turnpike%20top-up%20" + id);
  EXPECT_EQ(topup["amount_sats"], 20000);

  std::string txid = esplora.pay(kBip84Receive0, 20'000);
  ASSERT_TRUE(waitForStatus(gw, id, "processing"));
  esplora.mine();  // 1 of 2 confirmations
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(getTopup(gw, id)["status"], "processing");
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 0);

  esplora.mine();
  ASSERT_TRUE(waitForStatus(gw, id, "paid"));
  auto paid = getTopup(gw, id);
  EXPECT_EQ(paid["paid_msat"], 20'000'000);
  EXPECT_EQ(paid["credited_msat"], 20'000'000);
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 20'000'000);
  // More looks at the address credit nothing more.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 20'000'000);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 20'000'000);
  EXPECT_EQ(getTopup(gw, id)["credited_msat"], 20'000'000);
}

TEST(OnchainGateway, TheToleranceDecidesUnderAndOverpayment) {
  FakeEsplora esplora;
  GatewayFixture gw(config(esplora));
  auto payer = gw.fundedAccount(0);
  auto within = createTopup(gw, R"({"amount":100000})", bearer(payer.apiKey));
  auto under = createTopup(gw, R"({"amount":100000})", bearer(payer.apiKey));
  auto over = createTopup(gw, R"({"amount":"0.001","currency":"BTC"})", bearer(payer.apiKey));
  esplora.pay(within["address"], 99'500);  // 0.5% short, within the 1% tolerance
  esplora.pay(under["address"], 90'000);
  esplora.pay(over["address"], 100'000);
  esplora.pay(over["address"], 5'000);  // a second transaction
  esplora.mine(2);
  ASSERT_TRUE(waitForStatus(gw, within["topup_id"], "paid"));
  ASSERT_TRUE(waitForStatus(gw, under["topup_id"], "underpaid"));
  ASSERT_TRUE(waitForStatus(gw, over["topup_id"], "overpaid"));
  EXPECT_EQ(getTopup(gw, over["topup_id"])["paid_msat"], 105'000'000);
  // Whatever arrived is credited, once.
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, (99'500 + 90'000 + 105'000) * 1000LL);
}

TEST(OnchainGateway, UsdAmountsAreConvertedToAnExactBip21Amount) {
  FakeEsplora esplora;
  GatewayFixture gw(config(esplora));
  auto payer = gw.fundedAccount(0);
  auto topup = createTopup(gw, R"({"amount":"10","currency":"USD"})", bearer(payer.apiKey));
  EXPECT_EQ(topup["amount_sats"], 20000);  // $10 at $50,000 per BTC
  std::string prefix = "bitcoin:" + kBip84Receive0 + "?amount=0.0002&";
  EXPECT_EQ(topup["bip21"].get<std::string>().substr(0, prefix.size()), prefix);
}

TEST(OnchainGateway, ALatePaymentStillCredits) {
  FakeEsplora esplora;
  GatewayFixture gw(config(esplora, "    expiry_seconds: 1\n"));
  auto payer = gw.fundedAccount(0);
  auto topup = createTopup(gw, R"({"amount":20000})", bearer(payer.apiKey));
  std::string id = topup["topup_id"];
  ASSERT_TRUE(waitForStatus(gw, id, "expired", 3000));
  esplora.pay(topup["address"], 20'000);
  esplora.mine(2);
  ASSERT_TRUE(waitForStatus(gw, id, "paid"));
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 20'000'000);
}

TEST(OnchainGateway, AnAnonymousTopupBecomesASpendToken) {
  FakeEsplora esplora;
  GatewayFixture gw(config(esplora));
  auto topup = createTopup(gw, R"({"amount":30000,"duration_hours":1})");
  std::string id = topup["topup_id"];
  std::string claim = topup["charge_id"];
  // The BIP21 label names the top-up (wallets show, forward and sync it); it claims nothing.
  EXPECT_NE(topup["bip21"].get<std::string>().find(id), std::string::npos) << topup["bip21"];
  EXPECT_EQ(topup["bip21"].get<std::string>().find(claim), std::string::npos) << topup["bip21"];
  auto early = postJson(gw.port(), "/v1/tokens", json{{"charge_id", claim}}.dump());
  EXPECT_EQ(early.status, 402);
  esplora.pay(topup["address"], 30'000);
  esplora.mine(2);
  ASSERT_TRUE(waitForStatus(gw, id, "paid"));
  EXPECT_EQ(postJson(gw.port(), "/v1/tokens", json{{"charge_id", id}}.dump()).status, 404);
  auto claimed = postJson(gw.port(), "/v1/tokens", json{{"charge_id", claim}}.dump());
  ASSERT_EQ(claimed.status, 201) << claimed.body;
  std::string token = json::parse(claimed.body)["token"];
  EXPECT_EQ(json::parse(claimed.body)["balance_msat"], 30'000'000);
  auto chat = postJson(gw.port(), "/v1/chat/completions",
                       R"({"model":"paid","messages":[{"role":"user","content":"hi"}]})", {{"X-Spend-Token", token}});
  EXPECT_EQ(chat.status, 200) << chat.body;
  auto balance = json::parse(httpRequest(gw.port(), "GET", "/v1/balance", "", {{"X-Spend-Token", token}}).body);
  EXPECT_EQ(balance["balance_msat"], 30'000'000 - 2000);
}

TEST(OnchainGateway, NoAddressLeftIsA503) {
  FakeEsplora esplora;
  GatewayFixture gw(config(esplora, "    gap_limit: 1\n"));
  auto payer = gw.fundedAccount(0);
  auto first = createTopup(gw, R"({"amount":20000})", bearer(payer.apiKey));
  auto refused = postJson(gw.port(), "/v1/topup/onchain", R"({"amount":20000})", bearer(payer.apiKey));
  EXPECT_EQ(refused.status, 503) << refused.body;
  auto error = json::parse(refused.body)["error"];
  EXPECT_EQ(error["code"], "payment_method_exhausted");
  EXPECT_NE(error["message"].get<std::string>().find("gap limit (1)"), std::string::npos);
  // Once the first address received a payment a new one fits; an explorer that cannot say
  // whether it is unused is a 503 too, and says so.
  esplora.pay(kBip84Receive0, 20'000);
  ASSERT_TRUE(waitForStatus(gw, first["topup_id"], "processing"));
  esplora.failStatus = 503;
  auto down = postJson(gw.port(), "/v1/topup/onchain", R"({"amount":20000})", bearer(payer.apiKey));
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(json::parse(down.body)["error"]["code"], "payment_backend_unavailable");
  esplora.failStatus = 0;
  EXPECT_EQ(createTopup(gw, R"({"amount":20000})", bearer(payer.apiKey))["status"], "pending");
}

}  // namespace
}  // namespace turnpike::onchain_test
