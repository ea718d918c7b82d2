// Metering never fails open: without usable usage the gateway counts the generated text itself
// (content, tool arguments, reasoning, refusals; streams, whole responses and disconnects alike),
// the reserved ceiling is the upstream's limit, and usage the wallet could not cover is recorded.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
#include "store/database.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;
using Poco::Net::HTTPServerResponse;

// 4 units per output token (4 bytes a token when counted), nothing for the prompt.
std::string configFor(const FakeUpstream& up, const std::string& modelExtra = "") {
  return expand(R"(
providers:
  - name: up
    plugin: openai_compat
    base_url: {{url}}
    models:
      - id: paid
        price: {output: 4000000}
        max_output_tokens: 100
)" + modelExtra,
                "url", up.baseUrl());
}

Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }
const std::string kChat = R"({"model":"paid","messages":[{"role":"user","content":"hi"}]})";

json lastUsage(GatewayFixture& gw, const std::string& key) {
  auto r = httpRequest(gw.port(), "GET", "/v1/usage/history", "", bearer(key));
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body)["data"][0];
}

double metricValue(uint16_t port, const std::string& series) {
  auto text = httpRequest(port, "GET", "/metrics").body;
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST(Metering, AResponseWithoutUsageIsBilledFromItsText) {
  // Spaced the way Python's json.dumps writes it; 40 + 24 + 16 + 20 bytes of generated text.
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 200,
                           R"({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", )"
                           R"("content": ")" + std::string(40, 'c') + R"(", "reasoning_content": ")" + std::string(24, 'r') +
                               R"(", "tool_calls": [{"id": "t", "type": "function", "function": {"name": "f", "arguments": ")" +
                               std::string(16, 'a') + R"("}}], "refusal": ")" + std::string(20, 'n') +
                               R"("}, "finish_reason": "stop"}]})");
  });
  GatewayFixture gw(configFor(up));
  auto payer = gw.fundedAccount(100'000);
  auto r = postJson(gw.port(), "/v1/chat/completions", kChat, bearer(payer.apiKey));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(gw.waitSettled());
  // 100 bytes: 25 tokens at 4 each.
  EXPECT_EQ(json::parse(r.body)["usage"]["completion_tokens"], 25);
  EXPECT_EQ(json::parse(r.body)["usage"]["cost"], 100);
  auto usage = lastUsage(gw, payer.apiKey);
  EXPECT_EQ(usage["cost"], 100);
  EXPECT_EQ(usage["estimated"], true);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 100'000 - 100);
  EXPECT_EQ(metricValue(gw.port(), "turnpike_usage_estimated_total{provider=\"up\",reason=\"missing\"}"), 1);
}

TEST(Metering, UsageWithoutTokenCountsIsNoUsage) {
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    auto body = json::parse(chatCompletionJson("paid", std::string(80, 'x')));
    body["usage"] = {{"total_tokens", 1}, {"input_tokens", 0}};
    FakeUpstream::sendJson(res, 200, body.dump());
  });
  GatewayFixture gw(configFor(up));
  auto payer = gw.fundedAccount(100'000);
  ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat, bearer(payer.apiKey)).status, 200);
  ASSERT_TRUE(gw.waitSettled());
  auto usage = lastUsage(gw, payer.apiKey);
  EXPECT_EQ(usage["completion_tokens"], 20);
  EXPECT_EQ(usage["cost"], 80);
  EXPECT_EQ(usage["estimated"], true);
}

TEST(Metering, ReportedUsageIsBilledAsReported) {
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 200, chatCompletionJson("paid", std::string(80, 'x'), 10, 7));
  });
  GatewayFixture gw(configFor(up));
  auto payer = gw.fundedAccount(100'000);
  ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat, bearer(payer.apiKey)).status, 200);
  ASSERT_TRUE(gw.waitSettled());
  auto usage = lastUsage(gw, payer.apiKey);
  EXPECT_EQ(usage["cost"], 28);
  EXPECT_EQ(usage["estimated"], false);
}

TEST(Metering, ADisconnectCountsReasoningAndRefusalText) {
  Gate firstRead;
  FakeUpstream up(slowStream(firstRead, [](int i) {
    json delta = i % 2 ? json{{"reasoning_content", "abcd"}} : json{{"refusal", "abcd"}};
    return json{{"object", "chat.completion.chunk"}, {"choices", {{{"index", 0}, {"delta", delta}}}}}.dump();
  }));
  GatewayFixture gw(configFor(up));
  auto payer = gw.fundedAccount(100'000);
  {
    SseClient s(gw.port(), "/v1/chat/completions",
                R"({"model":"paid","stream":true,"messages":[{"role":"user","content":"hi"}]})", bearer(payer.apiKey));
    ASSERT_EQ(s.status(), 200);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.next());
    s.abort();
    firstRead.open();
  }
  ASSERT_TRUE(gw.waitSettled());
  auto usage = lastUsage(gw, payer.apiKey);
  EXPECT_EQ(usage["status"], 499);
  EXPECT_GE(usage["cost"].get<int64_t>(), 3 * 4) << "text the client received went unbilled";
  EXPECT_EQ(usage["estimated"], true);
  EXPECT_EQ(metricValue(gw.port(), "turnpike_usage_estimated_total{provider=\"up\",reason=\"cut\"}"), 1);
}

TEST(Metering, TheReservedCeilingIsSentAndAShortfallIsRecorded) {
  // An upstream that ignores the limit it was given and reports far more than was reserved.
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 200, chatCompletionJson("paid", "long", 0, 10'000));
  });
  GatewayFixture gw(configFor(up));
  auto payer = gw.fundedAccount(1'000);
  auto r = postJson(gw.port(), "/v1/chat/completions", kChat, bearer(payer.apiKey));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_EQ(json::parse(up.lastRequest().body)["max_tokens"], 100) << up.lastRequest().body;
  // The wallet covers 1,000 of the 40,000 used; the rest is on the record, not lost silently.
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 0);
  EXPECT_EQ(metricValue(gw.port(), "turnpike_billing_shortfall_total{provider=\"up\"}"), 39'000);
  auto db = store::Database::open("sqlite://" + gw.databasePath());
  auto c = db->connect();
  int64_t shortfall = -1, cost = -1;
  c->session() << "SELECT shortfall, cost FROM usage", Poco::Data::Keywords::into(shortfall),
      Poco::Data::Keywords::into(cost), Poco::Data::Keywords::now;
  EXPECT_EQ(cost, 1'000);
  EXPECT_EQ(shortfall, 39'000);
}

TEST(Metering, ACompletionIsHeldToTheModelsCapWhereTheUpstreamReadsIt) {
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 200, chatCompletionJson("paid", "ok", 1, 1));
  });
  GatewayFixture gw(configFor(up, "        max_tokens_param: max_completion_tokens\n"));
  auto payer = gw.fundedAccount(100'000);
  ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat, bearer(payer.apiKey)).status, 200);
  auto sent = json::parse(up.lastRequest().body);
  EXPECT_EQ(sent["max_completion_tokens"], 100);
  EXPECT_FALSE(sent.contains("max_tokens"));
  // A client's own, smaller limit goes as it is.
  ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions",
                     R"({"model":"paid","max_completion_tokens":5,"messages":[{"role":"user","content":"hi"}]})",
                     bearer(payer.apiKey))
                .status,
            200);
  EXPECT_EQ(json::parse(up.lastRequest().body)["max_completion_tokens"], 5);
}

}  // namespace
}  // namespace turnpike::test
