// What popular clients do unchanged must work: SSE parsers that read past [DONE], placeholder
// keys, models configured without capabilities, browsers (CORS preflights), and SDKs that act on
// an upstream error's param or Retry-After. The real binary, an openai_compat fake upstream.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
#include "gateway_process.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;
using Poco::Net::HTTPServerResponse;

constexpr int64_t kCredit = 10'000'000;

class ClientCompat : public ::testing::Test {
 protected:
  void start(const std::string& server = "", const std::string& models = "") {
    upstream_ = std::make_unique<FakeUpstream>([this](const RecordedRequest& r, HTTPServerResponse& res) {
      if (failWith_) {
        failWith_(res);
        return;
      }
      auto body = json::parse(r.body);
      if (r.uri == "/v1/embeddings") {
        FakeUpstream::sendJson(res, 200, R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5]}],"usage":{"prompt_tokens":2,"total_tokens":2}})");
      } else if (body.value("stream", false)) {
        FakeUpstream::sendStream(res, {chunkJson(body["model"], "hello"), usageChunkJson(body["model"], 10, 40), "[DONE]"});
      } else {
        FakeUpstream::sendJson(res, 200, chatCompletionJson(body["model"], "hello", 10, 40));
      }
    });
    dbPath_ = temporaryDatabasePath();
    key_ = fundedKeyIn(dbPath_, kCredit);
    std::string yaml = expand(expand(R"(
server:
  listen: 127.0.0.1:0
{{server}}storage:
  url: sqlite://{{db}}
plugins:
  dir: {{plugins}}
log:
  level: notice
providers:
  - name: up
    plugin: openai_compat
    base_url: {{url}}
    models:
      - id: paid
        price: {input: 1000, output: 1000}
        max_output_tokens: 64
      - id: free
        price: {input: 0, output: 0}
{{models}})", "server", server), "models", models);
    gateway_ = std::make_unique<GatewayProcess>(expand(yaml, "url", upstream_->baseUrl()),
                                                GatewayProcess::Options{.databasePath = dbPath_});
  }
  void TearDown() override {
    gateway_.reset();
    if (!dbPath_.empty()) removeDatabase(dbPath_);
  }
  uint16_t port() const { return gateway_->port(); }
  Headers bearer(const std::string& key) const { return {{"Authorization", "Bearer " + key}}; }
  int64_t balance() {
    auto me = httpRequest(port(), "GET", "/v1/me", "", bearer(key_));
    EXPECT_EQ(me.status, 200) << me.body;
    return json::parse(me.body)["balance"].get<int64_t>();
  }
  std::string streamRequest(const std::string& model, const std::string& extraHeaders = "") {
    std::string body = R"({"model":")" + model + R"(","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]})";
    return rawExchange(port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key_ +
                                   "\r\nContent-Type: application/json\r\n" + extraHeaders +
                                   "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                                   body,
                       5000);
  }

  std::unique_ptr<FakeUpstream> upstream_;
  std::function<void(HTTPServerResponse&)> failWith_;
  std::string dbPath_;
  std::string key_;
  std::unique_ptr<GatewayProcess> gateway_;
};

// ---------------------------------------------------------------- 1: payg-usage on request only

