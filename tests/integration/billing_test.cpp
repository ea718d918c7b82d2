// Accounts, keys, wallets and the ledger through the real server, the real SQLite store and the
// real mock/openai_compat plugins.
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>

#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;
using Poco::Net::HTTPServerResponse;

// The test configuration, with `billingExtra` lines added to its billing section.
std::string configWith(const std::string& billingExtra) {
  return R"(
server:
  admin_token: admin-secret-0123456789abcdef0123
billing:
  signup_credit: 0
)" + billingExtra + R"(
providers:
  - name: mock
    plugin: mock
    models:
      - id: per-request
        price: {request: 1000}
        max_output_tokens: 50
      - id: per-token
        price: {input: 1000000, output: 2000000}
        max_output_tokens: 50
      - id: free
        price: {input: 0, output: 0}
)";
}

const std::string kConfig = configWith("");
const std::string kAdminToken = "admin-secret-0123456789abcdef0123";

Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

std::string chat(const std::string& model, bool stream = false, const std::string& extra = "") {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hello there"}])" +
         (stream ? R"(,"stream":true)" : "") + extra + "}";
}

json me(uint16_t port, const std::string& key) {
  auto r = httpRequest(port, "GET", "/v1/me", "", bearer(key));
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body);
}

TEST(Billing, PaidModelsNeedAValidKey) {
  GatewayFixture gw(kConfig);
  auto r = postJson(gw.port(), "/v1/chat/completions", chat("per-request"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "missing_api_key");
  r = postJson(gw.port(), "/v1/chat/completions", chat("per-request"), bearer("sk-tp-not-a-key"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "invalid_api_key");
  // Free models are served anonymously, but a bad key is refused there too.
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("free")).status, 200);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("free"), bearer("sk-tp-not-a-key")).status, 401);
  auto payer = gw.fundedAccount(5000);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("per-request"), bearer(payer.apiKey)).status, 200);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("per-request"), {{"X-Spend-Token", payer.apiKey}}).status, 200);
}

