// The core's payment machinery (top-ups, crediting once, spend tokens, L402 admission) driven
// through the fake_pay test plugin.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
#include "test_client.hpp"
#include "util/random.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;

std::string config(const std::string& reuse = "single_use", const std::string& billingExtra = "") {
  return R"(
billing:
  rates: {usd_per_btc: 50000}
)" + billingExtra + R"(
payments:
  - name: fake
    plugin: fake_pay
    reuse: )" + reuse + R"(
providers:
  - name: mock
    plugin: mock
    models:
      - id: paid
        price: {request: 2000}
        max_output_tokens: 20
      - id: free
)";
}

Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

std::string chat(const std::string& model) {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}]})";
}

json pay(GatewayFixture& gw, const std::string& topup, const std::string& externalId, int64_t msat) {
  auto r = postJson(gw.port(), "/test/pay",
                    json{{"topup_id", topup}, {"external_id", externalId}, {"amount_msat", msat}}.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body);
}

TEST(Payments, MethodsAndCapabilitiesDescribeThePaymentMethods) {
  GatewayFixture gw(config());
  auto methods = json::parse(httpRequest(gw.port(), "GET", "/v1/topup/methods").body);
  ASSERT_EQ(methods["data"].size(), 1u);
  EXPECT_EQ(methods["data"][0]["method"], "fake");
  EXPECT_EQ(methods["data"][0]["min_msat"], 1000);
  auto caps = json::parse(httpRequest(gw.port(), "GET", "/api/capabilities").body);
  EXPECT_EQ(caps["payments"]["l402"]["method"], "fake");
  EXPECT_EQ(caps["payments"]["topup"]["methods"][0]["endpoint"], "POST /v1/topup/fake");
  EXPECT_EQ(caps["models"][0]["id"], "paid");
  EXPECT_EQ(caps["models"][0]["price"]["request"], 2000);
}

TEST(Payments, AuthenticatedTopUpCreditsTheCallerOncePerPayment) {
  GatewayFixture gw(config());
  auto payer = gw.fundedAccount(0);
  auto r = postJson(gw.port(), "/v1/topup/fake", R"({"amount":5000,"currency":"SATS"})", bearer(payer.apiKey));
  ASSERT_EQ(r.status, 201) << r.body;
  auto topup = json::parse(r.body);
  EXPECT_EQ(topup["status"], "pending");
  EXPECT_EQ(topup["amount_msat"], 5'000'000);
  EXPECT_EQ(topup["pay_to"], "fake://" + topup["topup_id"].get<std::string>());
  std::string id = topup["topup_id"];
  EXPECT_TRUE(pay(gw, id, "p1", 5'000'000)["recorded"]);
  EXPECT_FALSE(pay(gw, id, "p1", 5'000'000)["recorded"]);  // the same payment reported again
  auto status = json::parse(httpRequest(gw.port(), "GET", "/v1/topup/" + id).body);
  EXPECT_EQ(status["status"], "paid");
  EXPECT_EQ(status["paid_msat"], 5'000'000);
  EXPECT_EQ(status["credited_msat"], 5'000'000);
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 5'000'000);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 5'000'000);
}

