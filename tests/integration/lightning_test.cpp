// The lightning payment plugin (dev backend) inside the real gateway: L402 pay-per-request with
// every way a credential can be wrong, spend tokens bought with one invoice, top-ups.
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "gateway_fixture.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;

std::string config(const std::string& l402 = "{}") {
  return R"(
payments:
  - name: lightning
    plugin: lightning
    backend: dev
    l402: )" + l402 + R"(
providers:
  - name: mock
    plugin: mock
    models:
      - id: paid
        price: {input: 1000000, output: 1000000, request: 5000}
        max_output_tokens: 50
        capabilities: [chat, completions]
      - id: paid-embed
        price: {input: 1000000}
        capabilities: [embeddings]
      - id: free
)";
}

const char* kChat = R"({"model":"paid","messages":[{"role":"user","content":"hi"}]})";

struct Challenge {
  std::string macaroon;
  std::string invoice;
  json payment;
};

// What a client does with a 402: read the header Aperture's way.
Challenge challengeOf(const HttpResult& r) {
  EXPECT_EQ(r.status, 402) << r.body;
  Challenge c;
  std::smatch m;
  std::string header = r.headers.count("www-authenticate") ? r.headers.at("www-authenticate") : "";
  EXPECT_TRUE(std::regex_search(header, m, std::regex(R"re((L402|LSAT) macaroon="([^"]+)", invoice="([^"]+)")re")))
      << header;
  if (m.size() == 4) {
    c.macaroon = m[2];
    c.invoice = m[3];
  }
  c.payment = json::parse(r.body)["payment"];
  return c;
}

std::string payInvoice(uint16_t port, const std::string& invoice) {
  auto r = postJson(port, "/dev/lightning/pay", json{{"invoice", invoice}}.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body).value("preimage", "");
}

Headers l402(const std::string& macaroon, const std::string& preimage) {
  return {{"Authorization", "L402 " + macaroon + ":" + preimage}};
}

std::string errorCode(const HttpResult& r) { return json::parse(r.body)["error"].value("code", ""); }

TEST(Lightning, ChallengePayRetryThenReplayIsRefused) {
  GatewayFixture gw(config());
  auto first = postJson(gw.port(), "/v1/chat/completions", kChat);
  auto c = challengeOf(first);
  // Both header forms, for old LSAT clients too.
  auto raw = rawExchange(gw.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                        std::to_string(std::strlen(kChat)) + "\r\nConnection: close\r\n\r\n" + kChat);
  EXPECT_NE(raw.find("WWW-Authenticate: L402 macaroon=\""), std::string::npos) << raw;
  EXPECT_NE(raw.find("WWW-Authenticate: LSAT macaroon=\""), std::string::npos) << raw;
  // The price is the billing quote: 5000 per request + ~16 prompt + 50 output tokens at 1 msat each.
  int64_t quoted = c.payment["amount_msat"];
  EXPECT_GT(quoted, 5000 + 50);
  EXPECT_LT(quoted, 5000 + 50 + 100);
  EXPECT_EQ(c.payment["payment_request"], c.invoice);
  EXPECT_EQ(c.payment["amount_sats"], (quoted + 999) / 1000);
  EXPECT_EQ(c.payment["payment_hash"].get<std::string>().size(), 64u);
  EXPECT_GT(c.payment["expires_at"].get<int64_t>(), std::time(nullptr));
  EXPECT_EQ(errorCode(first), "payment_required");

  // Not paid yet: the credential is refused with 402.
  auto unpaid = postJson(gw.port(), "/v1/chat/completions", kChat, l402(c.macaroon, std::string(64, '0')));
  EXPECT_EQ(unpaid.status, 401) << unpaid.body;

  std::string preimage = payInvoice(gw.port(), c.invoice);
  ASSERT_EQ(preimage.size(), 64u);
  auto served = postJson(gw.port(), "/v1/chat/completions", kChat, l402(c.macaroon, preimage));
  ASSERT_EQ(served.status, 200) << served.body;
  EXPECT_EQ(json::parse(served.body)["choices"][0]["message"]["role"], "assistant");
  auto replay = postJson(gw.port(), "/v1/chat/completions", kChat, l402(c.macaroon, preimage));
  EXPECT_EQ(replay.status, 401);
  EXPECT_EQ(errorCode(replay), "l402_credential_used");
  // Free models never ask.
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", R"({"model":"free","messages":[{"role":"user","content":"x"}]})").status,
            200);
}

