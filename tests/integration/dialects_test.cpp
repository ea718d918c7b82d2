// Every client dialect to every provider, through the real gateway and plugins: Anthropic
// Messages answered by the canonical mock and by an Anthropic upstream (passed through byte for
// byte), chat answered by an Anthropic upstream (translated), Anthropic's error shapes, model
// lists and token counts, and the money on each route.
#include <gtest/gtest.h>

#include <Poco/Net/HTTPServerResponse.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <thread>

#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;
using Poco::Net::HTTPServerResponse;

// Prices per 1M tokens: input 1000000, cached reads 100000, cache writes 1250000, output 2000000.
std::string configFor(const FakeUpstream* up) {
  std::string yaml = R"(
providers:
  - name: mock
    plugin: mock
    models:
      - id: mock-paid
        price: {input: 1000000, output: 2000000}
        max_output_tokens: 256
)";
  if (up != nullptr)
    yaml += expand(R"(
  - name: claude
    plugin: anthropic
    base_url: {{url}}
    api_key: sk-ant-test-secret
    models:
      - id: claude-paid
        upstream_id: claude-upstream-1
        price: {input: 1000000, cached_input: 100000, cache_write: 1250000, output: 2000000}
        max_output_tokens: 1024
)",
                   "url", "http://127.0.0.1:" + std::to_string(up->port()));
  return yaml;
}

Headers apiKey(const std::string& key) { return {{"x-api-key", key}, {"anthropic-version", "2023-06-01"}}; }

void sendRaw(HTTPServerResponse& res, int status, const std::string& contentType, const std::string& body) {
  res.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  res.setContentType(contentType);
  res.setContentLength(static_cast<std::streamsize>(body.size()));
  res.send() << body;
}

// An Anthropic stream as the API writes it: named events, usage with cache reads and writes.
const std::string kAnthropicStream =
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_up\",\"type\":\"message\",\"role\":\"assistant\","
    "\"content\":[],\"model\":\"claude-upstream-1\",\"stop_reason\":null,\"stop_sequence\":null,"
    "\"usage\":{\"input_tokens\":100,\"cache_creation_input_tokens\":2000,\"cache_read_input_tokens\":10000,"
    "\"output_tokens\":1}}}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: ping\n"
    "data: {\"type\": \"ping\"}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" there\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
    "\"usage\":{\"output_tokens\":500}}\n\n"
    "event: message_stop\n"
    "data: {\"type\":\"message_stop\"}\n\n";

const std::string kAnthropicMessage =
    R"({"id":"msg_up","type":"message","role":"assistant","model":"claude-upstream-1",)"
    R"("content":[{"type":"text","text":"Hello there"}],"stop_reason":"end_turn","stop_sequence":null,)"
    R"("usage":{"input_tokens":100,"cache_creation_input_tokens":2000,"cache_read_input_tokens":10000,"output_tokens":500}})";

// 100 input + 10000 cached reads + 2000 cache writes + 500 output at the prices above:
// 100 + 1000 + 2500 + 1000 = 4600.
constexpr int64_t kUpstreamCost = 4600;

// The events of an SSE body: (event name, data).
std::vector<std::pair<std::string, std::string>> events(const std::string& body) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find("\n\n", at);
    if (end == std::string::npos) end = body.size();
    std::string frame = body.substr(at, end - at);
    std::string name, data;
    size_t line = 0;
    while (line < frame.size()) {
      size_t eol = frame.find('\n', line);
      if (eol == std::string::npos) eol = frame.size();
      std::string text = frame.substr(line, eol - line);
      if (text.rfind("event: ", 0) == 0) name = text.substr(7);
      if (text.rfind("data: ", 0) == 0) data = text.substr(6);
      line = eol + 1;
    }
    if (!data.empty()) out.emplace_back(name, data);
    at = end + 2;
  }
  return out;
}

