// The anthropic provider plugin, loaded from its built .so through the host's loader: the
// upstream request it builds, and what it emits for recorded Messages responses.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fake_upstream.hpp"
#include "plugins/loader.hpp"
#include "plugins/provider.hpp"

namespace turnpike::plugins {
namespace {

using nlohmann::json;

struct Recorded : EmitSink {
  struct Error {
    int status;
    std::string type, code, param, message;
  };
  std::vector<std::string> chunks;
  std::vector<tp_usage> usages;
  std::vector<Error> errors;
  // Where the usage arrived among the chunks.
  size_t usageAfterChunks = 0;

  void onChunk(std::string_view json, uint32_t) override { chunks.emplace_back(json); }
  void onUsage(const tp_usage& usage) override {
    usages.push_back(usage);
    usageAfterChunks = chunks.size();
  }
  void onError(const EmittedError& e) override {
    errors.push_back({e.status, std::string(e.type), std::string(e.code), std::string(e.param), std::string(e.message)});
  }
};

class AnthropicProvider : public ::testing::Test {
 protected:
  const LoadedPlugin& plugin() { return loader_.load("anthropic", TP_KIND_PROVIDER); }

  std::unique_ptr<Provider> make(json config) {
    if (config.is_null()) config = json::object();
    return std::make_unique<Provider>(plugin(), "claude", config, std::vector<std::string>{"sk-ant-secret"});
  }

