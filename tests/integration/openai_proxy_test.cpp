// The gateway in process, proxying through the real openai_compat plugin to a fake upstream.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;
using Poco::Net::HTTPServerResponse;

std::string providerYaml(const FakeUpstream& up, const std::string& extra = "") {
  return expand(expand(R"(
providers:
  - name: up
    plugin: openai_compat
    base_url: {{url}}
    api_key: sk-upstream-secret-123
    headers: {X-Org: org-42}
    timeout_ms: 2000
    models:
      - id: gpt-4o-mini
        upstream_id: gpt-4o-mini-2024-07-18
      - id: text-embedding-3-small
        capabilities: [embeddings]
{{extra}})",
                   "url", up.baseUrl()),
              "extra", extra);
}

const char* kChat = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";

TEST(OpenAiProxy, NonStreamPassesRequestAndResponseThrough) {
  FakeUpstream up([](const RecordedRequest& r, HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 200, chatCompletionJson("gpt-4o-mini-2024-07-18", "hello back", 12, 3));
  });
  GatewayFixture gw(providerYaml(up));
  json request = {{"model", "gpt-4o-mini"},
                  {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                  {"tools", {{{"type", "function"}, {"function", {{"name", "lookup"}, {"parameters", {{"type", "object"}}}}}}}},
                  {"tool_choice", "auto"},
                  {"response_format", {{"type", "json_object"}}},
                  {"stop", {"\n\n"}},
                  {"n", 2},
                  {"temperature", 0.25},
                  {"seed", 7},
                  {"user", "u-1"}};
  auto client = gw.fundedAccount(0);  // the model is free; the key only has to be valid
  auto r = postJson(gw.port(), "/v1/chat/completions", request.dump(), {{"Authorization", "Bearer " + client.apiKey}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["choices"][0]["message"]["content"], "hello back");
  EXPECT_EQ(r.headers["x-turnpike-provider"], "up");
  EXPECT_EQ(r.headers["x-turnpike-model"], "gpt-4o-mini-2024-07-18");

  auto seen = up.lastRequest();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.uri, "/v1/chat/completions");
  EXPECT_EQ(seen.headers["authorization"], "Bearer sk-upstream-secret-123");  // the provider's key, not the client's
  EXPECT_EQ(seen.headers["x-org"], "org-42");
  json sent = json::parse(seen.body);
  EXPECT_EQ(sent["model"], "gpt-4o-mini-2024-07-18");
  json expected = request;
  expected["model"] = "gpt-4o-mini-2024-07-18";
  // The client set no limit: the upstream is held to the one the reservation was priced on.
  expected["max_tokens"] = 4096;
  EXPECT_EQ(sent, expected);  // everything else untouched
}

TEST(OpenAiProxy, StreamRelaysEachEventBeforeTheNextExists) {
  // The upstream sends event i+1 only after the client has received event i: a gateway that
  // buffered anything would deadlock here (and fail on the gate's deadline).
  Gate gates[3];
  FakeUpstream up([&](const RecordedRequest&, HTTPServerResponse& res) {
    FakeUpstream::sendStream(res, {chunkJson("m", "a"), chunkJson("m", "b"), chunkJson("m", "c"), usageChunkJson("m", 9, 3)},
                             [&](size_t i) {
                               if (i < 3 && !gates[i].wait(std::chrono::seconds(5))) throw std::runtime_error("not relayed");
                             });
  });
  GatewayFixture gw(providerYaml(up));
  SseClient s(gw.port(), "/v1/chat/completions",
              R"({"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(s.status(), 200);
  EXPECT_EQ(s.headers().at("content-type"), "text/event-stream; charset=utf-8");
  std::vector<std::string> contents;
  for (int i = 0; i < 3; ++i) {
    auto e = s.next();
    ASSERT_TRUE(e) << "event " << i;
    contents.push_back(json::parse(*e)["choices"][0]["delta"]["content"]);
    gates[i].open();
  }
  EXPECT_EQ(contents, (std::vector<std::string>{"a", "b", "c"}));
  // The client did not ask for usage: the usage chunk Turnpike requested is not forwarded.
  EXPECT_EQ(s.rest(), std::vector<std::string>{"[DONE]"});
  EXPECT_FALSE(up.writeFailed.load());
  json sent = json::parse(up.lastRequest().body);
  EXPECT_EQ(sent["stream_options"]["include_usage"], true);
}

TEST(OpenAiProxy, StreamKeepsUsageWhenTheClientAsks) {
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    FakeUpstream::sendStream(res, {chunkJson("m", "a"), usageChunkJson("m", 9, 3)});
  });
  GatewayFixture gw(providerYaml(up));
  SseClient s(gw.port(), "/v1/chat/completions",
              R"({"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]})");
  auto events = s.rest();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(json::parse(events[1])["usage"]["prompt_tokens"], 9);
  EXPECT_EQ(events[2], "[DONE]");
}