TEST(Dialects, MessagesAnsweredByTheCanonicalMockInAnthropicsShape) {
  GatewayFixture gw(configFor(nullptr));
  auto payer = gw.fundedAccount(1'000'000);
  auto r = postJson(gw.port(), "/v1/messages",
                    R"({"model":"mock-paid","max_tokens":64,"system":"Be brief.","messages":[{"role":"user","content":"hello"}]})",
                    apiKey(payer.apiKey));
  ASSERT_EQ(r.status, 200) << r.body;
  auto m = json::parse(r.body);
  EXPECT_EQ(m["type"], "message");
  EXPECT_EQ(m["role"], "assistant");
  EXPECT_EQ(m["model"], "mock-paid");
  ASSERT_FALSE(m["content"].empty());
  EXPECT_EQ(m["content"][0]["type"], "text");
  EXPECT_EQ(m["stop_reason"], "end_turn");
  EXPECT_TRUE(m.contains("stop_sequence"));
  EXPECT_GT(m["usage"]["input_tokens"].get<int>(), 0);
  EXPECT_GT(m["usage"]["output_tokens"].get<int>(), 0);
  EXPECT_EQ(r.headers["x-turnpike-provider"], "mock");
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_LT(gw.billing().ledgerSum(payer.accountId), 1'000'000);
}

TEST(Dialects, MessagesStreamFromTheMockIsAnthropicsNamedEvents) {
  GatewayFixture gw(configFor(nullptr));
  auto payer = gw.fundedAccount(1'000'000);
  auto r = postJson(gw.port(), "/v1/messages?beta=true",
                    R"({"model":"mock-paid","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hello"}]})",
                    apiKey(payer.apiKey));
  ASSERT_EQ(r.status, 200) << r.body;
  auto ev = events(r.body);
  ASSERT_GE(ev.size(), 6u) << r.body;
  EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);
  for (const auto& [name, data] : ev) EXPECT_EQ(json::parse(data)["type"], name) << data;
  EXPECT_EQ(ev.front().first, "message_start");
  EXPECT_GT(json::parse(ev.front().second)["message"]["usage"]["input_tokens"].get<int>(), 0);
  EXPECT_EQ(ev[1].first, "content_block_start");
  EXPECT_EQ(ev.back().first, "message_stop");
  auto delta = json::parse(ev[ev.size() - 2].second);
  EXPECT_EQ(delta["type"], "message_delta");
  EXPECT_EQ(delta["delta"]["stop_reason"], "end_turn");
  EXPECT_GT(delta["usage"]["output_tokens"].get<int>(), 0);
  std::string text;
  for (const auto& [name, data] : ev)
    if (name == "content_block_delta") text += json::parse(data)["delta"].value("text", "");
  EXPECT_FALSE(text.empty());
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_LT(gw.billing().ledgerSum(payer.accountId), 1'000'000);
}

TEST(Dialects, ErrorsOnMessagesHaveAnthropicsShape) {
  GatewayFixture gw(configFor(nullptr));
  auto payer = gw.fundedAccount(1'000'000);
  auto broke = gw.fundedAccount(0);
  auto check = [](const HttpResult& r, int status, const std::string& type) {
    EXPECT_EQ(r.status, status) << r.body;
    auto e = json::parse(r.body);
    EXPECT_EQ(e["type"], "error") << r.body;
    EXPECT_EQ(e["error"]["type"], type) << r.body;
    EXPECT_FALSE(e["error"]["message"].get<std::string>().empty());
  };
  check(postJson(gw.port(), "/v1/messages", R"({"model":"mock-paid","messages":[{"role":"user","content":"x"}]})",
                 apiKey(payer.apiKey)),
        400, "invalid_request_error");
  check(postJson(gw.port(), "/v1/messages", R"({"model":"mock-paid","max_tokens":5,"max_tokens":6,"messages":[]})",
                 apiKey(payer.apiKey)),
        400, "invalid_request_error");
  check(postJson(gw.port(), "/v1/messages", R"({"model":"nope","max_tokens":5,"messages":[{"role":"user","content":"x"}]})",
                 apiKey(payer.apiKey)),
        404, "not_found_error");
  check(postJson(gw.port(), "/v1/messages",
                 R"({"model":"mock-paid","max_tokens":5,"messages":[{"role":"user","content":"x"}]})",
                 apiKey("tp_" + std::string(40, 'a'))),
        401, "authentication_error");
  check(postJson(gw.port(), "/v1/messages",
                 R"({"model":"mock-paid","max_tokens":5,"messages":[{"role":"user","content":"x"}]})",
                 apiKey(broke.apiKey)),
        402, "billing_error");
  // Chat keeps OpenAI's shape, and takes x-api-key too.
  auto chat = postJson(gw.port(), "/v1/chat/completions", R"({"model":"mock-paid","messages":[{"role":"user","content":"x"}]})",
                       {{"x-api-key", payer.apiKey}});
  EXPECT_EQ(chat.status, 200) << chat.body;
  auto chatError = postJson(gw.port(), "/v1/chat/completions", R"({"model":"nope","messages":[]})", {{"x-api-key", payer.apiKey}});
  EXPECT_TRUE(json::parse(chatError.body)["error"].contains("code")) << chatError.body;
}