TEST_F(ClientCompat, PaygUsageEventOnlyWhenAskedAndOnlyOnPaidStreams) {
  start();
  std::string plain = streamRequest("paid");
  EXPECT_NE(plain.find("data: [DONE]"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("payg-usage"), std::string::npos) << "an SSE parser reading past [DONE] must see nothing: " << plain;
  EXPECT_NE(plain.find("\"cost\":"), std::string::npos) << "the charge travels in the usage chunk: " << plain;

  std::string asked = streamRequest("paid", "X-Turnpike-Usage-Event: 1\r\n");
  size_t done = asked.find("data: [DONE]");
  size_t event = asked.find("event: payg-usage\ndata: ");
  ASSERT_NE(event, std::string::npos) << asked;
  EXPECT_GT(event, done);
  EXPECT_LT(balance(), kCredit) << "the paid streams were charged";

  std::string free = streamRequest("free", "X-Turnpike-Usage-Event: 1\r\n");
  EXPECT_NE(free.find("data: [DONE]"), std::string::npos) << free;
  EXPECT_EQ(free.find("payg-usage"), std::string::npos) << "free streams never get it: " << free;
}

TEST_F(ClientCompat, AModelMayAskForThePaygUsageEvent) {
  start("", "      - id: paid-event\n        upstream_id: paid\n        price: {input: 1000, output: 1000}\n        usage_event: true\n");
  EXPECT_NE(streamRequest("paid-event").find("event: payg-usage"), std::string::npos);
  EXPECT_EQ(streamRequest("paid").find("payg-usage"), std::string::npos);
}

// ---------------------------------------------------------------- 2: placeholder keys

TEST_F(ClientCompat, PlaceholderKeysAreNoKeyWhileTurnpikeKeysAreChecked) {
  start();
  const char* chat = R"({"model":"free","messages":[{"role":"user","content":"hi"}]})";
  const char* paid = R"({"model":"paid","messages":[{"role":"user","content":"hi"}]})";
  for (const char* placeholder : {"unused", "sk-no-key-required", "ollama", "sk-1234", "lm-studio"}) {
    auto r = postJson(port(), "/v1/chat/completions", chat, bearer(placeholder));
    EXPECT_EQ(r.status, 200) << placeholder << ": " << r.body;
    r = postJson(port(), "/v1/chat/completions", paid, bearer(placeholder));
    EXPECT_EQ(r.status, 401) << placeholder << ": " << r.body;  // no L402 method here: asks for a key
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "missing_api_key") << r.body;
    r = postJson(port(), "/v1/chat/completions", chat, {{"X-Spend-Token", placeholder}});
    EXPECT_EQ(r.status, 200) << placeholder << ": " << r.body;
  }
  // Turnpike's format, unknown: refused everywhere, free models included.
  auto r = postJson(port(), "/v1/chat/completions", chat, bearer("sk-tp-0000000000000000000000000000000000000000"));
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "invalid_api_key");
  EXPECT_EQ(httpRequest(port(), "GET", "/v1/me", "", bearer("sk-tp-unknown")).status, 401);
  EXPECT_EQ(postJson(port(), "/v1/chat/completions", paid, bearer(key_)).status, 200);
}

// ---------------------------------------------------------------- 3: unset capabilities

TEST_F(ClientCompat, ModelsWithoutCapabilitiesServeEveryOperation) {
  start("", "      - id: chat-only\n        upstream_id: free\n        capabilities: [chat]\n");
  auto r = postJson(port(), "/v1/embeddings", R"({"model":"free","input":"abc"})");
  EXPECT_EQ(r.status, 200) << r.body;
  r = postJson(port(), "/v1/chat/completions",
               R"({"model":"auto","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]})",
               bearer(key_));
  EXPECT_EQ(r.status, 200) << r.body;
  // Declared capabilities still filter.
  r = postJson(port(), "/v1/embeddings", R"({"model":"chat-only","input":"abc"})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "unsupported_operation");
}

// ---------------------------------------------------------------- 4: CORS and Allow