TEST(OpenAiProxy, ClientDisconnectCancelsTheUpstreamTransfer) {
  Gate firstRead;
  std::atomic<bool> upstreamSawClose{false};
  FakeUpstream up([&](const RecordedRequest&, HTTPServerResponse& res) {
    res.setChunkedTransferEncoding(true);
    res.setContentType("text/event-stream");
    std::ostream& out = res.send();
    out << "data: " << chunkJson("m", "first") << "\n\n";
    out.flush();
    firstRead.wait();
    // Keep streaming until the gateway drops the connection.
    for (int i = 0; i < 500 && out.good(); ++i) {
      out << "data: " << chunkJson("m", "more") << "\n\n";
      out.flush();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    upstreamSawClose = !out.good();
  });
  GatewayFixture gw(providerYaml(up));
  {
    SseClient s(gw.port(), "/v1/chat/completions",
                R"({"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]})");
    ASSERT_TRUE(s.next());
    s.abort();
    firstRead.open();
  }
  for (int i = 0; i < 500 && !upstreamSawClose; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(upstreamSawClose.load()) << "the upstream kept streaming to nobody";
  auto metrics = httpRequest(gw.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find(R"(turnpike_requests_total{provider="up",model="gpt-4o-mini",status="499"} 1)"), std::string::npos)
      << metrics;
}

TEST(OpenAiProxy, ReusesUpstreamConnections) {
  FakeUpstream up;
  GatewayFixture gw(providerYaml(up, "server:\n  workers: 1\n"));
  for (int i = 0; i < 20; ++i) ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat).status, 200);
  EXPECT_EQ(up.requestCount(), 20u);
  EXPECT_EQ(up.connectionsAccepted(), 1);
}

TEST(OpenAiProxy, HungUpstreamDoesNotBlockOtherRequests) {
  Gate release;
  FakeUpstream slow([&](const RecordedRequest&, HTTPServerResponse& res) {
    release.wait();
    FakeUpstream::sendJson(res, 200, chatCompletionJson("slow", "late"));
  });
  FakeUpstream fast;
  std::string yaml = expand(expand(R"(
server:
  workers: 1
providers:
  - name: slow
    plugin: openai_compat
    base_url: {{slow}}
    timeout_ms: 10000
    models: [slow-model]
  - name: fast
    plugin: openai_compat
    base_url: {{fast}}
    models: [fast-model]
)", "slow", slow.baseUrl()), "fast", fast.baseUrl());
  GatewayFixture gw(yaml);
  std::thread pending([&] {
    auto r = postJson(gw.port(), "/v1/chat/completions", R"({"model":"slow-model","messages":[{"role":"user","content":"x"}]})");
    EXPECT_EQ(r.status, 200);
  });
  while (slow.requestCount() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // One event loop, and it is not stuck on the hung transfer.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", R"({"model":"fast-model","messages":[{"role":"user","content":"x"}]})").status, 200);
  release.open();
  pending.join();
}

TEST(OpenAiProxy, UpstreamErrorsMapToGatewayStatuses) {
  std::atomic<int> status{500};
  FakeUpstream up([&](const RecordedRequest&, HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, status, R"({"error":{"message":"upstream says no","type":"server_error"}})");
  });
  GatewayFixture gw(providerYaml(up));
  auto r = postJson(gw.port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(r.status, 502);
  auto err = json::parse(r.body)["error"];
  EXPECT_EQ(err["type"], "upstream_error");
  EXPECT_NE(err["message"].get<std::string>().find("upstream says no"), std::string::npos) << r.body;
  EXPECT_NE(err["message"].get<std::string>().find("HTTP 500"), std::string::npos) << r.body;

  status = 400;  // the client's own mistake passes through with its status
  r = postJson(gw.port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["message"], "upstream says no");

  status = 429;
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat).status, 429);
}

TEST(OpenAiProxy, TimeoutIs504AndConnectFailureIs502) {
  Gate never;
  FakeUpstream hung([&](const RecordedRequest&, HTTPServerResponse& res) {
    never.wait(std::chrono::seconds(3));
    FakeUpstream::sendJson(res, 200, "{}");
  });
  std::string yaml = expand(R"(
providers:
  - name: hung
    plugin: openai_compat
    base_url: {{url}}
    timeout_ms: 300
    models: [m]
  - name: gone
    plugin: openai_compat
    base_url: http://127.0.0.1:1/v1
    models: [n]
)", "url", hung.baseUrl());
  GatewayFixture gw(yaml);
  auto r = postJson(gw.port(), "/v1/chat/completions", R"({"model":"m","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "upstream_timeout");
  never.open();
  r = postJson(gw.port(), "/v1/chat/completions", R"({"model":"n","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "upstream_unavailable");
}