TEST(Dialects, MessagesToAnAnthropicUpstreamPassThroughByteForByte) {
  FakeUpstream up([](const RecordedRequest& req, HTTPServerResponse& res) {
    bool stream = req.body.find("\"stream\": true") != std::string::npos;
    sendRaw(res, 200, stream ? "text/event-stream" : "application/json", stream ? kAnthropicStream : kAnthropicMessage);
  });
  GatewayFixture gw(configFor(&up));
  auto payer = gw.fundedAccount(1'000'000);
  // Odd spacing, an unknown member and a cache_control: all reach the upstream as written.
  const std::string body =
      R"({ "model" : "claude-paid", "max_tokens": 50, "stream": true, "context_management": {"edits": []},)"
      R"( "system": [{"type": "text", "text": "x-anthropic-billing-header: cc_version=1", "cache_control": {"type": "ephemeral"}}],)"
      R"( "messages": [{"role": "user", "content": "hi"}]})";
  Headers headers = apiKey(payer.apiKey);
  headers.emplace_back("anthropic-beta", "interleaved-thinking-2025-05-14");
  auto r = postJson(gw.port(), "/v1/messages", body, headers);
  ASSERT_EQ(r.status, 200) << r.body;
  auto sent = up.lastRequest();
  std::string expected = body;
  expected.replace(expected.find("\"claude-paid\""), 13, "\"claude-upstream-1\"");
  EXPECT_EQ(sent.body, expected);
  EXPECT_EQ(sent.uri, "/v1/messages");
  EXPECT_EQ(sent.headers["x-api-key"], "sk-ant-test-secret");
  EXPECT_EQ(sent.headers["anthropic-version"], "2023-06-01");
  EXPECT_NE(sent.headers["anthropic-beta"].find("interleaved-thinking-2025-05-14"), std::string::npos);
  // The stream comes back as the upstream wrote it, ping included.
  EXPECT_EQ(r.body, kAnthropicStream);
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 1'000'000 - kUpstreamCost);

  auto whole = postJson(gw.port(), "/v1/messages",
                        R"({"model":"claude-paid","max_tokens":50,"messages":[{"role":"user","content":"hi"}]})", headers);
  ASSERT_EQ(whole.status, 200) << whole.body;
  EXPECT_EQ(whole.body, kAnthropicMessage);
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 1'000'000 - 2 * kUpstreamCost);
}