  std::string createError(json config) {
    try {
      make(std::move(config));
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "the configuration was accepted";
    return {};
  }

  tp_provider_call call(std::string_view body, bool stream, tp_operation op = TP_OP_CHAT) {
    tp_provider_call c{};
    c.struct_size = sizeof(tp_provider_call);
    c.operation = op;
    c.model = {"claude", 6};
    c.upstream_model = {"claude-sonnet-4-5", 17};
    c.body = {body.data(), body.size()};
    c.stream = stream ? 1 : 0;
    c.dialect = TP_DIALECT_ANTHROPIC_MESSAGES;
    c.headers = passed_.data();
    c.header_count = passed_.size();
    return c;
  }

  void pass(std::string_view name, std::string_view value) {
    passed_.push_back({{name.data(), name.size()}, {value.data(), value.size()}});
  }

  // What the provider emits for one upstream answer, delivered as the host does: whole for
  // non-streams and error statuses, else in pieces of `piece` bytes (0: one) and an end.
  Recorded respond(Provider& p, const tp_provider_call& c, int status, std::string_view bytes, size_t piece = 0) {
    Recorded out;
    auto stream = p.openStream(c);
    if (!c.stream || status >= 400) {
      stream.feed(status, bytes, true, out);
      return out;
    }
    if (piece == 0) piece = bytes.size();
    for (size_t i = 0; i < bytes.size(); i += piece) stream.feed(status, bytes.substr(i, piece), false, out);
    stream.feed(status, {}, true, out);
    return out;
  }

  static bool hasHeader(const net::UpstreamRequest& r, std::string_view line) {
    return std::find(r.headers.begin(), r.headers.end(), line) != r.headers.end();
  }
  static size_t countHeader(const net::UpstreamRequest& r, std::string_view name) {
    return std::count_if(r.headers.begin(), r.headers.end(),
                         [&](const std::string& l) { return l.rfind(std::string(name) + ":", 0) == 0; });
  }

  Loader loader_{TURNPIKE_TEST_PLUGIN_DIR};
  std::vector<tp_http_header> passed_;
};

// A stream as api.anthropic.com sends it (CRLF line ends, named events, a ping, thinking with
// its signature, text over several deltas, two tool calls), cache counts in message_start.
constexpr std::string_view kStream =
    "event: message_start\r\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
    "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
    "\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":1000,\"cache_read_input_tokens\":2000,\"output_tokens\":1}}}\r\n"
    "\r\n"
    "event: ping\r\n"
    "data: {\"type\": \"ping\"}\r\n"
    "\r\n"
    "event: content_block_start\r\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\r\n"
    "\r\n"
    "event: content_block_delta\r\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Two tools.\"}}\r\n"
    "\r\n"
    "event: content_block_delta\r\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAh==\"}}\r\n"
    "\r\n"
    "event: content_block_stop\r\n"
    "data: {\"type\":\"content_block_stop\",\"index\":0}\r\n"
    "\r\n"
    "event: content_block_start\r\n"
    "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\r\n"
    "\r\n"
    "event: content_block_delta\r\n"
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Looking \\\"both\\\" up\"}}\r\n"
    "\r\n"
    "event: content_block_delta\r\n"
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\" now.\"}}\r\n"
    "\r\n"
    "event: content_block_stop\r\n"
    "data: {\"type\":\"content_block_stop\",\"index\":1}\r\n"
    "\r\n"
    "event: content_block_start\r\n"
    "data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{}}}\r\n"
    "\r\n"
    "event: content_block_delta\r\n"
    "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}}\r\n"
    "\r\n"
    "event: content_block_delta\r\n"
    "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}\r\n"
    "\r\n"
    "event: content_block_stop\r\n"
    "data: {\"type\":\"content_block_stop\",\"index\":2}\r\n"
    "\r\n"
    "event: content_block_start\r\n"
    "data: {\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_02\",\"name\":\"get_time\",\"input\":{}}}\r\n"
    "\r\n"
    "event: content_block_delta\r\n"
    "data: {\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\r\n"
    "\r\n"
    "event: content_block_stop\r\n"
    "data: {\"type\":\"content_block_stop\",\"index\":3}\r\n"
    "\r\n"
    "event: message_delta\r\n"
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":89}}\r\n"
    "\r\n"
    "event: message_stop\r\n"
    "data: {\"type\":\"message_stop\"}\r\n"
    "\r\n";

// The data of every event of an SSE text, in order.
std::vector<std::string> dataLines(std::string_view sse) {
  std::vector<std::string> out;
  for (size_t at = sse.find("data: "); at != std::string_view::npos; at = sse.find("data: ", at)) {
    at += 6;
    size_t end = sse.find_first_of("\r\n", at);
    out.emplace_back(sse.substr(at, end - at));
  }
  return out;
}

TEST_F(AnthropicProvider, DeclaresMessagesAndTokenCounting) {
  auto p = make({{"api_key", "sk-ant-secret"}});
  EXPECT_EQ(p->dialects(), TP_DIALECT_ANTHROPIC_MESSAGES);
  EXPECT_TRUE(p->countsTokens());
  json schema = json::parse(plugin().descriptor->config_schema);
  EXPECT_EQ(schema["base_url"]["default"], "https://api.anthropic.com");
  EXPECT_EQ(schema["anthropic_version"]["default"], "2023-06-01");
  EXPECT_TRUE(schema["api_key"]["secret"].get<bool>());
  EXPECT_TRUE(schema["headers"]["secret"].get<bool>());
}

TEST_F(AnthropicProvider, SendsTheClientsBytesWithAnthropicsHeaders) {
  auto p = make({{"api_key", "sk-ant-secret"}, {"headers", {{"X-Team", "blue"}}}});
  // Odd spacing, member order and escapes that a re-serialisation would change.
  std::string body =
      "{ \"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,  \"system\":[{\"type\":\"text\",\"text\":\"caf\\u00e9\","
      "\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"1.0e2\"}],\"temperature\":1.0}";
  auto c = call(body, false);
  net::UpstreamRequest out;
  std::string error;
  ASSERT_EQ(p->buildRequest(c, out, error), TP_DISPATCH_HTTP) << error;
  EXPECT_EQ(out.method, "POST");
  EXPECT_EQ(out.url, "https://api.anthropic.com/v1/messages");
  EXPECT_EQ(out.body, body);
  EXPECT_TRUE(hasHeader(out, "content-type: application/json"));
  EXPECT_TRUE(hasHeader(out, "x-api-key: sk-ant-secret"));
  EXPECT_TRUE(hasHeader(out, "anthropic-version: 2023-06-01"));
  EXPECT_TRUE(hasHeader(out, "X-Team: blue"));
  EXPECT_EQ(countHeader(out, "anthropic-beta"), 0u);
  EXPECT_EQ(countHeader(out, "authorization"), 0u);
}

TEST_F(AnthropicProvider, PassesTheClientsVersionAndMergesBetas) {
  auto p = make({{"base_url", "http://127.0.0.1:9/"},
                 {"api_key", "sk-ant-secret"},
                 {"anthropic_version", "2023-01-01"},
                 {"anthropic_beta", "prompt-caching-2024-07-31, files-api-2025-04-14"}});
  pass("anthropic-version", "2023-06-01");
  pass("anthropic-beta", "interleaved-thinking-2025-05-14,prompt-caching-2024-07-31");
  auto c = call("{}", true);
  net::UpstreamRequest out;
  std::string error;
  ASSERT_EQ(p->buildRequest(c, out, error), TP_DISPATCH_HTTP) << error;
  EXPECT_EQ(out.url, "http://127.0.0.1:9/v1/messages");
  EXPECT_TRUE(hasHeader(out, "anthropic-version: 2023-06-01")) << ::testing::PrintToString(out.headers);
  EXPECT_EQ(countHeader(out, "anthropic-version"), 1u);
  // The client's first, then the configured ones it lacked, each once.
  EXPECT_TRUE(hasHeader(out, "anthropic-beta: interleaved-thinking-2025-05-14,prompt-caching-2024-07-31,files-api-2025-04-14"))
      << ::testing::PrintToString(out.headers);
  EXPECT_EQ(countHeader(out, "anthropic-beta"), 1u);

  // Without the client's: the configured version and betas.
  passed_.clear();
  c = call("{}", true);
  net::UpstreamRequest plain;
  ASSERT_EQ(p->buildRequest(c, plain, error), TP_DISPATCH_HTTP) << error;
  EXPECT_TRUE(hasHeader(plain, "anthropic-version: 2023-01-01"));
  EXPECT_TRUE(hasHeader(plain, "anthropic-beta: prompt-caching-2024-07-31,files-api-2025-04-14"));
}

TEST_F(AnthropicProvider, RefusesMalformedPassedHeaders) {
  auto p = make({});
  pass("anthropic-beta", "a,,b");
  auto c = call("{}", false);
  net::UpstreamRequest out;
  std::string error;
  EXPECT_EQ(p->buildRequest(c, out, error), -1);
  EXPECT_NE(error.find("anthropic-beta must be a comma-separated list"), std::string::npos) << error;

  // A header of thousands of names is refused rather than de-duplicated on the event loop.
  std::string many;
  for (int i = 0; i < 200; ++i) many += "beta-" + std::to_string(i) + ",";
  many.pop_back();
  passed_.clear();
  pass("anthropic-beta", many);
  c = call("{}", false);
  EXPECT_EQ(p->buildRequest(c, out, error), -1);
  EXPECT_NE(error.find("more than 128 beta names"), std::string::npos) << error;
}

TEST_F(AnthropicProvider, CountsTokensAtItsOwnPath) {
  auto p = make({{"api_key", "sk-ant-secret"}});
  std::string body = R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hello"}]})";
  auto c = call(body, false, TP_OP_COUNT_TOKENS);
  net::UpstreamRequest out;
  std::string error;
  ASSERT_EQ(p->buildRequest(c, out, error), TP_DISPATCH_HTTP) << error;
  EXPECT_EQ(out.url, "https://api.anthropic.com/v1/messages/count_tokens");
  EXPECT_EQ(out.body, body);
  EXPECT_TRUE(hasHeader(out, "anthropic-version: 2023-06-01"));

  // The answer is the client's as it came; it is no generation, so it carries no usage.
  auto r = respond(*p, c, 200, R"({"input_tokens":2095})");
  ASSERT_EQ(r.chunks.size(), 1u);
  EXPECT_EQ(r.chunks[0], R"({"input_tokens":2095})");
  EXPECT_TRUE(r.usages.empty());
  EXPECT_TRUE(r.errors.empty());
}

TEST_F(AnthropicProvider, RefusesOperationsMessagesDoNotHaveAndOtherDialects) {
  auto p = make({});
  net::UpstreamRequest out;
  std::string error;
  auto c = call("{}", false, TP_OP_EMBEDDING);
  EXPECT_EQ(p->buildRequest(c, out, error), -1);
  EXPECT_NE(error.find("messages and token counts only"), std::string::npos) << error;
  c = call("{}", false, TP_OP_COMPLETION);
  EXPECT_EQ(p->buildRequest(c, out, error), -1);
  c = call("{}", false);
  c.dialect = TP_DIALECT_OPENAI_CHAT;
  EXPECT_EQ(p->buildRequest(c, out, error), -1);
  EXPECT_NE(error.find("Anthropic Messages requests only"), std::string::npos) << error;
}

TEST_F(AnthropicProvider, RefusesBadConfigurationWithClearMessages) {
  EXPECT_NE(createError({{"base_url", "ftp://x"}}).find("base_url must start with http"), std::string::npos);
  EXPECT_NE(createError({{"base_url", "https://api.anthropic.com/v1/"}}).find("without /v1"), std::string::npos);
  EXPECT_NE(createError({{"base_url", 7}}).find("base_url must be a string"), std::string::npos);
  EXPECT_NE(createError({{"anthropic_version", "2023 06"}}).find("anthropic_version"), std::string::npos);
  EXPECT_NE(createError({{"anthropic_beta", "a,,b"}}).find("anthropic_beta must be a comma-separated list"),
            std::string::npos);
  EXPECT_NE(createError({{"headers", {{"x-api-key", "k"}}}}).find("use api_key"), std::string::npos);
  EXPECT_NE(createError({{"headers", {{"Anthropic-Beta", "k"}}}}).find("use anthropic_beta"), std::string::npos);
  EXPECT_NE(createError({{"headers", {{"bad name", "k"}}}}).find("not a valid header name"), std::string::npos);
  EXPECT_NE(createError({{"headers", {{"X-A", "a\r\nX-Injected: 1"}}}}).find("control characters"), std::string::npos);
  EXPECT_NE(createError({{"headers", {{"X-A", 1}}}}).find("headers.X-A must be a string"), std::string::npos);
  // Secrets never come back in the message.
  std::string e = createError({{"api_key", "sk-ant-secret\n"}});
  EXPECT_NE(e.find("api_key"), std::string::npos) << e;
  EXPECT_EQ(e.find("sk-ant-secret"), std::string::npos) << e;
}

TEST_F(AnthropicProvider, StreamsEveryEventUnchangedInOrder) {
  auto p = make({});
  auto c = call("{}", true);
  // Whole, and cut into pieces that split lines, CRLFs and JSON anywhere.
  for (size_t piece : {size_t{0}, size_t{1}, size_t{7}, size_t{64}}) {
    auto r = respond(*p, c, 200, kStream, piece);
    EXPECT_EQ(r.chunks, dataLines(kStream)) << "piece " << piece;
    EXPECT_TRUE(r.errors.empty());
  }
  auto r = respond(*p, c, 200, kStream);
  ASSERT_EQ(r.chunks.size(), 19u);
  EXPECT_EQ(r.chunks[1], "{\"type\": \"ping\"}");
}

TEST_F(AnthropicProvider, StreamUsageCountsTheCacheOnceAtMessageStop) {
  auto p = make({});
  auto c = call("{}", true);
  auto r = respond(*p, c, 200, kStream, 5);
  ASSERT_EQ(r.usages.size(), 1u);
  const tp_usage& u = r.usages[0];
  // input_tokens leaves the cache out; the prompt is all three, each counted once.
  EXPECT_EQ(u.prompt_tokens, 25u + 1000u + 2000u);
  EXPECT_EQ(u.cached_tokens, 2000u);
  EXPECT_EQ(u.cache_write_tokens, 1000u);
  // message_delta's cumulative count, not message_start's placeholder.
  EXPECT_EQ(u.completion_tokens, 89u);
  EXPECT_EQ(u.reasoning_tokens, 0u);
  // Before message_stop's chunk, after everything else.
  EXPECT_EQ(r.usageAfterChunks, r.chunks.size() - 1);
}

TEST_F(AnthropicProvider, MessageDeltaOverwritesTheCountsItCarries) {
  auto p = make({});
  auto c = call("{}", true);
  std::string sse =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,"
      "\"cache_read_input_tokens\":4,\"output_tokens\":1}}}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
      "\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":3,\"output_tokens\":30}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  auto r = respond(*p, c, 200, sse);
  ASSERT_EQ(r.usages.size(), 1u);
  EXPECT_EQ(r.usages[0].prompt_tokens, 12u + 3u + 4u);
  EXPECT_EQ(r.usages[0].cached_tokens, 4u);
  EXPECT_EQ(r.usages[0].cache_write_tokens, 3u);
  EXPECT_EQ(r.usages[0].completion_tokens, 30u);
}

TEST_F(AnthropicProvider, StreamCutAfterMessageDeltaStillReportsItsUsage) {
  auto p = make({});
  auto c = call("{}", true);
  std::string sse =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":7}}";
  auto r = respond(*p, c, 200, sse);
  ASSERT_EQ(r.chunks.size(), 2u);  // the last event lacked its blank line
  ASSERT_EQ(r.usages.size(), 1u);
  EXPECT_EQ(r.usages[0].prompt_tokens, 10u);
  EXPECT_EQ(r.usages[0].completion_tokens, 7u);

  // Cut before any message_delta: message_start's output count is a placeholder, so no usage
  // (the host counts what it delivered).
  auto early = respond(*p, c, 200,
                       "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n");
  EXPECT_EQ(early.chunks.size(), 1u);
  EXPECT_TRUE(early.usages.empty());
}

TEST_F(AnthropicProvider, KeepsUnknownEventTypesAndDropsWhatNoEventCanCarry) {
  auto p = make({});
  auto c = call("{}", true);
  std::string sse =
      "event: something_new\ndata: {\"type\":\"something_new\",\"x\":[1,{\"y\":\"}\"}]}\n\n"
      ": a comment\n\n"
      "data: [DONE]\n\n"  // an OpenAI habit of some proxies: no JSON object, no event
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  auto r = respond(*p, c, 200, sse);
  ASSERT_EQ(r.chunks.size(), 2u);
  EXPECT_EQ(r.chunks[0], "{\"type\":\"something_new\",\"x\":[1,{\"y\":\"}\"}]}");
  EXPECT_EQ(r.chunks[1], "{\"type\":\"message_stop\"}");
  EXPECT_TRUE(r.errors.empty());
}

TEST_F(AnthropicProvider, MidStreamErrorKeepsAnthropicsTypeAndStops) {
  auto p = make({});
  auto c = call("{}", true);
  struct Case {
    const char* type;
    int status;
  };
  for (auto [type, status] : {Case{"overloaded_error", 503}, Case{"rate_limit_error", 429}, Case{"api_error", 500},
                              Case{"invalid_request_error", 400}, Case{"strange_error", 502}}) {
    std::string sse =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n"
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"" + std::string(type) +
        "\",\"message\":\"Overloaded\"}}\n\n"
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    auto r = respond(*p, c, 200, sse);
    ASSERT_EQ(r.errors.size(), 1u) << type;
    EXPECT_EQ(r.errors[0].status, status) << type;
    EXPECT_EQ(r.errors[0].type, type);
    EXPECT_EQ(r.errors[0].code, "");
    EXPECT_EQ(r.errors[0].param, "");
    EXPECT_EQ(r.errors[0].message, "Overloaded");
    // The error is the host's to report; nothing after it goes out.
    EXPECT_EQ(r.chunks.size(), 2u) << type;
    EXPECT_TRUE(r.usages.empty());
  }
}

TEST_F(AnthropicProvider, NonStreamMessageIsEmittedWholeWithItsUsage) {
  auto p = make({});
  auto c = call("{}", false);
  std::string message =
      R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5",)"
      R"("content":[{"type":"text","text":"Hi \"there\""}],"stop_reason":"stop_sequence","stop_sequence":"END",)"
      R"("usage":{"input_tokens":3,"cache_creation_input_tokens":100,"cache_read_input_tokens":50,"output_tokens":9,)"
      R"("cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":0}}})";
  auto r = respond(*p, c, 200, message);
  ASSERT_EQ(r.chunks.size(), 1u);
  EXPECT_EQ(r.chunks[0], message);
  ASSERT_EQ(r.usages.size(), 1u);
  EXPECT_EQ(r.usages[0].prompt_tokens, 153u);
  EXPECT_EQ(r.usages[0].cached_tokens, 50u);
  EXPECT_EQ(r.usages[0].cache_write_tokens, 100u);
  EXPECT_EQ(r.usages[0].completion_tokens, 9u);