TEST(Billing, ChargesExactlyWithLedgerAndUsageRows) {
  GatewayFixture gw(kConfig);
  auto payer = gw.fundedAccount(100'000);
  auto r = postJson(gw.port(), "/v1/chat/completions", chat("per-token"), bearer(payer.apiKey));
  ASSERT_EQ(r.status, 200) << r.body;
  auto usage = json::parse(r.body)["usage"];
  int64_t expected = usage["prompt_tokens"].get<int64_t>() * 1 + usage["completion_tokens"].get<int64_t>() * 2;
  EXPECT_GT(expected, 0);
  EXPECT_EQ(usage["cost"], expected);
  auto account = me(gw.port(), payer.apiKey);
  EXPECT_EQ(account["balance"], 100'000 - expected);
  EXPECT_EQ(account["reserved"], 0);
  EXPECT_EQ(account["key"]["spent_this_period"], expected);
  EXPECT_EQ(account["unit"], "msat");

  auto ledger = json::parse(httpRequest(gw.port(), "GET", "/v1/credits/ledger", "", bearer(payer.apiKey)).body);
  ASSERT_EQ(ledger["data"].size(), 2u);
  EXPECT_EQ(ledger["data"][0]["kind"], "usage");  // newest first
  EXPECT_EQ(ledger["data"][0]["amount"], -expected);
  EXPECT_EQ(ledger["data"][0]["balance_after"], 100'000 - expected);
  EXPECT_EQ(ledger["data"][1]["kind"], "credit");

  auto history = json::parse(httpRequest(gw.port(), "GET", "/v1/usage/history", "", bearer(payer.apiKey)).body);
  ASSERT_EQ(history["data"].size(), 1u);
  EXPECT_EQ(history["data"][0]["cost"], expected);
  EXPECT_EQ(history["data"][0]["model"], "per-token");
  EXPECT_EQ(history["data"][0]["status"], 200);
  EXPECT_EQ(r.headers["x-request-id"], history["data"][0]["request_id"]);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), account["balance"].get<int64_t>());
}

TEST(Billing, StreamsCarryTheCostAndAPaygUsageEventAfterDoneWhenAsked) {
  GatewayFixture gw(kConfig);
  auto payer = gw.fundedAccount(100'000);
  std::string body = chat("per-token", true, R"(,"stream_options":{"include_usage":true})");
  std::string raw = rawExchange(gw.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + payer.apiKey +
                                                "\r\nX-Turnpike-Usage-Event: 1\r\nContent-Length: " + std::to_string(body.size()) +
                                                "\r\nConnection: close\r\n\r\n" + body);
  size_t done = raw.find("data: [DONE]");
  size_t event = raw.find("event: payg-usage\ndata: ");
  ASSERT_NE(done, std::string::npos) << raw;
  ASSERT_NE(event, std::string::npos) << raw;
  EXPECT_LT(done, event);
  auto eventData = json::parse(raw.substr(event + 24, raw.find('\n', event + 24) - event - 24));
  int64_t cost = eventData["cost"];
  EXPECT_GT(cost, 0);
  EXPECT_EQ(eventData["balance"], 100'000 - cost);
  // The usage chunk the client asked for carries the same cost.
  EXPECT_NE(raw.find("\"usage\":{\"cost\":" + std::to_string(cost) + ","), std::string::npos) << raw;
  EXPECT_EQ(me(gw.port(), payer.apiKey)["balance"], 100'000 - cost);
}

TEST(Billing, UsageEventIsLeftOutUnlessAsked) {
  GatewayFixture gw(kConfig);
  auto payer = gw.fundedAccount(100'000);
  std::string body = chat("per-token", true, R"(,"stream_options":{"include_usage":true})");
  std::string raw = rawExchange(gw.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + payer.apiKey +
                                                "\r\nContent-Length: " + std::to_string(body.size()) +
                                                "\r\nConnection: close\r\n\r\n" + body);
  ASSERT_NE(raw.find("data: [DONE]"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("payg-usage"), std::string::npos) << raw;
  // Still charged, and the usage chunk still says how much.
  size_t at = raw.find("\"usage\":{\"cost\":");
  ASSERT_NE(at, std::string::npos) << raw;
  int64_t cost = std::stoll(raw.substr(at + 16));
  EXPECT_GT(cost, 0);
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_EQ(me(gw.port(), payer.apiKey)["balance"], 100'000 - cost);
}

TEST(Billing, InsufficientBalanceIs402AndChangesNothing) {
  GatewayFixture gw(kConfig);
  auto payer = gw.fundedAccount(999);
  auto r = postJson(gw.port(), "/v1/chat/completions", chat("per-request"), bearer(payer.apiKey));
  EXPECT_EQ(r.status, 402);
  auto error = json::parse(r.body)["error"];
  EXPECT_EQ(error["code"], "insufficient_balance");
  EXPECT_EQ(error["type"], "payment_required");
  auto account = me(gw.port(), payer.apiKey);
  EXPECT_EQ(account["balance"], 999);
  EXPECT_EQ(account["reserved"], 0);
  EXPECT_EQ(gw.billing().reservationsHeld(), 0);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 999);
}

TEST(Billing, ConcurrentRequestsNeverOverdrawAWallet) {
  GatewayFixture gw(kConfig);
  auto payer = gw.fundedAccount(5000);  // affords exactly 5 requests at 1000
  constexpr int kRequests = 24;
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      auto r = postJson(gw.port(), "/v1/chat/completions", chat("per-request", i % 2 == 1), bearer(payer.apiKey));
      (r.status == 200 ? ok : r.status == 402 ? refused : other)++;
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(refused.load(), kRequests - 5);
  EXPECT_EQ(other.load(), 0);
  auto account = me(gw.port(), payer.apiKey);
  EXPECT_EQ(account["balance"], 0);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 0);  // 5000 credit - 5 x 1000
}

TEST(Billing, KeyUsageLimitStopsItExactlyAtTheLimit) {
  GatewayFixture gw(kConfig);
  auto owner = gw.fundedAccount(100'000);
  auto created = postJson(gw.port(), "/v1/keys", R"({"name":"capped","usage_limit":3000,"reset_period":"daily"})",
                          bearer(owner.apiKey));
  ASSERT_EQ(created.status, 201) << created.body;
  auto key = json::parse(created.body);
  std::string capped = key["api_key"];
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("per-request"), bearer(capped)).status, 200);
  auto r = postJson(gw.port(), "/v1/chat/completions", chat("per-request"), bearer(capped));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "key_usage_limit_exceeded");
  auto info = json::parse(httpRequest(gw.port(), "GET", "/v1/keys/" + key["id"].get<std::string>(), "", bearer(owner.apiKey)).body);
  EXPECT_EQ(info["spent_this_period"], 3000);
  EXPECT_EQ(info["usage_limit"], 3000);
  // The account is not the limit: the owner's own key still works.
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("per-request"), bearer(owner.apiKey)).status, 200);
  // Raising the limit lets the key spend again.
  auto patched = httpRequest(gw.port(), "PATCH", "/v1/keys/" + key["id"].get<std::string>(), R"({"usage_limit":4000})",
                             bearer(owner.apiKey));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("per-request"), bearer(capped)).status, 200);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("per-request"), bearer(capped)).status, 403);
}