TEST(Dialects, ChatToAnAnthropicUpstreamIsTranslatedBothWays) {
  FakeUpstream up([](const RecordedRequest& req, HTTPServerResponse& res) {
    bool stream = json::parse(req.body).value("stream", false);
    sendRaw(res, 200, stream ? "text/event-stream" : "application/json", stream ? kAnthropicStream : kAnthropicMessage);
  });
  GatewayFixture gw(configFor(&up));
  auto payer = gw.fundedAccount(1'000'000);
  Headers bearer{{"Authorization", "Bearer " + payer.apiKey}};
  auto r = postJson(gw.port(), "/v1/chat/completions",
                    R"({"model":"claude-paid","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]})",
                    bearer);
  ASSERT_EQ(r.status, 200) << r.body;
  auto sent = json::parse(up.lastRequest().body);
  EXPECT_EQ(sent["model"], "claude-upstream-1");
  EXPECT_EQ(sent["max_tokens"], 1024);  // the model's ceiling: Messages requires one
  EXPECT_FALSE(sent.contains("stream_options"));
  ASSERT_TRUE(sent.contains("system"));
  EXPECT_EQ(sent["messages"].size(), 1u);
  auto c = json::parse(r.body);
  EXPECT_EQ(c["object"], "chat.completion");
  EXPECT_EQ(c["choices"][0]["message"]["content"], "Hello there");
  EXPECT_EQ(c["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(c["usage"]["prompt_tokens"], 12100);  // input + cache reads + cache writes
  EXPECT_EQ(c["usage"]["prompt_tokens_details"]["cached_tokens"], 10000);
  EXPECT_EQ(c["usage"]["completion_tokens"], 500);
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 1'000'000 - kUpstreamCost);

  SseClient stream(gw.port(), "/v1/chat/completions",
                   R"({"model":"claude-paid","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]})",
                   bearer);
  ASSERT_EQ(stream.status(), 200);
  std::string text;
  json usage;
  bool done = false;
  for (auto& data : stream.rest()) {
    if (data == "[DONE]") {
      done = true;
      continue;
    }
    auto chunk = json::parse(data);
    if (chunk.contains("usage") && chunk["usage"].is_object()) usage = chunk["usage"];
    if (!chunk["choices"].empty()) text += chunk["choices"][0]["delta"].value("content", "");
  }
  EXPECT_TRUE(done);
  EXPECT_EQ(text, "Hello there");
  EXPECT_EQ(usage["prompt_tokens"], 12100);
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 1'000'000 - 2 * kUpstreamCost);
}

TEST(Dialects, AFailedAnthropicUpstreamCostsNothingAndKeepsItsErrorType) {
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    sendRaw(res, 400, "application/json",
            R"({"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate"}})");
  });
  GatewayFixture gw(configFor(&up));
  auto payer = gw.fundedAccount(1'000'000);
  auto r = postJson(gw.port(), "/v1/messages",
                    R"({"model":"claude-paid","max_tokens":50,"messages":[{"role":"user","content":"hi"}]})",
                    apiKey(payer.apiKey));
  EXPECT_EQ(r.status, 400);
  auto e = json::parse(r.body);
  EXPECT_EQ(e["type"], "error");
  EXPECT_EQ(e["error"]["type"], "invalid_request_error");
  EXPECT_NE(e["error"]["message"].get<std::string>().find("roles must alternate"), std::string::npos);
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 1'000'000);
}

TEST(Dialects, TokensAreCountedByTheUpstreamWhereItCan) {
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    sendRaw(res, 200, "application/json", R"({"input_tokens":1234})");
  });
  GatewayFixture gw(configFor(&up));
  auto payer = gw.fundedAccount(1'000'000);
  const std::string count = R"({"model":"claude-paid","messages":[{"role":"user","content":"hello there"}]})";
  auto r = postJson(gw.port(), "/v1/messages/count_tokens", count, apiKey(payer.apiKey));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["input_tokens"], 1234);
  EXPECT_EQ(up.lastRequest().uri, "/v1/messages/count_tokens");
  EXPECT_EQ(json::parse(up.lastRequest().body)["model"], "claude-upstream-1");
  // The mock counts nothing: Turnpike estimates.
  auto estimate = postJson(gw.port(), "/v1/messages/count_tokens",
                           R"({"model":"mock-paid","messages":[{"role":"user","content":"hello there"}]})",
                           apiKey(payer.apiKey));
  ASSERT_EQ(estimate.status, 200) << estimate.body;
  EXPECT_GT(json::parse(estimate.body)["input_tokens"].get<int>(), 0);
  EXPECT_EQ(up.requestCount(), 1u);
  // Counting is free.
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 1'000'000);
}