TEST(Payments, ConcurrentDuplicateReportsCreditOnce) {
  GatewayFixture gw(config());
  auto payer = gw.fundedAccount(0);
  auto topup = json::parse(postJson(gw.port(), "/v1/topup/fake", R"({"amount":3000})", bearer(payer.apiKey)).body);
  std::atomic<int> recorded{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i)
    threads.emplace_back([&] {
      if (pay(gw, topup["topup_id"], "dup", 3'000'000)["recorded"]) ++recorded;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(recorded.load(), 1);
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 3'000'000);
}

TEST(Payments, SeveralPaymentsUnderAndOverpayment) {
  GatewayFixture gw(config());
  auto payer = gw.fundedAccount(0);
  std::string id = json::parse(postJson(gw.port(), "/v1/topup/fake", R"({"amount":10000})", bearer(payer.apiKey)).body)["topup_id"];
  pay(gw, id, "out-0", 4'000'000);
  EXPECT_EQ(json::parse(httpRequest(gw.port(), "GET", "/v1/topup/" + id).body)["status"], "underpaid");
  pay(gw, id, "out-1", 5'950'000);  // 99.5%: inside the 1% tolerance
  EXPECT_EQ(json::parse(httpRequest(gw.port(), "GET", "/v1/topup/" + id).body)["status"], "paid");
  pay(gw, id, "out-2", 1'000'000);
  auto final = json::parse(httpRequest(gw.port(), "GET", "/v1/topup/" + id).body);
  EXPECT_EQ(final["status"], "overpaid");
  EXPECT_EQ(final["paid_msat"], 10'950'000);
  // Money that arrived is credited, whatever the top-up asked for.
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 10'950'000);
}

TEST(Payments, AnonymousTopUpIsClaimedOnceAsASpendToken) {
  GatewayFixture gw(config());
  auto r = postJson(gw.port(), "/v1/topup", R"({"amount_sats":4000,"duration_hours":2})");
  EXPECT_EQ(r.status, 404);  // LightningProx's /v1/topup is Lightning's; fake_pay is not
  auto topup = json::parse(postJson(gw.port(), "/v1/topup/fake", R"({"amount":"4000","duration_hours":2})").body);
  std::string id = topup["topup_id"];
  std::string claim = topup["charge_id"];
  EXPECT_EQ(claim.rfind("chg_", 0), 0u) << claim;
  auto early = postJson(gw.port(), "/v1/tokens", json{{"charge_id", claim}}.dump());
  EXPECT_EQ(early.status, 402);
  EXPECT_EQ(json::parse(early.body)["error"]["code"], "topup_not_paid");
  pay(gw, id, "a1", 4'000'000);
  // The top-up id is what the method and everyone it shows the payment to see: it claims nothing.
  auto byId = postJson(gw.port(), "/v1/tokens", json{{"charge_id", id}}.dump());
  EXPECT_EQ(byId.status, 404) << byId.body;
  auto claimed = postJson(gw.port(), "/v1/tokens", json{{"charge_id", claim}}.dump());
  ASSERT_EQ(claimed.status, 201) << claimed.body;
  auto token = json::parse(claimed.body);
  EXPECT_EQ(token["balance_sats"], 4000);
  int64_t expires = token["expires_at"];
  EXPECT_NEAR(static_cast<double>(expires), static_cast<double>(std::time(nullptr) + 7200), 60.0);
  auto again = postJson(gw.port(), "/v1/tokens", json{{"charge_id", claim}}.dump());
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(json::parse(again.body)["error"]["code"], "token_already_issued");

  // The token pays for requests and reports its balance.
  std::string spend = token["token"];
  ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("paid"), {{"X-Spend-Token", spend}}).status, 200);
  auto balance = json::parse(httpRequest(gw.port(), "GET", "/v1/balance", "", {{"X-Spend-Token", spend}}).body);
  EXPECT_EQ(balance["balance_msat"], 4'000'000 - 2000);
  EXPECT_EQ(balance["requests_left_estimate"], (4'000'000 - 2000) / 2000);
  EXPECT_EQ(balance["status"], "active");
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/balance", "", {{"X-Spend-Token", "sk-tp-nope"}}).status, 401);
  // A payment after the claim goes to the token's account.
  pay(gw, id, "a2", 1'000'000);
  EXPECT_EQ(json::parse(httpRequest(gw.port(), "GET", "/v1/balance", "", {{"X-Spend-Token", spend}}).body)["balance_msat"],
            5'000'000 - 2000);
}

