// The mock provider behaves like a model, through the real plugin loader and gateway: tool
// calls whose arguments satisfy the tools' schemas, a text answer once tool results are in,
// parallel calls, structured output, cached and reasoning tokens, paced streams, and failures
// injected with "mock:fail=<mode>" prompts that clients see as they would see a provider's.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "gateway_process.hpp"
#include "hostile_config.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A small JSON schema checker, independent of the mock's generator: the keywords tool schemas
// use. Returns the first violation, or "" when `value` is valid.
std::string violation(const json& schema, const json& value, const json& root, const std::string& at = "$") {
  if (schema.contains("$ref")) {
    std::string ref = schema["$ref"];
    return violation(root.at(json::json_pointer(ref.substr(1))), value, root, at);
  }
  if (schema.contains("anyOf")) {
    for (const auto& option : schema["anyOf"])
      if (violation(option, value, root, at).empty()) return "";
    return at + ": matches no anyOf option";
  }
  if (schema.contains("enum") && std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end())
    return at + ": not in enum";
  if (schema.contains("type")) {
    std::string type = schema["type"];
    bool ok = (type == "object" && value.is_object()) || (type == "array" && value.is_array()) ||
              (type == "string" && value.is_string()) || (type == "integer" && value.is_number_integer()) ||
              (type == "number" && value.is_number()) || (type == "boolean" && value.is_boolean()) ||
              (type == "null" && value.is_null());
    if (!ok) return at + ": not " + type;
  }
  if (value.is_object()) {
    for (const auto& name : schema.value("required", json::array()))
      if (!value.contains(name.get<std::string>())) return at + ": missing " + name.get<std::string>();
    for (auto& [name, v] : value.items()) {
      if (schema.contains("properties") && schema["properties"].contains(name)) {
        if (auto e = violation(schema["properties"][name], v, root, at + "." + name); !e.empty()) return e;
      } else if (schema.value("additionalProperties", true) == false) {
        return at + ": unexpected " + name;
      }
    }
  }
  if (value.is_array()) {
    if (value.size() < schema.value("minItems", size_t{0})) return at + ": too few items";
    if (value.size() > schema.value("maxItems", SIZE_MAX)) return at + ": too many items";
    if (schema.value("uniqueItems", false) && std::set<json>(value.begin(), value.end()).size() != value.size())
      return at + ": items not unique";
    for (size_t i = 0; i < value.size() && schema.contains("items"); ++i)
      if (auto e = violation(schema["items"], value[i], root, at + "[" + std::to_string(i) + "]"); !e.empty()) return e;
  }
  if (value.is_number()) {
    double x = value.get<double>();
    if (schema.contains("minimum") && x < schema["minimum"].get<double>()) return at + ": below minimum";
    if (schema.contains("maximum") && x > schema["maximum"].get<double>()) return at + ": above maximum";
    if (schema.contains("exclusiveMinimum") && x <= schema["exclusiveMinimum"].get<double>()) return at + ": not above exclusiveMinimum";
    if (schema.contains("exclusiveMaximum") && x >= schema["exclusiveMaximum"].get<double>()) return at + ": not below exclusiveMaximum";
  }
  if (value.is_string()) {
    if (value.get<std::string>().size() < schema.value("minLength", size_t{0})) return at + ": too short";
    if (value.get<std::string>().size() > schema.value("maxLength", SIZE_MAX)) return at + ": too long";
  }
  return "";
}

const json kWeather = json::parse(R"({"type": "object",
  "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                 "days": {"type": "integer", "minimum": 1, "maximum": 7}},
  "required": ["city", "unit"]})");
const json kProfile = json::parse(R"({"type": "object", "additionalProperties": false,
  "properties": {
    "user": {"type": "object", "properties": {
      "name": {"type": "string", "minLength": 3, "maxLength": 12},
      "age": {"type": "integer", "minimum": 18},
      "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": true},
      "active": {"type": "boolean"},
      "score": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}},
      "required": ["name", "age", "tags"]},
    "mode": {"enum": ["fast", "slow"]}},
  "required": ["user", "mode"]})");