int64_t pluginStateRows(GatewayFixture& gw) { return sqlScalar(gw.databasePath(), "SELECT COUNT(*) FROM plugin_state"); }

// The fixed one-minute windows of the rate limiter: start a counting test well inside one.
void awayFromAMinuteBoundary() {
  while (std::time(nullptr) % 60 >= 55) std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

TEST(Lightning, ChallengesCostTheDatabaseNothing) {
  GatewayFixture gw(config());
  challengeOf(postJson(gw.port(), "/v1/chat/completions", kChat));
  int64_t before = pluginStateRows(gw);
  for (int i = 0; i < 20; ++i) challengeOf(postJson(gw.port(), "/v1/chat/completions", kChat));
  EXPECT_EQ(pluginStateRows(gw), before);
  // A paid one still verifies: signature, preimage, and the node saying it settled.
  auto c = challengeOf(postJson(gw.port(), "/v1/chat/completions", kChat));
  auto unpaid = postJson(gw.port(), "/v1/chat/completions", kChat, l402(c.macaroon, std::string(64, '0')));
  EXPECT_EQ(errorCode(unpaid), "l402_preimage_mismatch");
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat, l402(c.macaroon, payInvoice(gw.port(), c.invoice))).status,
            200);
}

std::string limitedConfig(int perClient, int total) {
  return "billing:\n  rate_limits:\n    challenges: {requests_per_minute: " + std::to_string(perClient) +
         ", total_per_minute: " + std::to_string(total) + "}\n" + config();
}

TEST(Lightning, ChallengesAreLimitedPerClient) {
  GatewayFixture gw(limitedConfig(3, 1000));
  awayFromAMinuteBoundary();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat).status, 402);
  auto refused = postJson(gw.port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(errorCode(refused), "rate_limit_exceeded");
  EXPECT_NE(refused.body.find("from this client"), std::string::npos) << refused.body;
  ASSERT_TRUE(refused.headers.count("retry-after"));
  EXPECT_GE(std::stoi(refused.headers["retry-after"]), 1);
  EXPECT_LE(std::stoi(refused.headers["retry-after"]), 60);
  // Callers that pay otherwise are not challenged, so not limited by it.
  auto payer = gw.fundedAccount(1'000'000);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat, {{"Authorization", "Bearer " + payer.apiKey}}).status, 200);
}

TEST(Lightning, ChallengesAreLimitedInTotal) {
  GatewayFixture gw(limitedConfig(1000, 2));
  awayFromAMinuteBoundary();
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat).status, 402);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat, {{"User-Agent", "another client"}}).status, 402);
  auto refused = postJson(gw.port(), "/v1/chat/completions", kChat, {{"User-Agent", "a third client"}});
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_NE(refused.body.find("on this gateway"), std::string::npos) << refused.body;
  EXPECT_TRUE(refused.headers.count("retry-after"));
}

TEST(Lightning, WrongCredentialsAreRefusedAndChangeNothing) {
  GatewayFixture gw(config());
  auto a = challengeOf(postJson(gw.port(), "/v1/chat/completions", kChat));
  auto b = challengeOf(postJson(gw.port(), "/v1/chat/completions", kChat));
  std::string preimageA = payInvoice(gw.port(), a.invoice);
  std::string preimageB = payInvoice(gw.port(), b.invoice);

  auto refused = [&](const Headers& h, const std::string& path = "/v1/chat/completions", const std::string& body = kChat) {
    auto r = postJson(gw.port(), path, body, h);
    EXPECT_EQ(r.status, 401) << r.body;
    return errorCode(r);
  };
  std::string wrong = preimageA;
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(refused(l402(a.macaroon, wrong)), "l402_preimage_mismatch");
  EXPECT_EQ(refused(l402(a.macaroon, preimageB)), "l402_preimage_mismatch");  // another invoice's preimage
  // Uppercase hex is refused, not normalized: a preimage is one exact string (docs/payments.md).
  std::string upper = preimageA;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  ASSERT_NE(upper, preimageA) << "a 32-byte preimage without a letter: rerun";
  EXPECT_EQ(refused(l402(a.macaroon, upper)), "l402_bad_credential");
  // A credential minted for chat is not good for completions (the path caveat).
  EXPECT_EQ(refused(l402(a.macaroon, preimageA), "/v1/completions", R"({"model":"paid","prompt":"hi"})"),
            "l402_wrong_path");
  // A tampered macaroon fails its signature (or no longer parses).
  std::string tampered = a.macaroon;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  auto code = refused(l402(tampered, preimageA));
  EXPECT_TRUE(code == "l402_bad_signature" || code == "l402_bad_credential") << code;
  EXPECT_EQ(refused({{"Authorization", "L402 garbage"}}), "l402_bad_credential");
  // None of that spent the credentials.
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat, l402(a.macaroon, preimageA)).status, 200);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat, l402(b.macaroon, preimageB)).status, 200);
}