TEST(Dialects, ModelsInAnthropicsShapeWhenAskedWithAnthropicVersion) {
  FakeUpstream up;
  GatewayFixture gw(configFor(&up));
  auto r = httpRequest(gw.port(), "GET", "/v1/models?limit=1", "", {{"anthropic-version", "2023-06-01"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto page = json::parse(r.body);
  ASSERT_EQ(page["data"].size(), 1u);
  EXPECT_EQ(page["data"][0]["type"], "model");
  EXPECT_TRUE(page["data"][0].contains("display_name"));
  EXPECT_TRUE(page["data"][0].contains("created_at"));
  EXPECT_EQ(page["has_more"], true);
  EXPECT_EQ(page["first_id"], page["data"][0]["id"]);
  auto next = json::parse(httpRequest(gw.port(), "GET", "/v1/models?after_id=" + page["last_id"].get<std::string>(), "",
                                      {{"anthropic-version", "2023-06-01"}})
                              .body);
  EXPECT_EQ(next["has_more"], false);
  EXPECT_NE(next["data"][0]["id"], page["data"][0]["id"]);
  // Without the header: OpenAI's list.
  EXPECT_EQ(json::parse(httpRequest(gw.port(), "GET", "/v1/models").body)["object"], "list");
  EXPECT_EQ(httpRequest(gw.port(), "HEAD", "/api/hello").status, 200);
}

}  // namespace
}  // namespace turnpike::test

namespace turnpike::test {
namespace {

// The openai_compat fake answers with the number of messages it was sent, so a continued
// conversation shows in the text.
std::string responsesConfig(const FakeUpstream& up) {
  return configFor(&up) + expand(R"(
  - name: up
    plugin: openai_compat
    base_url: {{url}}
    models:
      - id: up-paid
        price: {input: 1000000, output: 2000000}
)",
                                 "url", up.baseUrl());
}

void answerWithMessageCount(const RecordedRequest& req, HTTPServerResponse& res) {
  auto body = json::parse(req.body);
  if (req.uri.find("/v1/messages") != std::string::npos) {
    sendRaw(res, 200, "application/json", kAnthropicMessage);
    return;
  }
  std::string text = "seen " + std::to_string(body["messages"].size());
  if (body.value("stream", false)) {
    FakeUpstream::sendStream(res, {chunkJson("up-paid", text), usageChunkJson("up-paid", 10, 5)});
  } else {
    FakeUpstream::sendJson(res, 200, chatCompletionJson("up-paid", text, 10, 5));
  }
}

TEST(Dialects, ResponsesAreServedStoredAndContinued) {
  FakeUpstream up(answerWithMessageCount);
  GatewayFixture gw(responsesConfig(up));
  auto payer = gw.fundedAccount(1'000'000);
  auto other = gw.fundedAccount(1'000'000);
  Headers bearer{{"Authorization", "Bearer " + payer.apiKey}};
  auto first = postJson(gw.port(), "/v1/responses", R"({"model":"up-paid","instructions":"Be brief.","input":"hello"})", bearer);
  ASSERT_EQ(first.status, 200) << first.body;
  auto r = json::parse(first.body);
  EXPECT_EQ(r["object"], "response");
  EXPECT_EQ(r["status"], "completed");
  EXPECT_EQ(r["output"][0]["type"], "message");
  EXPECT_EQ(r["output"][0]["content"][0]["text"], "seen 2");  // instructions + input
  EXPECT_EQ(r["usage"]["input_tokens"], 10);
  EXPECT_EQ(r["usage"]["total_tokens"], 15);
  std::string id = r["id"];
  ASSERT_TRUE(gw.waitSettled());
  // 10 input tokens at 1 unit each, 5 output at 2.
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 1'000'000 - 20);

  auto stored = httpRequest(gw.port(), "GET", "/v1/responses/" + id, "", bearer);
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(json::parse(stored.body)["id"], id);
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/responses/" + id, "", {{"Authorization", "Bearer " + other.apiKey}}).status,
            404);

  // The stored conversation (input and answer, without the instructions) comes first.
  auto next = postJson(gw.port(), "/v1/responses",
                       R"({"model":"up-paid","input":"and again","previous_response_id":")" + id + R"("})", bearer);
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(json::parse(next.body)["output"][0]["content"][0]["text"], "seen 3");
  auto unknown = postJson(gw.port(), "/v1/responses", R"({"model":"up-paid","input":"x","previous_response_id":"resp_nope"})",
                          bearer);
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(json::parse(unknown.body)["error"]["param"], "previous_response_id");

  auto badStore = postJson(gw.port(), "/v1/responses", R"({"model":"up-paid","input":"x","store":"yes"})", bearer);
  EXPECT_EQ(badStore.status, 400) << badStore.body;
  EXPECT_EQ(json::parse(badStore.body)["error"]["param"], "store");
  auto unstored = json::parse(
      postJson(gw.port(), "/v1/responses", R"({"model":"up-paid","input":"x","store":false})", bearer).body);
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/responses/" + unstored["id"].get<std::string>(), "", bearer).status, 404);
  EXPECT_EQ(httpRequest(gw.port(), "DELETE", "/v1/responses/" + id, "", bearer).status, 200);
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/responses/" + id, "", bearer).status, 404);
}