TEST(Billing, RevokedAndExpiredKeysAreRefused) {
  GatewayFixture gw(kConfig);
  auto owner = gw.fundedAccount(100'000);
  auto second = json::parse(postJson(gw.port(), "/v1/keys", R"({"name":"second"})", bearer(owner.apiKey)).body);
  std::string secondKey = second["api_key"];
  ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("free"), bearer(secondKey)).status, 200);
  auto del = httpRequest(gw.port(), "DELETE", "/v1/keys/" + second["id"].get<std::string>(), "", bearer(owner.apiKey));
  ASSERT_EQ(del.status, 200);
  // Revocation takes effect on the very next request.
  auto r = postJson(gw.port(), "/v1/chat/completions", chat("free"), bearer(secondKey));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "api_key_revoked");
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/me", "", bearer(secondKey)).status, 401);

  auto expired = json::parse(
      postJson(gw.port(), "/v1/keys", R"({"name":"old","expire_at":"2020-01-01T00:00:00Z"})", bearer(owner.apiKey)).body);
  r = postJson(gw.port(), "/v1/chat/completions", chat("per-request"), bearer(expired["api_key"]));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "api_key_expired");
  EXPECT_EQ(expired["expire_at"], 1577836800);
}

TEST(Billing, KeysApiShowsSecretsOnceAndRefusesEscalation) {
  GatewayFixture gw(kConfig);
  auto owner = gw.fundedAccount(0);
  auto limited = json::parse(
      postJson(gw.port(), "/v1/keys", R"({"name":"inference only","scopes":["inference"]})", bearer(owner.apiKey)).body);
  EXPECT_EQ(limited["scopes"], json::array({"inference"}));
  std::string secret = limited["api_key"];
  EXPECT_EQ(limited["prefix"], secret.substr(0, 14));
  auto list = json::parse(httpRequest(gw.port(), "GET", "/v1/keys", "", bearer(owner.apiKey)).body);
  ASSERT_EQ(list["data"].size(), 2u);
  for (const auto& k : list["data"]) {
    EXPECT_FALSE(k.contains("api_key"));
    EXPECT_EQ(list.dump().find(secret), std::string::npos);
  }
  // A key without the keys/account scopes cannot manage keys or read the account.
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/keys", "", bearer(secret)).status, 403);
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/me", "", bearer(secret)).status, 403);
  auto bad = postJson(gw.port(), "/v1/keys", R"({"usage_limit":-5})", bearer(owner.apiKey));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["error"]["param"], "usage_limit");
  EXPECT_EQ(postJson(gw.port(), "/v1/keys", R"({"reset_period":"hourly"})", bearer(owner.apiKey)).status, 400);
  // A failed PATCH changes nothing.
  std::string id = limited["id"];
  EXPECT_EQ(httpRequest(gw.port(), "PATCH", "/v1/keys/" + id, R"({"name":"x","scopes":["root"]})", bearer(owner.apiKey)).status, 400);
  EXPECT_EQ(json::parse(httpRequest(gw.port(), "GET", "/v1/keys/" + id, "", bearer(owner.apiKey)).body)["name"], "inference only");
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/keys/key_nope", "", bearer(owner.apiKey)).status, 404);
  // Another account's key is not visible.
  auto stranger = gw.fundedAccount(0);
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/keys/" + id, "", bearer(stranger.apiKey)).status, 404);
  EXPECT_EQ(httpRequest(gw.port(), "DELETE", "/v1/keys/" + id, "", bearer(stranger.apiKey)).status, 404);
}