const json kBooking = json::parse(R"({"type": "object",
  "properties": {"when": {"type": "string", "format": "date-time"},
                 "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                 "seats": {"type": "array", "items": {"$ref": "#/$defs/seat"}, "maxItems": 3},
                 "total": {"type": "number", "minimum": 10, "maximum": 20}},
  "$defs": {"seat": {"type": "object", "properties": {"row": {"type": "integer"}, "letter": {"type": "string", "maxLength": 1}},
                     "required": ["row", "letter"]}},
  "required": ["when", "note", "seats", "total"]})");

json tool(const std::string& name, const json& parameters) {
  return {{"type", "function"}, {"function", {{"name", name}, {"parameters", parameters}}}};
}

json userMessage(const std::string& text) { return json::array({{{"role", "user"}, {"content", text}}}); }

json chat(uint16_t port, json body) {
  body["model"] = "mock-fast";
  auto r = postJson(port, "/v1/chat/completions", body.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body);
}

// The streamed tool calls put back together, as SDKs do: by index, name from the first delta,
// arguments concatenated.
json assembleToolCalls(const std::vector<std::string>& events, std::string& finish) {
  json calls = json::array();
  for (const auto& e : events) {
    if (e == "[DONE]") continue;
    json chunk = json::parse(e);
    if (chunk["choices"].empty()) continue;
    const json& choice = chunk["choices"][0];
    if (!choice["finish_reason"].is_null()) finish = choice["finish_reason"];
    if (!choice["delta"].contains("tool_calls")) continue;
    for (const auto& d : choice["delta"]["tool_calls"]) {
      size_t i = d["index"];
      if (i == calls.size()) {
        EXPECT_TRUE(d.contains("id") && d.contains("type") && d["function"].contains("name")) << e;
        calls.push_back({{"id", d["id"]}, {"name", d["function"]["name"]}, {"arguments", ""}});
      }
      if (i >= calls.size()) {
        ADD_FAILURE() << "tool call index " << i << " skips ahead: " << e;
        return calls;
      }
      calls[i]["arguments"] = calls[i]["arguments"].get<std::string>() + d["function"].value("arguments", "");
    }
  }
  return calls;
}

int threadCount(pid_t pid) {
  int n = 0;
  if (DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/task").c_str())) {
    while (dirent* e = readdir(dir)) n += e->d_name[0] != '.';
    closedir(dir);
  }
  return n;
}

// True once the gateway has no more threads than `baseline` (the mock's connection threads
// are gone), within `timeout`.
bool threadsBackTo(pid_t pid, int baseline, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (threadCount(pid) <= baseline) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class MockModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gateway_ = new GatewayProcess(hostileConfig()); }
  static void TearDownTestSuite() {
    delete gateway_;
    gateway_ = nullptr;
  }
  static uint16_t port() { return gateway_->port(); }
  static GatewayProcess* gateway_;
};
GatewayProcess* MockModel::gateway_ = nullptr;

TEST_F(MockModel, ToolArgumentsSatisfyEachSchema) {
  for (const json* schema : {&kWeather, &kProfile, &kBooking}) {
    json r = chat(port(), {{"messages", userMessage("plan it")}, {"tools", json::array({tool("act", *schema)})}, {"tool_choice", "required"}});
    const json& choice = r["choices"][0];
    EXPECT_EQ(choice["finish_reason"], "tool_calls");
    EXPECT_TRUE(choice["message"]["content"].is_null());
    ASSERT_EQ(choice["message"]["tool_calls"].size(), 1u) << r.dump();
    const json& call = choice["message"]["tool_calls"][0];
    EXPECT_EQ(call["type"], "function");
    EXPECT_EQ(call["function"]["name"], "act");
    json arguments = json::parse(call["function"]["arguments"].get<std::string>());
    EXPECT_EQ(violation(*schema, arguments, *schema), "") << arguments.dump();
  }
  json r = chat(port(), {{"messages", userMessage("weather in Oslo")}, {"tools", json::array({tool("get_weather", kWeather)})}});
  json arguments = json::parse(r["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"].get<std::string>());
  EXPECT_EQ(arguments["city"], "weather in Oslo");  // strings come from the prompt
  EXPECT_EQ(arguments["unit"], "celsius");          // an enum's first value
  // Deterministic: the same request, the same call.
  json again = chat(port(), {{"messages", userMessage("weather in Oslo")}, {"tools", json::array({tool("get_weather", kWeather)})}});
  EXPECT_EQ(again["choices"][0]["message"]["tool_calls"], r["choices"][0]["message"]["tool_calls"]);
}