TEST(Payments, TheClaimSecretIsStoredHashedAndNeverReachesTheMethod) {
  GatewayFixture gw(config());
  auto r = postJson(gw.port(), "/v1/topup/fake", R"({"amount":"4000"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto topup = json::parse(r.body);
  std::string id = topup["topup_id"];
  std::string claim = topup["charge_id"];
  ASSERT_NE(claim, id);
  // The method got the top-up as JSON (fake_pay keeps it in its state): the id, not the claim.
  EXPECT_EQ(sqlScalar(gw.databasePath(), "SELECT COUNT(*) FROM plugin_state WHERE instr(value, ?1) > 0", id), 1);
  EXPECT_EQ(sqlScalar(gw.databasePath(), "SELECT COUNT(*) FROM plugin_state WHERE instr(key || value, ?1) > 0", claim), 0);
  EXPECT_EQ(sqlScalar(gw.databasePath(),
                     "SELECT COUNT(*) FROM topups WHERE instr(id || IFNULL(external_ref, '') || details || "
                     "IFNULL(claim_hash, '') || currency_amount, ?1) > 0",
                     claim),
            0);
  EXPECT_EQ(sqlScalar(gw.databasePath(), "SELECT COUNT(*) FROM topups WHERE claim_hash = ?1", util::sha256Hex(claim)), 1);
  // Nor does anyone reading the top-up's status see it.
  auto status = httpRequest(gw.port(), "GET", "/v1/topup/" + id);
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(status.body.find(claim), std::string::npos) << status.body;
  // A wrong claim is not echoed back.
  auto wrong = postJson(gw.port(), "/v1/tokens", R"({"charge_id":"chg_guessedguessedguessedguessed00"})");
  EXPECT_EQ(wrong.status, 404);
  EXPECT_EQ(wrong.body.find("guessed"), std::string::npos) << wrong.body;
}

TEST(Payments, ATopUpFromBeforeClaimSecretsIsClaimedByItsId) {
  GatewayFixture gw(config());
  auto topup = json::parse(postJson(gw.port(), "/v1/topup/fake", R"({"amount":"4000"})").body);
  std::string id = topup["topup_id"];
  // As schema v4 left it: no claim hash, the id was what its creator got as charge_id.
  EXPECT_EQ(sqlScalar(gw.databasePath(), "UPDATE topups SET claim_hash = NULL WHERE id = ?1 RETURNING 1", id), 1);
  pay(gw, id, "old-1", 4'000'000);
  auto claimed = postJson(gw.port(), "/v1/tokens", json{{"charge_id", id}}.dump());
  ASSERT_EQ(claimed.status, 201) << claimed.body;
  EXPECT_EQ(json::parse(claimed.body)["balance_sats"], 4000);
}

TEST(Payments, AmountsLimitsAndConversion) {
  GatewayFixture gw(config());
  auto payer = gw.fundedAccount(0);
  EXPECT_EQ(postJson(gw.port(), "/v1/topup/fake", R"({"amount":0})", bearer(payer.apiKey)).status, 400);
  auto tooSmall = postJson(gw.port(), "/v1/topup/fake", R"({"amount":"0.00000000","currency":"BTC"})", bearer(payer.apiKey));
  EXPECT_EQ(tooSmall.status, 400);
  auto over = postJson(gw.port(), "/v1/topup/fake", R"({"amount":"2","currency":"BTC"})", bearer(payer.apiKey));
  EXPECT_EQ(over.status, 400);
  EXPECT_EQ(json::parse(over.body)["error"]["code"], "amount_out_of_range");
  EXPECT_EQ(postJson(gw.port(), "/v1/topup/fake", R"({"amount":"1.123456789","currency":"BTC"})", bearer(payer.apiKey)).status, 400);
  EXPECT_EQ(postJson(gw.port(), "/v1/topup/fake", R"({"amount":5,"currency":"EUR"})", bearer(payer.apiKey)).status, 400);
  auto btc = json::parse(postJson(gw.port(), "/v1/topup/fake", R"({"amount":"0.0001","currency":"BTC"})", bearer(payer.apiKey)).body);
  EXPECT_EQ(btc["amount_msat"], 10'000'000);
  auto usd = json::parse(postJson(gw.port(), "/v1/topup/fake", R"({"amount":"10.00","currency":"USD"})", bearer(payer.apiKey)).body);
  EXPECT_EQ(usd["amount_msat"], 20'000'000);  // $10 at $50,000 per BTC = 20,000 sats
  EXPECT_EQ(usd["rate"], "usd_per_btc=50000");
  EXPECT_EQ(postJson(gw.port(), "/v1/topup/nope", R"({"amount":5000})", bearer(payer.apiKey)).status, 404);
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/topup/top_nope").status, 404);
}

TEST(Payments, L402ChallengeThenSingleUseCredential) {
  GatewayFixture gw(config());
  auto challenge = postJson(gw.port(), "/v1/chat/completions", chat("paid"));
  ASSERT_EQ(challenge.status, 402) << challenge.body;
  EXPECT_EQ(challenge.headers["www-authenticate"].rfind("L402 macaroon=\"", 0), 0u) << challenge.headers["www-authenticate"];
  auto body = json::parse(challenge.body);
  EXPECT_EQ(body["error"]["code"], "payment_required");
  EXPECT_EQ(body["payment"]["amount_msat"], 2000);  // the request's maximum cost
  std::string token = body["payment"]["payment_hash"];

  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("paid"), {{"Authorization", "L402 " + token + ":wrong"}}).status, 401);
  // Two retries at once with one single-use credential: exactly one is served.
  std::atomic<int> ok{0}, used{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto r = postJson(gw.port(), "/v1/chat/completions", chat("paid"), {{"Authorization", "L402 " + token + ":paid"}});
      if (r.status == 200) ++ok;
      std::string code = r.status == 200 ? "" : json::parse(r.body)["error"].value("code", "");
      // Spent, or still paying for the request that was admitted first.
      if ((r.status == 401 && code == "l402_credential_used") || (r.status == 409 && code == "l402_credential_in_use"))
        ++used;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(used.load(), 7);
  // Free models never challenge.
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("free")).status, 200);
}