// A key's own bounds hold against whoever holds it (see billing/key_rules.hpp).
class KeyBounds : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = gw_.fundedAccount(100'000);
    auto created = postJson(gw_.port(), "/v1/keys",
                            R"({"name":"capped","scopes":["inference","keys"],"usage_limit":3000,"reset_period":"daily",)"
                            R"("expire_at":)" + std::to_string(expireAt_) + "}",
                            bearer(owner_.apiKey));
    ASSERT_EQ(created.status, 201) << created.body;
    capped_ = json::parse(created.body);
  }
  std::string cappedKey() const { return capped_["api_key"]; }
  std::string cappedId() const { return capped_["id"]; }
  json keyInfo(const std::string& id) {
    return json::parse(httpRequest(gw_.port(), "GET", "/v1/keys/" + id, "", bearer(owner_.apiKey)).body);
  }
  // The answer to `method path body` with the capped key: its status, error code and param.
  std::tuple<int, std::string, std::string> asCapped(const std::string& method, const std::string& path,
                                                     const std::string& body = "") {
    auto r = httpRequest(gw_.port(), method, path, body, bearer(cappedKey()));
    if (r.status < 400) return {r.status, "", ""};
    auto e = json::parse(r.body)["error"];
    return {r.status, e["code"].get<std::string>(), e["param"].is_null() ? "" : e["param"].get<std::string>()};
  }

  GatewayFixture gw_{kConfig};
  GatewayFixture::Funded owner_;
  int64_t expireAt_ = static_cast<int64_t>(std::time(nullptr)) + 3600;
  json capped_;
};

TEST_F(KeyBounds, NewKeysGetInferenceOnlyAndTheCreatorsExpiryUnlessAsked) {
  auto plain = json::parse(postJson(gw_.port(), "/v1/keys", R"({"name":"plain"})", bearer(owner_.apiKey)).body);
  EXPECT_EQ(plain["scopes"], json::array({"inference"}));
  EXPECT_TRUE(plain["expire_at"].is_null());
  EXPECT_EQ(httpRequest(gw_.port(), "GET", "/v1/keys", "", bearer(plain["api_key"])).status, 403);
  auto child = postJson(gw_.port(), "/v1/keys", R"({"name":"child","usage_limit":1000})", bearer(cappedKey()));
  ASSERT_EQ(child.status, 201) << child.body;
  auto c = json::parse(child.body);
  EXPECT_EQ(c["scopes"], json::array({"inference"}));
  EXPECT_EQ(c["expire_at"], expireAt_);
  EXPECT_EQ(c["usage_limit"], 1000);
  // What the child may spend came out of the creator's own limit: together they spend 3000 a day.
  EXPECT_EQ(keyInfo(cappedId())["usage_limit"], 2000);
}