TEST_F(MockModel, ToolChoiceIsHonoured) {
  json tools = json::array({tool("get_weather", kWeather), tool("book", kBooking)});
  json none = chat(port(), {{"messages", userMessage("book a table")}, {"tools", tools}, {"tool_choice", "none"}});
  EXPECT_EQ(none["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(none["choices"][0]["message"]["content"], "Mock reply from mock-fast: book a table");
  json forced = chat(port(), {{"messages", userMessage("book a table")}, {"tools", tools},
                              {"tool_choice", {{"type", "function"}, {"function", {{"name", "get_weather"}}}}}});
  EXPECT_EQ(forced["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "get_weather");
  // Unforced, the tool the prompt names is called.
  json named = chat(port(), {{"messages", userMessage("please book now")}, {"tools", tools}});
  EXPECT_EQ(named["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "book");
}

TEST_F(MockModel, ParallelToolCallsWhenThePromptAsksForSeveral) {
  json tools = json::array({tool("get_weather", kWeather), tool("get_profile", kProfile), tool("book", kBooking)});
  json r = chat(port(), {{"messages", userMessage("call get_weather and get_profile")}, {"tools", tools}});
  const json& calls = r["choices"][0]["message"]["tool_calls"];
  ASSERT_EQ(calls.size(), 2u) << r.dump();
  EXPECT_EQ(calls[0]["function"]["name"], "get_weather");
  EXPECT_EQ(calls[1]["function"]["name"], "get_profile");
  EXPECT_NE(calls[0]["id"], calls[1]["id"]);
  EXPECT_EQ(violation(kProfile, json::parse(calls[1]["function"]["arguments"].get<std::string>()), kProfile), "");
  json single = chat(port(), {{"messages", userMessage("call get_weather and get_profile")}, {"tools", tools}, {"parallel_tool_calls", false}});
  EXPECT_EQ(single["choices"][0]["message"]["tool_calls"].size(), 1u);

  SseClient stream(port(), "/v1/chat/completions",
                   json{{"model", "mock-fast"}, {"stream", true}, {"messages", userMessage("call get_weather and get_profile")}, {"tools", tools}}.dump());
  ASSERT_EQ(stream.status(), 200);
  std::string finish;
  json streamed = assembleToolCalls(stream.rest(), finish);
  EXPECT_EQ(finish, "tool_calls");
  ASSERT_EQ(streamed.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(streamed[i]["id"], calls[i]["id"]);
    EXPECT_EQ(streamed[i]["name"], calls[i]["function"]["name"]);
    EXPECT_EQ(streamed[i]["arguments"], calls[i]["function"]["arguments"]);  // sent in pieces, the same text
  }
}

TEST_F(MockModel, ToolResultGetsATextAnswer) {
  json messages = json::array({{{"role", "user"}, {"content", "weather in Oslo"}},
                               {{"role", "assistant"}, {"content", nullptr},
                                {"tool_calls", json::array({{{"id", "call_1"}, {"type", "function"},
                                                             {"function", {{"name", "get_weather"}, {"arguments", "{}"}}}}})}},
                               {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "sunny, 21 C"}}});
  json r = chat(port(), {{"messages", messages}, {"tools", json::array({tool("get_weather", kWeather)})}});
  const json& choice = r["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "stop");
  EXPECT_FALSE(choice["message"].contains("tool_calls"));
  std::string text = choice["message"]["content"];
  EXPECT_NE(text.find("get_weather returned sunny, 21 C"), std::string::npos) << text;
}

TEST_F(MockModel, ResponseFormatAnswersValidJson) {
  json r = chat(port(), {{"messages", userMessage("give me a profile")},
                         {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "profile"}, {"strict", true}, {"schema", kProfile}}}}}});
  json content = json::parse(r["choices"][0]["message"]["content"].get<std::string>());
  EXPECT_EQ(violation(kProfile, content, kProfile), "") << content.dump();
  EXPECT_EQ(r["choices"][0]["finish_reason"], "stop");

  json object = chat(port(), {{"messages", userMessage("as json")}, {"response_format", {{"type", "json_object"}}}});
  EXPECT_TRUE(json::parse(object["choices"][0]["message"]["content"].get<std::string>()).is_object());

  SseClient stream(port(), "/v1/chat/completions",
                   json{{"model", "mock-fast"}, {"stream", true}, {"messages", userMessage("give me a profile")},
                        {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "profile"}, {"schema", kProfile}}}}}}
                       .dump());
  std::string text;
  for (const auto& e : stream.rest())
    if (e != "[DONE]") text += json::parse(e)["choices"][0]["delta"].value("content", "");
  EXPECT_EQ(violation(kProfile, json::parse(text), kProfile), "") << text;
}