  // Usage without its counts is no usage: the host counts the text instead of billing zero.
  auto bare = respond(*p, c, 200, R"({"type":"message","content":[],"usage":{"input_tokens":null}})");
  EXPECT_EQ(bare.chunks.size(), 1u);
  EXPECT_TRUE(bare.usages.empty());
}

TEST_F(AnthropicProvider, UpstreamErrorsKeepAnthropicsTypeAndMessage) {
  auto p = make({{"api_key", "sk-ant-secret"}});
  for (bool stream : {false, true}) {
    auto c = call("{}", stream);
    auto r = respond(*p, c, 429,
                     R"({"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"},"request_id":"req_011"})");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].status, 429);
    EXPECT_EQ(r.errors[0].type, "rate_limit_error");
    EXPECT_EQ(r.errors[0].code, "");
    EXPECT_EQ(r.errors[0].param, "");
    EXPECT_EQ(r.errors[0].message, "Number of request tokens has exceeded your per-minute rate limit");
    EXPECT_TRUE(r.chunks.empty());
  }
  auto c = call("{}", false);
  auto overloaded = respond(*p, c, 529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  ASSERT_EQ(overloaded.errors.size(), 1u);
  EXPECT_EQ(overloaded.errors[0].status, 529);
  EXPECT_EQ(overloaded.errors[0].type, "overloaded_error");
  // Not JSON (a proxy's page): a printable excerpt.
  auto html = respond(*p, c, 502, "<html>\nBad gateway</html>");
  ASSERT_EQ(html.errors.size(), 1u);
  EXPECT_EQ(html.errors[0].message, "<html> Bad gateway</html>");
}