TEST_F(KeyBounds, ACappedKeySpendsNoMoreThroughKeysItCreates) {
  auto child = json::parse(postJson(gw_.port(), "/v1/keys", R"({"usage_limit":2000,"reset_period":"daily"})",
                                    bearer(cappedKey())).body);
  std::string childKey = child["api_key"];
  int served = 0;
  for (int i = 0; i < 6; ++i) {
    served += postJson(gw_.port(), "/v1/chat/completions", chat("per-request"), bearer(cappedKey())).status == 200;
    served += postJson(gw_.port(), "/v1/chat/completions", chat("per-request"), bearer(childKey)).status == 200;
  }
  EXPECT_EQ(served, 3);  // 3 x 1000 of 3000, however it is split
  ASSERT_TRUE(gw_.waitSettled());
  EXPECT_EQ(me(gw_.port(), owner_.apiKey)["balance"], 100'000 - 3000);
  // With its own 1000 spent, the capped key has nothing left to grant.
  auto more = postJson(gw_.port(), "/v1/keys", R"({"usage_limit":1})", bearer(cappedKey()));
  EXPECT_EQ(more.status, 403);
  EXPECT_EQ(json::parse(more.body)["error"]["code"], "exceeds_calling_key");
}

TEST_F(KeyBounds, EveryLooseningIsRefusedAndChangesNothing) {
  auto sibling = json::parse(postJson(gw_.port(), "/v1/keys", R"({"name":"sibling","usage_limit":10,"expire_at":)" +
                                                                  std::to_string(expireAt_ - 60) + "}",
                                      bearer(owner_.apiKey)).body);
  std::string ownerId = owner_.keyId, siblingId = sibling["id"], self = "/v1/keys/" + cappedId();
  auto before = json::parse(httpRequest(gw_.port(), "GET", "/v1/keys", "", bearer(owner_.apiKey)).body);
  using Answer = std::tuple<int, std::string, std::string>;
  auto refused = [](const char* code, const char* param) { return Answer{403, code, param}; };
  EXPECT_EQ(asCapped("PATCH", self, R"({"usage_limit":null})"), refused("exceeds_calling_key", "usage_limit"));
  EXPECT_EQ(asCapped("PATCH", self, R"({"usage_limit":3001})"), refused("exceeds_calling_key", "usage_limit"));
  EXPECT_EQ(asCapped("PATCH", self, R"({"reset_period":"weekly"})"), refused("exceeds_calling_key", "reset_period"));
  EXPECT_EQ(asCapped("PATCH", self, R"({"expire_at":null})"), refused("exceeds_calling_key", "expire_at"));
  EXPECT_EQ(asCapped("PATCH", self, R"({"expire_at":)" + std::to_string(expireAt_ + 1) + "}"),
            refused("exceeds_calling_key", "expire_at"));
  EXPECT_EQ(asCapped("PATCH", self, R"({"scopes":["inference","keys","account"]})"), refused("insufficient_scope", "scopes"));
  EXPECT_EQ(asCapped("POST", "/v1/keys", "{}"), refused("exceeds_calling_key", "usage_limit"));
  EXPECT_EQ(asCapped("POST", "/v1/keys", R"({"usage_limit":3001})"), refused("exceeds_calling_key", "usage_limit"));
  EXPECT_EQ(asCapped("POST", "/v1/keys", R"({"usage_limit":5,"reset_period":"monthly"})"),
            refused("exceeds_calling_key", "reset_period"));
  EXPECT_EQ(asCapped("POST", "/v1/keys", R"({"usage_limit":5,"expire_at":null})"), refused("exceeds_calling_key", "expire_at"));
  EXPECT_EQ(asCapped("POST", "/v1/keys", R"({"usage_limit":5,"scopes":["account"]})"), refused("insufficient_scope", "scopes"));
  EXPECT_EQ(asCapped("PATCH", "/v1/keys/" + siblingId, R"({"usage_limit":null})"), refused("exceeds_calling_key", "usage_limit"));
  EXPECT_EQ(asCapped("PATCH", "/v1/keys/" + siblingId, R"({"expire_at":null})"), refused("exceeds_calling_key", "expire_at"));
  EXPECT_EQ(asCapped("PATCH", "/v1/keys/" + ownerId, R"({"scopes":["inference"]})"), refused("key_outranks_caller", "id"));
  EXPECT_EQ(asCapped("PATCH", "/v1/keys/" + ownerId, R"({"name":"mine now"})"), refused("key_outranks_caller", "id"));
  EXPECT_EQ(asCapped("DELETE", "/v1/keys/" + ownerId), refused("key_outranks_caller", "id"));
  auto after = json::parse(httpRequest(gw_.port(), "GET", "/v1/keys", "", bearer(owner_.apiKey)).body);
  EXPECT_EQ(after, before);

  // Within its bounds it manages keys: tightens itself, pays for a raise, revokes what it reaches.
  EXPECT_EQ(asCapped("PATCH", self, R"({"usage_limit":2500,"name":"tighter"})"), (Answer{200, "", ""}));
  EXPECT_EQ(asCapped("PATCH", "/v1/keys/" + siblingId, R"({"usage_limit":510})"), (Answer{200, "", ""}));
  EXPECT_EQ(keyInfo(cappedId())["usage_limit"], 2000);
  EXPECT_EQ(keyInfo(siblingId)["usage_limit"], 510);
  EXPECT_EQ(asCapped("DELETE", "/v1/keys/" + siblingId), (Answer{200, "", ""}));
  EXPECT_EQ(keyInfo(siblingId)["revoked"], true);
  // The owner's key is as it was, and still lifts the capped key's limit.
  EXPECT_EQ(keyInfo(ownerId), before["data"][0]);
  EXPECT_EQ(httpRequest(gw_.port(), "PATCH", self, R"({"usage_limit":null})", bearer(owner_.apiKey)).status, 200);
}

TEST(Billing, UpstreamFailureRefundsEverything) {
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 500, R"({"error":{"message":"boom"}})");
  });
  GatewayFixture gw(expand(R"(
providers:
  - name: up
    plugin: openai_compat
    base_url: {{url}}
    models:
      - id: paid
        price: {request: 700, input: 1000000}
)", "url", up.baseUrl()));
  auto payer = gw.fundedAccount(10'000);
  auto r = postJson(gw.port(), "/v1/chat/completions", chat("paid"), bearer(payer.apiKey));
  EXPECT_EQ(r.status, 502);
  ASSERT_TRUE(gw.waitSettled());
  auto account = me(gw.port(), payer.apiKey);
  EXPECT_EQ(account["balance"], 10'000);
  EXPECT_EQ(account["reserved"], 0);
  auto history = json::parse(httpRequest(gw.port(), "GET", "/v1/usage/history", "", bearer(payer.apiKey)).body);
  ASSERT_EQ(history["data"].size(), 1u);
  EXPECT_EQ(history["data"][0]["status"], 502);
  EXPECT_EQ(history["data"][0]["cost"], 0);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 10'000);
}

TEST(Billing, DisconnectMidStreamIsChargedForWhatWasDelivered) {
  Gate firstRead;
  std::atomic<bool> upstreamDone{false};
  FakeUpstream up(slowTokenStream(firstRead, &upstreamDone));
  GatewayFixture gw(openAiUpstreamYaml(up.baseUrl(), "{output: 4000000}", 1000));
  auto payer = gw.fundedAccount(100'000);
  {
    SseClient s(gw.port(), "/v1/chat/completions", chat("paid", true), bearer(payer.apiKey));
    ASSERT_EQ(s.status(), 200);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.next());
    s.abort();
    firstRead.open();
  }
  ASSERT_TRUE(gw.waitSettled());
  int64_t charged = 100'000 - me(gw.port(), payer.apiKey)["balance"].get<int64_t>();
  // At least the 3 tokens read, at most what the relay could have written before noticing:
  // far below the 200 tokens (800) of the whole stream and its 4000 reservation.
  EXPECT_GE(charged, 3 * 4);
  EXPECT_LE(charged, 40 * 4);
  auto history = json::parse(httpRequest(gw.port(), "GET", "/v1/usage/history", "", bearer(payer.apiKey)).body);
  EXPECT_EQ(history["data"][0]["status"], 499);
  EXPECT_EQ(history["data"][0]["cost"], charged);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 100'000 - charged);
}

TEST(Billing, RateLimitsAnswer429WithHeaders) {
  GatewayFixture gw(configWith(R"(
  rate_limits:
    keys: {requests_per_minute: 2}
    anonymous: {requests_per_minute: 1}
)"));
  auto payer = gw.fundedAccount(100'000);
  auto first = postJson(gw.port(), "/v1/chat/completions", chat("free"), bearer(payer.apiKey));
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.headers["x-ratelimit-limit"], "2");
  EXPECT_EQ(first.headers["x-ratelimit-remaining"], "1");
  EXPECT_FALSE(first.headers["x-ratelimit-reset"].empty());
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("free"), bearer(payer.apiKey)).headers["x-ratelimit-remaining"], "0");
  auto third = postJson(gw.port(), "/v1/chat/completions", chat("free"), bearer(payer.apiKey));
  EXPECT_EQ(third.status, 429);
  EXPECT_EQ(json::parse(third.body)["error"]["type"], "rate_limit_error");
  EXPECT_GT(std::stoi(third.headers["retry-after"]), 0);
  // Anonymous callers are limited per client address: a new X-Client-ID or User-Agent is no way out.
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("free"), {{"X-Client-ID", "a"}}).status, 200);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("free"), {{"X-Client-ID", "a"}}).status, 429);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("free"), {{"X-Client-ID", "b"}}).status, 429);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("free"), {{"User-Agent", "other/2"}}).status, 429);
}