TEST(Payments, L402UntilExpiryCredentialsSpendTheirBalance) {
  GatewayFixture gw(config("until_expiry"));
  auto challenge = json::parse(postJson(gw.port(), "/v1/chat/completions", chat("paid")).body);
  std::string token = challenge["payment"]["payment_hash"];
  Headers auth{{"Authorization", "L402 " + token + ":paid"}};
  // The credential paid 2000: exactly one 2000 request, then it is out of money.
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("paid"), auth).status, 200);
  auto second = postJson(gw.port(), "/v1/chat/completions", chat("paid"), auth);
  EXPECT_EQ(second.status, 402);
  EXPECT_EQ(json::parse(second.body)["error"]["code"], "insufficient_balance");
}

// fake_pay's single-use credentials in front of a real upstream (openai_compat on a fake).
std::string upstreamConfig(const std::string& url) {
  return expand(R"(
payments:
  - name: fake
    plugin: fake_pay
providers:
  - name: up
    plugin: openai_compat
    base_url: {{url}}
    models:
      - id: paid
        price: {request: 2000}
        max_output_tokens: 20
)", "url", url);
}

Headers l402Credential(GatewayFixture& gw) {
  auto challenge = postJson(gw.port(), "/v1/chat/completions", chat("paid"));
  EXPECT_EQ(challenge.status, 402) << challenge.body;
  return {{"Authorization", "L402 " + json::parse(challenge.body)["payment"]["payment_hash"].get<std::string>() + ":paid"}};
}

std::string errorCodeOf(const HttpResult& r) { return json::parse(r.body)["error"].value("code", ""); }