TEST_F(MockModel, UsageCarriesCachedAndReasoningTokens) {
  json plain = chat(port(), {{"messages", userMessage("hello")}});
  EXPECT_EQ(plain["choices"][0]["message"]["content"], "Mock reply from mock-fast: hello");
  EXPECT_EQ(plain["usage"]["completion_tokens"], 5);
  EXPECT_EQ(plain["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
  EXPECT_EQ(plain["usage"]["completion_tokens_details"]["reasoning_tokens"], 0);

  json longPrompt = chat(port(), {{"messages", userMessage(std::string(6000, 'a'))}});
  EXPECT_EQ(longPrompt["usage"]["prompt_tokens"], 1500);
  EXPECT_EQ(longPrompt["usage"]["prompt_tokens_details"]["cached_tokens"], 640);

  json reasoning = chat(port(), {{"messages", userMessage("hello")}, {"reasoning_effort", "high"}});
  EXPECT_EQ(reasoning["usage"]["completion_tokens_details"]["reasoning_tokens"], 20);
  EXPECT_EQ(reasoning["usage"]["completion_tokens"], 25);
  EXPECT_EQ(reasoning["choices"][0]["message"]["content"], "Mock reply from mock-fast: hello");

  SseClient stream(port(), "/v1/chat/completions",
                   json{{"model", "mock-fast"}, {"stream", true}, {"stream_options", {{"include_usage", true}}},
                        {"reasoning_effort", "low"}, {"messages", userMessage("hello")}}.dump());
  auto events = stream.rest();
  ASSERT_GE(events.size(), 2u);
  json usage = json::parse(events[events.size() - 2])["usage"];
  EXPECT_EQ(usage["completion_tokens_details"]["reasoning_tokens"], 5);
  EXPECT_EQ(usage["completion_tokens"], 10);
}

TEST_F(MockModel, EmbeddingsStillWork) {
  auto r = postJson(port(), "/v1/embeddings", R"({"model":"mock-embed","input":["alpha","beta"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  ASSERT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(body["data"][0]["embedding"].size(), 8u);
}

// Paced streams and failures go over a real connection; the provider gives up after 1.5 s.
class MockWire : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gateway_ = new GatewayProcess(hostileConfig("", "", "    timeout_ms: 1500\n    chunk_delay_ms: 100\n"));
  }
  static void TearDownTestSuite() {
    delete gateway_;
    gateway_ = nullptr;
  }
  static uint16_t port() { return gateway_->port(); }
  static pid_t pid() { return gateway_->pid(); }

  // A normal request still works: the failure left the gateway (and the provider's circuit) fine.
  static void stillServes() {
    EXPECT_TRUE(servesHealth(port()));
    json r = chat(port(), {{"messages", userMessage("still there")}});
    EXPECT_EQ(r["choices"][0]["message"]["content"], "Mock reply from mock-fast: still there");
  }

  static void expectError(const HttpResult& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    json body = json::parse(r.body);
    ASSERT_TRUE(body.contains("error")) << r.body;
    EXPECT_TRUE(body["error"]["message"].is_string()) << r.body;
    EXPECT_TRUE(body["error"]["type"].is_string()) << r.body;
    EXPECT_TRUE(body["error"].contains("param")) << r.body;
    EXPECT_EQ(body["error"]["code"], code) << r.body;
  }

  // The mock's loopback server runs (it starts with the first request that needs it), so the
  // gateway's thread count can be compared before and after.
  static int warmThreadCount() {
    SseClient warm(port(), "/v1/chat/completions", json{{"model", "mock-fast"}, {"stream", true}, {"messages", userMessage("hi")}}.dump());
    warm.rest();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // its connection thread ends
    return threadCount(pid());
  }

  static HttpResult failing(const std::string& mode, bool stream = false) {
    json body{{"model", "mock-fast"}, {"messages", userMessage("mock:fail=" + mode + " please")}};
    if (stream) body["stream"] = true;
    return postJson(port(), "/v1/chat/completions", body.dump());
  }

  static GatewayProcess* gateway_;
};
GatewayProcess* MockWire::gateway_ = nullptr;

TEST_F(MockWire, StreamsArePacedByChunkDelay) {
  auto start = Clock::now();
  SseClient stream(port(), "/v1/chat/completions",
                   json{{"model", "mock-fast"}, {"stream", true}, {"messages", userMessage("one two three four five")}}.dump());
  ASSERT_EQ(stream.status(), 200);
  ASSERT_TRUE(stream.next().has_value());
  auto first = Clock::now();
  std::string text;
  std::vector<std::string> events = stream.rest();
  auto last = Clock::now();
  for (const auto& e : events)
    if (e != "[DONE]") text += json::parse(e)["choices"][0]["delta"].value("content", "");
  EXPECT_EQ(text, "Mock reply from mock-fast: one two three four five");
  EXPECT_EQ(events.back(), "[DONE]");
  // 11 chunks 100 ms apart: a second between the first and the last, generously bounded.
  EXPECT_GE(last - first, std::chrono::milliseconds(800));
  EXPECT_LT(last - start, std::chrono::seconds(10));
  // A paced non-stream answers at once.
  auto t = Clock::now();
  chat(port(), {{"messages", userMessage("quick")}});
  EXPECT_LT(Clock::now() - t, std::chrono::seconds(2));
}

TEST_F(MockWire, ACancelledStreamStopsTheMock) {
  int baseline = warmThreadCount();
  std::string words;
  for (int i = 0; i < 100; ++i) words += " w" + std::to_string(i);
  SseClient stream(port(), "/v1/chat/completions", json{{"model", "mock-fast"}, {"stream", true}, {"messages", userMessage(words)}}.dump());
  ASSERT_EQ(stream.status(), 200);
  ASSERT_TRUE(stream.next().has_value());
  ASSERT_TRUE(stream.next().has_value());
  EXPECT_GT(threadCount(pid()), baseline);  // the mock is still writing (seconds of chunks)
  stream.abort();
  EXPECT_TRUE(threadsBackTo(pid(), baseline)) << threadCount(pid()) << " threads, " << baseline << " before";
  stillServes();
}

TEST_F(MockWire, RateLimitIs429InOpenAIShape) {
  for (bool stream : {false, true}) {
    auto r = failing("429", stream);
    expectError(r, 429, "rate_limit_exceeded");
    EXPECT_NE(r.body.find("Rate limit reached"), std::string::npos) << r.body;
    EXPECT_EQ(r.headers["retry-after"], "1");
    EXPECT_EQ(r.headers["x-ratelimit-remaining-requests"], "0");
    stillServes();
  }
}

TEST_F(MockWire, ServerErrorIsABadGateway) {
  auto r = failing("500");
  expectError(r, 502, "upstream_error");
  EXPECT_NE(r.body.find("answered HTTP 500"), std::string::npos) << r.body;
  stillServes();
}

TEST_F(MockWire, MidStreamErrorArrivesInBand) {
  SseClient stream(port(), "/v1/chat/completions",
                   json{{"model", "mock-fast"}, {"stream", true}, {"messages", userMessage("mock:fail=stream-error now")}}.dump());
  ASSERT_EQ(stream.status(), 200);
  auto events = stream.rest();
  ASSERT_EQ(events.size(), 4u);  // three chunks, then the error; no [DONE]
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(json::parse(events[i])["object"], "chat.completion.chunk");
  json error = json::parse(events[3]);
  ASSERT_TRUE(error.contains("error")) << events[3];
  EXPECT_EQ(error["error"]["code"], "upstream_error");
  EXPECT_TRUE(error["error"]["message"].is_string());
  // Not a stream: the failure comes before any output, as a 500 from the provider.
  expectError(failing("stream-error"), 502, "upstream_error");
  stillServes();
}

TEST_F(MockWire, TimeoutIsAGatewayTimeoutAndFreesTheMock) {
  int baseline = warmThreadCount();
  for (bool stream : {false, true}) {
    auto start = Clock::now();
    auto r = failing("timeout", stream);
    auto took = Clock::now() - start;
    expectError(r, 504, "upstream_timeout");
    EXPECT_GE(took, std::chrono::milliseconds(1400));
    EXPECT_LT(took, std::chrono::seconds(10));
    // The mock held nothing past the gateway giving up.
    EXPECT_TRUE(threadsBackTo(pid(), baseline)) << threadCount(pid()) << " threads, " << baseline << " before";
    stillServes();
  }
}

TEST_F(MockWire, DroppedConnectionIsReported) {
  expectError(failing("drop"), 502, "upstream_error");
  stillServes();
  SseClient stream(port(), "/v1/chat/completions",
                   json{{"model", "mock-fast"}, {"stream", true}, {"messages", userMessage("mock:fail=drop now")}}.dump());
  ASSERT_EQ(stream.status(), 200);
  auto events = stream.rest();
  ASSERT_EQ(events.size(), 4u);  // three chunks, then the gateway's report of the cut
  json error = json::parse(events[3]);
  ASSERT_TRUE(error.contains("error")) << events[3];
  EXPECT_EQ(error["error"]["code"], "upstream_error");
  stillServes();
}

TEST_F(MockWire, CompletionsArePacedAndFailToo) {
  auto start = Clock::now();
  SseClient stream(port(), "/v1/completions", R"({"model":"mock-fast","stream":true,"prompt":"one two three"})");
  ASSERT_EQ(stream.status(), 200);
  std::string text;
  for (const auto& e : stream.rest())
    if (e != "[DONE]") text += json::parse(e)["choices"][0].value("text", "");
  EXPECT_EQ(text, "Mock reply from mock-fast: one two three");
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(700));  // 9 chunks 100 ms apart
  auto r = postJson(port(), "/v1/completions", R"({"model":"mock-fast","prompt":"mock:fail=429"})");
  expectError(r, 429, "rate_limit_exceeded");
  stillServes();
}

TEST_F(MockWire, UnknownFailureModeIsRefused) {
  auto r = failing("teapot");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("unknown mock failure"), std::string::npos) << r.body;
  stillServes();
}

}  // namespace
}  // namespace turnpike::test