TEST_F(AnthropicProvider, ConcurrentStreamsKeepTheirOwnState) {
  auto p = make({});
  auto c = call("{}", true);
  auto start = [](int input) {
    return "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":" +
           std::to_string(input) + ",\"output_tokens\":1}}}\n\n";
  };
  auto finish = [](int output) {
    return "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":" +
           std::to_string(output) + "}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  };
  Recorded a, b;
  auto sa = p->openStream(c);
  auto sb = p->openStream(c);
  sa.feed(200, start(11), false, a);
  sb.feed(200, start(22), false, b);
  sb.feed(200, finish(2), false, b);
  sa.feed(200, finish(1), false, a);
  sa.feed(200, {}, true, a);
  sb.feed(200, {}, true, b);
  ASSERT_EQ(a.usages.size(), 1u);
  ASSERT_EQ(b.usages.size(), 1u);
  EXPECT_EQ(a.usages[0].prompt_tokens, 11u);
  EXPECT_EQ(a.usages[0].completion_tokens, 1u);
  EXPECT_EQ(b.usages[0].prompt_tokens, 22u);
  EXPECT_EQ(b.usages[0].completion_tokens, 2u);
}

TEST_F(AnthropicProvider, DiscoversModelsPageByPage) {
  test::FakeUpstream upstream([](const test::RecordedRequest& r, Poco::Net::HTTPServerResponse& response) {
    if (r.uri == "/v1/models?limit=1000") {
      test::FakeUpstream::sendJson(response, 200, R"({"data":[
        {"type":"model","id":"claude-opus-4-1","display_name":"Claude Opus 4.1","created_at":"2025-08-05T00:00:00Z","max_input_tokens":200000,"max_tokens":32000},
        {"type":"model","id":"claude-sonnet-4-5","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"}],
        "has_more":true,"first_id":"claude-opus-4-1","last_id":"claude-sonnet-4-5"})");
    } else if (r.uri == "/v1/models?limit=1000&after_id=claude-sonnet-4-5") {
      test::FakeUpstream::sendJson(response, 200, R"({"data":[
        {"type":"model","id":"claude-haiku-4-5","display_name":"Claude Haiku 4.5","max_input_tokens":200000}],
        "has_more":false,"first_id":"claude-haiku-4-5","last_id":"claude-haiku-4-5"})");
    } else {
      test::FakeUpstream::sendJson(response, 404, R"({"type":"error","error":{"type":"not_found_error","message":"no"}})");
    }
  });
  std::string root = "http://127.0.0.1:" + std::to_string(upstream.port());
  auto p = make({{"base_url", root}, {"api_key", "sk-ant-secret"}, {"anthropic_beta", "files-api-2025-04-14"}});
  auto models = p->listModels();
  ASSERT_EQ(models.size(), 3u);
  EXPECT_EQ(models[0].id, "claude-opus-4-1");
  EXPECT_EQ(models[0].contextLength, 200000u);
  EXPECT_EQ(models[0].ownedBy, "anthropic");
  EXPECT_EQ(models[1].id, "claude-sonnet-4-5");
  EXPECT_EQ(models[1].contextLength, 0u);
  EXPECT_EQ(models[2].id, "claude-haiku-4-5");
  auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].headers["x-api-key"], "sk-ant-secret");
  EXPECT_EQ(requests[0].headers["anthropic-version"], "2023-06-01");
  EXPECT_EQ(requests[0].headers["anthropic-beta"], "files-api-2025-04-14");
}

TEST_F(AnthropicProvider, DiscoveryStopsAtAPageThatRepeatsAndReportsFailures) {
  test::FakeUpstream upstream([](const test::RecordedRequest&, Poco::Net::HTTPServerResponse& response) {
    // Claims more forever, always from the same last id.
    test::FakeUpstream::sendJson(response, 200, R"({"data":[{"id":"claude-x"}],"has_more":true,"last_id":"claude-x"})");
  });
  auto p = make({{"base_url", "http://127.0.0.1:" + std::to_string(upstream.port())}});
  EXPECT_EQ(p->listModels().size(), 2u);
  EXPECT_EQ(upstream.requestCount(), 2u);

  upstream.setHandler([](const test::RecordedRequest&, Poco::Net::HTTPServerResponse& response) {
    test::FakeUpstream::sendJson(response, 401, R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})");
  });
  try {
    p->listModels();
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("GET /v1/models answered HTTP 401"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace turnpike::plugins