TEST(Billing, LedgerAndUsageHistoryPaginate) {
  GatewayFixture gw(kConfig);
  auto payer = gw.fundedAccount(100'000);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("per-request"), bearer(payer.apiKey)).status, 200);
  ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("per-token"), bearer(payer.apiKey)).status, 200);
  auto page1 = json::parse(httpRequest(gw.port(), "GET", "/v1/credits/ledger?limit=3", "", bearer(payer.apiKey)).body);
  ASSERT_EQ(page1["data"].size(), 3u);
  EXPECT_TRUE(page1["has_more"]);
  auto page2 = json::parse(httpRequest(gw.port(), "GET", "/v1/credits/ledger?limit=3&cursor=" + page1["next_cursor"].get<std::string>(),
                                       "", bearer(payer.apiKey)).body);
  ASSERT_EQ(page2["data"].size(), 2u);
  EXPECT_FALSE(page2["has_more"]);
  EXPECT_EQ(page2["data"][1]["kind"], "credit");
  EXPECT_LT(page2["data"][0]["id"].get<int64_t>(), page1["data"][2]["id"].get<int64_t>());

  auto hist = json::parse(httpRequest(gw.port(), "GET", "/v1/usage/history?page_count=2&page=2", "", bearer(payer.apiKey)).body);
  EXPECT_EQ(hist["pagination"]["total"], 4);
  EXPECT_EQ(hist["pagination"]["total_pages"], 2);
  EXPECT_EQ(hist["data"].size(), 2u);
  auto byModel = json::parse(httpRequest(gw.port(), "GET", "/v1/usage/history?model=per-token", "", bearer(payer.apiKey)).body);
  EXPECT_EQ(byModel["pagination"]["total"], 1);
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/usage/history?page_count=101", "", bearer(payer.apiKey)).status, 400);
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/usage/history?start_date=yesterday", "", bearer(payer.apiKey)).status, 400);
  auto future = json::parse(httpRequest(gw.port(), "GET", "/v1/usage/history?start_date=2099-01-01&end_date=2099-01-02", "",
                                        bearer(payer.apiKey)).body);
  EXPECT_EQ(future["pagination"]["total"], 0);
  // Scoped to the calling key unless all_keys=true.
  auto other = json::parse(
      postJson(gw.port(), "/v1/keys", R"({"name":"other","scopes":["inference","account"]})", bearer(payer.apiKey)).body);
  ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("per-request"), bearer(other["api_key"])).status, 200);
  auto mine = json::parse(httpRequest(gw.port(), "GET", "/v1/usage/history", "", bearer(other["api_key"])).body);
  EXPECT_EQ(mine["pagination"]["total"], 1);
  auto all = json::parse(httpRequest(gw.port(), "GET", "/v1/usage/history?all_keys=true", "", bearer(other["api_key"])).body);
  EXPECT_EQ(all["pagination"]["total"], 5);
}