TEST(OpenAiProxy, FailsOverBeforeTheFirstByte) {
  FakeUpstream broken([](const RecordedRequest&, HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 503, R"({"error":{"message":"overloaded"}})");
  });
  FakeUpstream healthy([](const RecordedRequest&, HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 200, chatCompletionJson("shared", "from healthy"));
  });
  std::string yaml = expand(expand(R"(
providers:
  - name: broken
    plugin: openai_compat
    base_url: {{a}}
    models: [shared]
  - name: healthy
    plugin: openai_compat
    base_url: {{b}}
    models: [shared]
)", "a", broken.baseUrl()), "b", healthy.baseUrl());
  GatewayFixture gw(yaml);
  auto r = postJson(gw.port(), "/v1/chat/completions", R"({"model":"shared","messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["x-turnpike-provider"], "healthy");
  EXPECT_EQ(broken.requestCount(), 1u);
  EXPECT_EQ(healthy.requestCount(), 1u);
}

TEST(OpenAiProxy, UpstreamSecretsNeverReachTheClient) {
  FakeUpstream up([](const RecordedRequest& r, HTTPServerResponse& res) {
    // A careless upstream echoing the credential it got.
    FakeUpstream::sendJson(res, 401, R"({"error":{"message":"invalid key )" + r.headers.at("authorization") + R"("}})");
  });
  GatewayFixture gw(providerYaml(up));
  auto r = postJson(gw.port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body.find("sk-upstream-secret-123"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("[redacted]"), std::string::npos) << r.body;
}

TEST(OpenAiProxy, EmbeddingsAndCompletionsUseTheirPaths) {
  FakeUpstream up([](const RecordedRequest& r, HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 200, R"({"object":"list","data":[],"usage":{"prompt_tokens":4,"total_tokens":4}})");
  });
  GatewayFixture gw(providerYaml(up, "      - id: chat-only\n        capabilities: [chat]\n"));
  auto r = postJson(gw.port(), "/v1/embeddings", R"({"model":"text-embedding-3-small","input":"abc"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(up.lastRequest().uri, "/v1/embeddings");
  r = postJson(gw.port(), "/v1/completions", R"({"model":"gpt-4o-mini","prompt":"abc"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(up.lastRequest().uri, "/v1/completions");
  // A model declared a chat model is not an embedding model; one declaring nothing may be.
  r = postJson(gw.port(), "/v1/embeddings", R"({"model":"gpt-4o-mini","input":"abc"})");
  EXPECT_EQ(r.status, 200) << r.body;
  r = postJson(gw.port(), "/v1/embeddings", R"({"model":"chat-only","input":"abc"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "unsupported_operation");
}

TEST(OpenAiProxy, DiscoversUpstreamModels) {
  FakeUpstream up([](const RecordedRequest& r, HTTPServerResponse& res) {
    if (r.uri == "/v1/models") {
      FakeUpstream::sendJson(res, 200, R"({"object":"list","data":[{"id":"llama-3-8b","owned_by":"meta"},{"id":"org/qwen-2"}]})");
    } else {
      FakeUpstream::sendJson(res, 200, chatCompletionJson("x", "y"));
    }
  });
  std::string yaml = expand(R"(
providers:
  - name: local
    plugin: openai_compat
    base_url: {{url}}
    discover_models: true
    model_defaults:
      price: {input: 5, output: 7}
)", "url", up.baseUrl());
  GatewayFixture gw(yaml);
  auto list = json::parse(httpRequest(gw.port(), "GET", "/v1/models").body);
  ASSERT_EQ(list["data"].size(), 2u);
  EXPECT_EQ(list["data"][0]["id"], "llama-3-8b");
  EXPECT_EQ(list["data"][0]["owned_by"], "local");
  EXPECT_EQ(list["data"][0]["price"]["output"], 7);
  auto one = httpRequest(gw.port(), "GET", "/v1/models/org/qwen-2");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json::parse(one.body)["id"], "org/qwen-2");
  // Discovered models carry model_defaults' price: anonymous callers are refused, paying ones served.
  std::string chat = R"({"model":"org/qwen-2","messages":[{"role":"user","content":"x"}]})";
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat).status, 401);
  auto payer = gw.fundedAccount(1'000'000);
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", chat, {{"Authorization", "Bearer " + payer.apiKey}}).status, 200);
}

}  // namespace
}  // namespace turnpike::test