TEST(Dialects, ResponsesStreamFromAnAnthropicUpstream) {
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    sendRaw(res, 200, "text/event-stream", kAnthropicStream);
  });
  GatewayFixture gw(configFor(&up));
  auto payer = gw.fundedAccount(1'000'000);
  auto r = postJson(gw.port(), "/v1/responses", R"({"model":"claude-paid","stream":true,"input":"hi"})",
                    {{"Authorization", "Bearer " + payer.apiKey}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto ev = events(r.body);
  ASSERT_GE(ev.size(), 4u) << r.body;
  EXPECT_EQ(ev.front().first, "response.created");
  EXPECT_EQ(ev.back().first, "response.completed");
  int64_t sequence = -1;
  std::string text;
  for (const auto& [name, data] : ev) {
    auto e = json::parse(data);
    EXPECT_EQ(e["type"], name);
    EXPECT_GT(e["sequence_number"].get<int64_t>(), sequence);
    sequence = e["sequence_number"];
    if (name == "response.output_text.delta") text += e["delta"].get<std::string>();
  }
  EXPECT_EQ(text, "Hello there");
  auto usage = json::parse(ev.back().second)["response"]["usage"];
  EXPECT_EQ(usage["input_tokens"], 12100);
  EXPECT_EQ(usage["input_tokens_details"]["cached_tokens"], 10000);
  EXPECT_EQ(usage["output_tokens"], 500);
  ASSERT_TRUE(gw.waitSettled());
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 1'000'000 - kUpstreamCost);
}

}  // namespace
}  // namespace turnpike::test

namespace turnpike::test {
namespace {

TEST(Dialects, AnAnthropicClientHearsPingsWhileTheUpstreamIsSilent) {
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    FakeUpstream::sendStream(res, {chunkJson("up-paid", "thinking..."), chunkJson("up-paid", " done"),
                                   usageChunkJson("up-paid", 10, 5)},
                             [](size_t i) {
                               if (i == 0) std::this_thread::sleep_for(std::chrono::milliseconds(16'500));
                             });
  });
  GatewayFixture gw(responsesConfig(up));
  auto payer = gw.fundedAccount(1'000'000);
  auto r = postJson(gw.port(), "/v1/messages",
                    R"({"model":"up-paid","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]})",
                    apiKey(payer.apiKey));
  ASSERT_EQ(r.status, 200) << r.body;
  auto ev = events(r.body);
  auto ping = std::find_if(ev.begin(), ev.end(), [](const auto& e) { return e.first == "ping"; });
  ASSERT_NE(ping, ev.end()) << r.body;
  EXPECT_EQ(json::parse(ping->second)["type"], "ping");
  // Between the first text and the rest, where the upstream was silent.
  auto firstText = std::find_if(ev.begin(), ev.end(), [](const auto& e) { return e.first == "content_block_delta"; });
  EXPECT_LT(firstText - ev.begin(), ping - ev.begin());
  EXPECT_EQ(ev.back().first, "message_stop");
}

}  // namespace
}  // namespace turnpike::test