TEST(Billing, AdminApiCreditsExactlyOnce) {
  GatewayFixture gw(kConfig);
  EXPECT_EQ(postJson(gw.port(), "/admin/accounts", R"({"name":"x"})", bearer("wrong")).status, 401);
  auto created = postJson(gw.port(), "/admin/accounts", R"({"name":"acme","credit":2500})", bearer(kAdminToken));
  ASSERT_EQ(created.status, 201) << created.body;
  auto account = json::parse(created.body);
  std::string id = account["account_id"];
  EXPECT_EQ(me(gw.port(), account["api_key"])["balance"], 2500);

  // The same external credit delivered many times at once is applied once.
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = postJson(gw.port(), "/admin/accounts/" + id + "/credit",
                        R"({"amount":1000,"reason":"invoice 7","idempotency_key":"inv-7"})", bearer(kAdminToken));
      if (r.status == 200 && json::parse(r.body)["applied"] == true) ++applied;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied.load(), 1);
  auto info = json::parse(httpRequest(gw.port(), "GET", "/admin/accounts/" + id, "", bearer(kAdminToken)).body);
  EXPECT_EQ(info["balance"], 3500);
  EXPECT_EQ(info["keys"].size(), 1u);
  EXPECT_EQ(gw.billing().ledgerSum(id), 3500);
  // An adjustment cannot take the balance below zero.
  EXPECT_EQ(postJson(gw.port(), "/admin/accounts/" + id + "/credit", R"({"amount":-5000})", bearer(kAdminToken)).status, 409);
  EXPECT_EQ(postJson(gw.port(), "/admin/accounts/acct_nope/credit", R"({"amount":5})", bearer(kAdminToken)).status, 404);
}