TEST_F(ClientCompat, PreflightsAndResponsesCarryCorsForAllowedOrigins) {
  start("  cors:\n    allowed_origins: [\"https://app.example.com\"]\n");
  auto pre = httpRequest(port(), "OPTIONS", "/v1/chat/completions", "",
                         {{"Origin", "https://app.example.com"},
                          {"Access-Control-Request-Method", "POST"},
                          {"Access-Control-Request-Headers", "authorization, content-type, x-stainless-os, x-stainless-retry-count"}});
  EXPECT_EQ(pre.status, 204) << pre.body;
  EXPECT_EQ(pre.headers["access-control-allow-origin"], "https://app.example.com");
  EXPECT_NE(pre.headers["access-control-allow-methods"].find("POST"), std::string::npos);
  const std::string& allowed = pre.headers["access-control-allow-headers"];
  for (const char* h : {"authorization", "content-type", "x-api-key", "x-spend-token", "anthropic-version",
                        "mcp-session-id", "openai-beta", "x-stainless-os", "x-stainless-retry-count"})
    EXPECT_NE(allowed.find(h), std::string::npos) << h << " in " << allowed;
  EXPECT_FALSE(pre.headers["access-control-max-age"].empty());
  // Every API route answers its preflight.
  for (const char* path : {"/v1/models", "/v1/embeddings", "/v1/me", "/v1/keys/key_1"}) {
    auto r = httpRequest(port(), "OPTIONS", path, "", {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_EQ(r.status, 204) << path;
    EXPECT_EQ(r.headers["access-control-allow-origin"], "https://app.example.com") << path;
  }

  auto actual = postJson(port(), "/v1/chat/completions", R"({"model":"free","messages":[{"role":"user","content":"hi"}]})",
                         {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(actual.status, 200) << actual.body;
  EXPECT_EQ(actual.headers["access-control-allow-origin"], "https://app.example.com");
  EXPECT_NE(actual.headers["vary"].find("Origin"), std::string::npos);
  const std::string& exposed = actual.headers["access-control-expose-headers"];
  for (const char* h : {"x-request-id", "x-ratelimit-remaining", "x-turnpike-provider", "www-authenticate", "retry-after"})
    EXPECT_NE(exposed.find(h), std::string::npos) << h << " in " << exposed;

  auto stranger = postJson(port(), "/v1/chat/completions", R"({"model":"free","messages":[{"role":"user","content":"hi"}]})",
                           {{"Origin", "https://evil.example"}});
  EXPECT_EQ(stranger.headers.count("access-control-allow-origin"), 0u);
  auto strangerPre = httpRequest(port(), "OPTIONS", "/v1/chat/completions", "",
                                 {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(strangerPre.headers.count("access-control-allow-origin"), 0u);
  EXPECT_EQ(strangerPre.headers.count("access-control-allow-headers"), 0u);

  auto wrong = httpRequest(port(), "DELETE", "/v1/chat/completions");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers["allow"], "POST, OPTIONS");
  EXPECT_TRUE(servesHealth(port()));
}

TEST_F(ClientCompat, AnyOriginWithAStar) {
  start("  cors:\n    allowed_origins: [\"*\"]\n");
  auto r = httpRequest(port(), "GET", "/v1/models", "", {{"Origin", "http://localhost:5173"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["access-control-allow-origin"], "*");
}

TEST_F(ClientCompat, WithoutCorsOptionsAnswersAllowOnly) {
  start();
  auto r = httpRequest(port(), "OPTIONS", "/v1/chat/completions", "",
                       {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers["allow"], "POST, OPTIONS");
  EXPECT_EQ(r.headers.count("access-control-allow-origin"), 0u);
  EXPECT_EQ(httpRequest(port(), "OPTIONS", "/nowhere").status, 404);
}

// ---------------------------------------------------------------- 5: upstream errors

TEST_F(ClientCompat, UpstreamClientErrorsKeepParamCodeAndType) {
  start();
  failWith_ = [](HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 400, R"({"error":{"message":"This model's maximum context length is 8 tokens","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})");
  };
  auto r = postJson(port(), "/v1/chat/completions", R"({"model":"paid","messages":[{"role":"user","content":"hi"}]})", bearer(key_));
  ASSERT_EQ(r.status, 400) << r.body;
  auto error = json::parse(r.body)["error"];
  EXPECT_EQ(error["param"], "messages") << r.body;
  EXPECT_EQ(error["code"], "context_length_exceeded") << r.body;
  EXPECT_EQ(error["type"], "invalid_request_error") << r.body;
  EXPECT_NE(error["message"].get<std::string>().find("maximum context length"), std::string::npos) << r.body;
  EXPECT_EQ(balance(), kCredit) << "a refused request costs nothing";
}

TEST_F(ClientCompat, UpstreamRateLimitsForwardRetryAfter) {
  start();
  for (int status : {429, 503}) {
    failWith_ = [status](HTTPServerResponse& res) {
      res.set("Retry-After", "7");
      res.set("x-ratelimit-remaining-requests", "0");
      res.set("x-ratelimit-reset-requests", "7s");
      res.set("x-upstream-secret", "no");
      FakeUpstream::sendJson(res, status, R"({"error":{"message":"slow down","type":"rate_limit_error","code":"rate_limit_exceeded"}})");
    };
    auto r = postJson(port(), "/v1/chat/completions", R"({"model":"free","messages":[{"role":"user","content":"hi"}]})");
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.headers["retry-after"], "7") << status;
    EXPECT_EQ(r.headers["x-ratelimit-remaining-requests"], "0") << status;
    EXPECT_EQ(r.headers["x-ratelimit-reset-requests"], "7s") << status;
    EXPECT_EQ(r.headers.count("x-upstream-secret"), 0u) << "only the back-off headers are forwarded";
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "rate_limit_exceeded") << r.body;
  }
  failWith_ = nullptr;
  EXPECT_TRUE(servesHealth(port()));
}

}  // namespace
}  // namespace turnpike::test