TEST(Lightning, ExpiredMacaroonAndRevokedRootKey) {
  GatewayFixture gw(config("{valid_seconds: 1}"));
  auto c = challengeOf(postJson(gw.port(), "/v1/chat/completions", kChat));
  std::string preimage = payInvoice(gw.port(), c.invoice);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto expired = postJson(gw.port(), "/v1/chat/completions", kChat, l402(c.macaroon, preimage));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(errorCode(expired), "l402_expired");

  auto d = challengeOf(postJson(gw.port(), "/v1/chat/completions", kChat));
  std::string preimageD = payInvoice(gw.port(), d.invoice);
  // The operator revokes every token: the secret their root keys derive from (a plugin state
  // row in the gateway's database).
  EXPECT_EQ(sqlScalar(gw.databasePath(), "DELETE FROM plugin_state WHERE key = 'l402:root_secret' RETURNING 1"), 1);
  auto revoked = postJson(gw.port(), "/v1/chat/completions", kChat, l402(d.macaroon, preimageD));
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(errorCode(revoked), "l402_revoked");
}

TEST(Lightning, ConcurrentRetriesWithOneCredentialServeExactlyOnce) {
  GatewayFixture gw(config());
  auto c = challengeOf(postJson(gw.port(), "/v1/chat/completions", kChat));
  std::string preimage = payInvoice(gw.port(), c.invoice);
  std::atomic<int> ok{0}, used{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto r = postJson(gw.port(), "/v1/chat/completions", kChat, l402(c.macaroon, preimage));
      if (r.status == 200) ++ok;
      // Spent, or still paying for the request that was admitted first.
      if ((r.status == 401 && errorCode(r) == "l402_credential_used") ||
          (r.status == 409 && errorCode(r) == "l402_credential_in_use"))
        ++used;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(used.load(), 7);
}

TEST(Lightning, StreamsCompletionsAndEmbeddingsArePaidTheSameWay) {
  GatewayFixture gw(config());
  auto paidCall = [&](const std::string& path, const std::string& body) {
    auto c = challengeOf(postJson(gw.port(), path, body));
    std::string preimage = payInvoice(gw.port(), c.invoice);
    auto headers = l402(c.macaroon, preimage);
    headers.push_back({"X-Turnpike-Usage-Event", "1"});
    return postJson(gw.port(), path, body, headers);
  };
  auto stream = paidCall("/v1/chat/completions", R"({"model":"paid","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(stream.status, 200);
  EXPECT_NE(stream.body.find("data: [DONE]"), std::string::npos);
  EXPECT_NE(stream.body.find("event: payg-usage"), std::string::npos) << "the credential's account is charged";
  EXPECT_EQ(paidCall("/v1/completions", R"({"model":"paid","prompt":"hi"})").status, 200);
  auto embed = paidCall("/v1/embeddings", R"({"model":"paid-embed","input":"hello"})");
  EXPECT_EQ(embed.status, 200) << embed.body;
  EXPECT_EQ(json::parse(embed.body)["object"], "list");
}

TEST(Lightning, UntilExpiryCredentialsSpendWhatWasPaid) {
  GatewayFixture gw(config("{reuse: until_expiry}"));
  auto c = challengeOf(postJson(gw.port(), "/v1/chat/completions", kChat));
  std::string preimage = payInvoice(gw.port(), c.invoice);
  // The invoice paid one request's maximum; the request costs less, the change stays on the credential.
  auto r1 = postJson(gw.port(), "/v1/chat/completions", kChat, l402(c.macaroon, preimage));
  ASSERT_EQ(r1.status, 200) << r1.body;
  int64_t cost = json::parse(r1.body)["usage"]["cost"];
  EXPECT_LT(cost, c.payment["amount_msat"].get<int64_t>());
  auto r2 = postJson(gw.port(), "/v1/chat/completions", kChat, l402(c.macaroon, preimage));
  EXPECT_EQ(r2.status, 402) << "what is left cannot cover another maximum: " << r2.body;
  EXPECT_EQ(errorCode(r2), "insufficient_balance");
}

TEST(Lightning, SpendTokenBoughtWithOneInvoice) {
  GatewayFixture gw(config());
  auto r = postJson(gw.port(), "/v1/topup", R"({"amount_sats":500,"duration_hours":1})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto charge = json::parse(r.body);
  std::string chargeId = charge["charge_id"];
  std::string topupId = charge["topup_id"];
  EXPECT_NE(chargeId, topupId);
  EXPECT_EQ(charge["amount_sats"], 500);
  EXPECT_EQ(charge["payment_request"].get<std::string>().rfind("lnbcrt5u", 0), 0u) << charge["payment_request"];
  EXPECT_EQ(postJson(gw.port(), "/v1/tokens", json{{"charge_id", chargeId}}.dump()).status, 402);
  payInvoice(gw.port(), charge["payment_request"]);
  // The dev node settles at once; the watcher (or a status read) records it.
  HttpResult claimed;
  for (int i = 0; i < 50; ++i) {
    httpRequest(gw.port(), "GET", "/v1/topup/" + topupId);
    // The public top-up id never claims the token, paid or not.
    EXPECT_EQ(postJson(gw.port(), "/v1/tokens", json{{"charge_id", topupId}}.dump()).status, 404);
    claimed = postJson(gw.port(), "/v1/tokens", json{{"charge_id", chargeId}}.dump());
    if (claimed.status != 402) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(claimed.status, 201) << claimed.body;
  auto token = json::parse(claimed.body);
  EXPECT_EQ(token["balance_sats"], 500);
  EXPECT_EQ(postJson(gw.port(), "/v1/tokens", json{{"charge_id", chargeId}}.dump()).status, 409);
  std::string spend = token["token"];
  ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat, {{"X-Spend-Token", spend}}).status, 200);
  auto balance = json::parse(httpRequest(gw.port(), "GET", "/v1/balance", "", {{"X-Spend-Token", spend}}).body);
  EXPECT_LT(balance["balance_msat"].get<int64_t>(), 500'000);
  EXPECT_EQ(balance["status"], "active");
  // Outside the limits: 400.
  EXPECT_EQ(postJson(gw.port(), "/v1/topup", R"({"amount_sats":1})").status, 400);
  EXPECT_EQ(postJson(gw.port(), "/v1/topup", R"({"amount_sats":100000000})").status, 400);
}

// LightningProx's flow as its clients run it: create, pay, claim at once. The claim asks the node
// itself rather than waiting for the invoice watcher's first look (a second later).
TEST(Lightning, PayThenClaimAtOnce) {
  GatewayFixture gw(config());
  auto charge = json::parse(postJson(gw.port(), "/v1/topup", R"({"amount_sats":300})").body);
  payInvoice(gw.port(), charge["payment_request"]);
  auto claimed = postJson(gw.port(), "/v1/tokens", json{{"charge_id", charge["charge_id"]}}.dump());
  ASSERT_EQ(claimed.status, 201) << claimed.body;
  EXPECT_EQ(json::parse(claimed.body)["balance_sats"], 300);

  auto other = json::parse(postJson(gw.port(), "/v1/topup", R"({"amount_sats":200})").body);
  payInvoice(gw.port(), other["payment_request"]);
  auto status = json::parse(httpRequest(gw.port(), "GET", "/v1/topup/" + other["topup_id"].get<std::string>()).body);
  EXPECT_EQ(status["status"], "paid") << status;
}

TEST(Lightning, AuthenticatedTopUpCreditsTheCallerOnce) {
  GatewayFixture gw(config());
  auto payer = gw.fundedAccount(0);
  auto r = postJson(gw.port(), "/v1/topup/lightning", R"({"amount":1000,"currency":"SATS"})",
                    {{"Authorization", "Bearer " + payer.apiKey}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto topup = json::parse(r.body);
  std::string invoice = topup["payment_request"];
  payInvoice(gw.port(), invoice);
  EXPECT_TRUE(json::parse(postJson(gw.port(), "/dev/lightning/pay", json{{"invoice", invoice}}.dump()).body)["already_paid"]);
  std::string status;
  for (int i = 0; i < 50 && status != "paid"; ++i) {
    status = json::parse(httpRequest(gw.port(), "GET", "/v1/topup/" + topup["topup_id"].get<std::string>()).body)["status"];
    if (status != "paid") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, "paid");
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 1'000'000);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 1'000'000);
  auto caps = json::parse(httpRequest(gw.port(), "GET", "/api/capabilities").body);
  EXPECT_EQ(caps["payments"]["l402"]["method"], "lightning");
}

}  // namespace
}  // namespace turnpike::test