TEST(Billing, AdminApiIsOffWithoutAToken) {
  GatewayFixture gw(R"(
providers:
  - {name: mock, plugin: mock, models: [free]}
)");
  EXPECT_EQ(postJson(gw.port(), "/admin/accounts", R"({"name":"x"})", bearer("")).status, 404);
}

TEST(Billing, SignupIsLimitedPerClientAddress) {
  GatewayFixture gw(configWith("  signup_per_hour: 2\n"));
  EXPECT_EQ(postJson(gw.port(), "/v1/accounts", "").status, 201);
  EXPECT_EQ(postJson(gw.port(), "/v1/accounts", "", {{"X-Client-ID", "fresh"}, {"User-Agent", "other/1"}}).status, 201);
  auto third = postJson(gw.port(), "/v1/accounts", "", {{"X-Client-ID", "fresher"}, {"X-Forwarded-For", "198.51.100.9"}});
  EXPECT_EQ(third.status, 429);
  EXPECT_EQ(json::parse(third.body)["error"]["code"], "rate_limit_exceeded");
  int retry = std::stoi(third.headers["retry-after"]);
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 3600);
}

TEST(Billing, FailedAdminAttemptsAreLimitedPerAddress) {
  GatewayFixture gw(kConfig);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(postJson(gw.port(), "/admin/accounts", "{}", bearer("wrong")).status, 401);
  // Past ten failures a minute, the right token is refused too: the answer must not tell guesses apart.
  auto limited = postJson(gw.port(), "/admin/accounts", "{}", bearer(kAdminToken));
  EXPECT_EQ(limited.status, 429);
  EXPECT_GT(std::stoi(limited.headers["retry-after"]), 0);
  EXPECT_EQ(postJson(gw.port(), "/admin/reload", "", bearer("wrong")).status, 429);
  // Other callers are not: /v1 is unaffected.
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat("free")).status, 200);
}

TEST(Billing, MetricsTokenGuardsMetricsWhenSet) {
  GatewayFixture open(kConfig);
  EXPECT_EQ(httpRequest(open.port(), "GET", "/metrics", "").status, 200);
  const std::string token = "metrics-0123456789abcdef0123456789ab";
  GatewayFixture guarded(R"(
server:
  metrics_token: )" + token + R"(
providers:
  - {name: mock, plugin: mock, models: [free]}
)");
  auto refused = httpRequest(guarded.port(), "GET", "/metrics", "");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], "invalid_metrics_token");
  EXPECT_EQ(httpRequest(guarded.port(), "GET", "/metrics", "", bearer("wrong")).status, 401);
  auto served = httpRequest(guarded.port(), "GET", "/metrics", "", bearer(token));
  EXPECT_EQ(served.status, 200);
  EXPECT_NE(served.body.find("turnpike_http_requests_total"), std::string::npos);
  EXPECT_EQ(httpRequest(guarded.port(), "GET", "/health", "").status, 200);
}

TEST(Billing, SignupOpenAndClosed) {
  GatewayFixture open(kConfig);
  auto r = postJson(open.port(), "/v1/accounts", R"({"name":"me"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto account = json::parse(r.body);
  EXPECT_EQ(me(open.port(), account["api_key"])["account_id"], account["account_id"]);
  GatewayFixture closed(configWith("  signup: closed"));
  EXPECT_EQ(postJson(closed.port(), "/v1/accounts", "").status, 403);
}

}  // namespace
}  // namespace turnpike::test