TEST(Payments, AnUpstreamFailureGivesTheSingleUseCredentialBack) {
  std::atomic<int> calls{0};
  FakeUpstream up([&](const RecordedRequest&, Poco::Net::HTTPServerResponse& res) {
    if (calls++ == 0) {
      FakeUpstream::sendJson(res, 500, R"({"error":{"message":"boom"}})");
    } else {
      FakeUpstream::sendJson(res, 200, chatCompletionJson("paid", "hello"));
    }
  });
  GatewayFixture gw(upstreamConfig(up.baseUrl()));
  auto auth = l402Credential(gw);
  auto failed = postJson(gw.port(), "/v1/chat/completions", chat("paid"), auth);
  EXPECT_EQ(failed.status, 502) << failed.body;
  // The error is answered after its settlement: nothing is held once the payer sees it.
  EXPECT_EQ(gw.billing().reservationsHeld(), 0);
  // Nothing was served: the payer retries with the same credential and is served.
  auto retried = postJson(gw.port(), "/v1/chat/completions", chat("paid"), auth);
  EXPECT_EQ(retried.status, 200) << retried.body;
  // Served once: spent.
  auto replay = postJson(gw.port(), "/v1/chat/completions", chat("paid"), auth);
  EXPECT_EQ(replay.status, 401) << replay.body;
  EXPECT_EQ(errorCodeOf(replay), "l402_credential_used");
  EXPECT_EQ(up.requestCount(), 2u);
}

TEST(Payments, ASingleUseCredentialInFlightIsRefusedUntilItsRequestEnds) {
  Gate arrived, release;
  std::atomic<int> calls{0};
  FakeUpstream up([&](const RecordedRequest&, Poco::Net::HTTPServerResponse& res) {
    if (calls++ == 0) {
      arrived.open();
      release.wait();
      FakeUpstream::sendJson(res, 500, R"({"error":{"message":"boom"}})");
    } else {
      FakeUpstream::sendJson(res, 200, chatCompletionJson("paid", "hello"));
    }
  });
  GatewayFixture gw(upstreamConfig(up.baseUrl()));
  auto auth = l402Credential(gw);
  HttpResult first;
  std::thread inFlight([&] { first = postJson(gw.port(), "/v1/chat/completions", chat("paid"), auth); });
  ASSERT_TRUE(arrived.wait());
  // While the first request holds the credential, a second one is not served on it too.
  auto second = postJson(gw.port(), "/v1/chat/completions", chat("paid"), auth);
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(errorCodeOf(second), "l402_credential_in_use");
  release.open();
  inFlight.join();
  EXPECT_EQ(first.status, 502) << first.body;
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("paid"), auth).status, 200);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("paid"), auth).status, 401);
}

TEST(Payments, ClaimsLeftByAGoneProcessAreGivenBackAtStart) {
  FakeUpstream up([&](const RecordedRequest&, Poco::Net::HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 500, R"({"error":{"message":"boom"}})");
  });
  std::string path = temporaryDatabasePath();
  Headers auth;
  {
    GatewayFixture before(upstreamConfig(up.baseUrl()), path);
    auth = l402Credential(before);
    EXPECT_EQ(postJson(before.port(), "/v1/chat/completions", chat("paid"), auth).status, 502);
    // The failure's settlement gives the claim back; then, as a process killed between
    // admission and settlement leaves it.
    ASSERT_TRUE(before.waitSettled());
    EXPECT_EQ(sqlScalar(before.databasePath(), "UPDATE l402_credentials SET claimed_by = 'gw_gone' RETURNING 1"), 1);
    EXPECT_EQ(postJson(before.port(), "/v1/chat/completions", chat("paid"), auth).status, 409);
  }
  up.setHandler([](const RecordedRequest&, Poco::Net::HTTPServerResponse& res) { FakeUpstream::sendJson(res, 200, chatCompletionJson("paid", "hello")); });
  {
    GatewayFixture after(upstreamConfig(up.baseUrl()), path);
    EXPECT_EQ(postJson(after.port(), "/v1/chat/completions", chat("paid"), auth).status, 200);
  }
  removeDatabase(path);
}

}  // namespace
}  // namespace turnpike::test