namespace turnpike::test {
namespace {

TEST(Dialects, AMessagesStreamCutByItsClientIsChargedForWhatWasDelivered) {
  Gate firstRead;
  FakeUpstream up(slowTokenStream(firstRead));
  GatewayFixture gw(openAiUpstreamYaml(up.baseUrl(), "{output: 4000000}", 1000));
  auto payer = gw.fundedAccount(100'000);
  {
    SseClient s(gw.port(), "/v1/messages",
                R"({"model":"paid","max_tokens":1000,"stream":true,"messages":[{"role":"user","content":"hi"}]})",
                apiKey(payer.apiKey));
    ASSERT_EQ(s.status(), 200);
    // message_start, content_block_start, then text.
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(s.next());
    s.abort();
    firstRead.open();
  }
  ASSERT_TRUE(gw.waitSettled());
  int64_t charged = 100'000 - gw.billing().ledgerSum(payer.accountId);
  EXPECT_GE(charged, 2 * 4);
  EXPECT_LE(charged, 40 * 4);  // far below the 4000 reserved
  auto history = json::parse(
      httpRequest(gw.port(), "GET", "/v1/usage/history", "", {{"Authorization", "Bearer " + payer.apiKey}}).body);
  EXPECT_EQ(history["data"][0]["status"], 499);
  EXPECT_EQ(history["data"][0]["cost"], charged);
}

}  // namespace
}  // namespace turnpike::test

namespace turnpike::test {
namespace {

// Codex's apply_patch: an OpenAI custom tool (free-form input).
const std::string kCustomToolRequest =
    R"({"model":"{{model}}","input":"fix the bug","tools":[{"type":"custom","name":"apply_patch",)"
    R"("description":"Apply a patch","format":{"type":"grammar","syntax":"lark","definition":"start: /.+/"}}]})";

TEST(Dialects, CustomToolsAreNeverLost) {
  FakeUpstream up([](const RecordedRequest& req, HTTPServerResponse& res) {
    auto body = json::parse(req.body);
    auto tool = body["tools"][0];
    json call = tool["type"] == "custom"
                    ? json{{"id", "call_1"}, {"type", "custom"}, {"custom", {{"name", "apply_patch"}, {"input", "*** Begin Patch"}}}}
                    : json{{"id", "call_1"},
                           {"type", "function"},
                           {"function", {{"name", "apply_patch"}, {"arguments", R"({"input":"*** Begin Patch"})"}}}};
    json reply = json::parse(chatCompletionJson("m", ""));
    reply["choices"][0]["message"] = {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {call}}};
    reply["choices"][0]["finish_reason"] = "tool_calls";
    FakeUpstream::sendJson(res, 200, reply.dump());
  });
  GatewayFixture gw(expand(R"(
providers:
  - name: up
    plugin: openai_compat
    base_url: {{url}}
    models:
      - id: plain
      - id: native
        capabilities: [chat, tools, custom_tools]
)",
                           "url", up.baseUrl()));
  for (std::string model : {"plain", "native"}) {
    SCOPED_TRACE(model);
    auto r = postJson(gw.port(), "/v1/responses", expand(kCustomToolRequest, "model", model));
    ASSERT_EQ(r.status, 200) << r.body;
    auto sent = json::parse(up.lastRequest().body)["tools"][0];
    if (model == "native") {
      EXPECT_EQ(sent["type"], "custom");
    } else {
      EXPECT_EQ(sent["type"], "function");
      EXPECT_EQ(sent["function"]["parameters"]["required"][0], "input");
      EXPECT_NE(sent["function"]["description"].get<std::string>().find("start: /.+/"), std::string::npos);
    }
    auto item = json::parse(r.body)["output"][0];
    EXPECT_EQ(item["type"], "custom_tool_call") << r.body;
    EXPECT_EQ(item["name"], "apply_patch");
    EXPECT_EQ(item["input"], "*** Begin Patch");
  }
}

}  // namespace
}  // namespace turnpike::test

namespace turnpike::test {
namespace {

TEST(Dialects, AResponsesStreamThatFailsEndsInResponseFailed) {
  GatewayFixture gw(configFor(nullptr));
  auto payer = gw.fundedAccount(1'000'000);
  auto r = postJson(gw.port(), "/v1/responses", R"({"model":"mock-paid","stream":true,"input":"mock:fail=stream-error"})",
                    {{"Authorization", "Bearer " + payer.apiKey}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto ev = events(r.body);
  ASSERT_FALSE(ev.empty()) << r.body;
  EXPECT_EQ(ev.front().first, "response.created");
  EXPECT_EQ(ev.back().first, "response.failed") << r.body;
  auto failed = json::parse(ev.back().second)["response"];
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_FALSE(failed["error"]["code"].get<std::string>().empty());
  EXPECT_EQ(std::count_if(ev.begin(), ev.end(), [](const auto& e) { return e.first == "response.completed"; }), 0);
  ASSERT_TRUE(gw.waitSettled());
}

}  // namespace
}  // namespace turnpike::test
