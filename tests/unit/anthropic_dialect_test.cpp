#include "dialects/anthropic/anthropic_dialect.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dialects/tool_names.hpp"
#include "http/api_error.hpp"

namespace turnpike::dialects::anthropic {
namespace {

using nlohmann::json;

struct Event {
  std::string type;
  json data;
  uint32_t flags;
};

class RecordingSink : public EventSink {
 public:
  void event(std::string_view type, std::string_view data, uint32_t flags) override {
    events.push_back({std::string(type), json::parse(data), flags});
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.type);
    return out;
  }
  std::vector<Event> events;
};

json canonical(const json& request, RequestKind kind = RequestKind::Messages) {
  return json::parse(toCanonical(request, kind).body);
}

json messagesRequest(json messages) {
  return {{"model", "claude-sonnet-4-5"}, {"max_tokens", 1024}, {"messages", std::move(messages)}};
}

// The ApiError a request raises (status 0 when none).
http::ApiError refusal(const json& request, RequestKind kind = RequestKind::Messages) {
  try {
    toCanonical(request, kind);
  } catch (const http::ApiError& e) {
    return e;
  }
  return http::ApiError(0, "", "");
}

http::ApiError upstreamRefusal(const json& body) {
  try {
    fromCanonical(body.dump());
  } catch (const http::ApiError& e) {
    return e;
  }
  return http::ApiError(0, "", "");
}

const std::string kLongName(80, 'x');

// ---------------------------------------------------------------- toCanonical

TEST(AnthropicToCanonical, SystemStringAndBlocksBecomeOneSystemMessage) {
  json r = messagesRequest({{{"role", "user"}, {"content", "hi"}}});
  r["system"] = "be brief";
  json c = canonical(r);
  ASSERT_EQ(c["messages"].size(), 2u);
  EXPECT_EQ(c["messages"][0], json({{"role", "system"}, {"content", "be brief"}}));
  EXPECT_EQ(c["messages"][1], json({{"role", "user"}, {"content", "hi"}}));

  r["system"] = json::array({{{"type", "text"}, {"text", "attribution"}},
                             {{"type", "text"}, {"text", "you are"}, {"cache_control", {{"type", "ephemeral"}}}}});
  c = canonical(r);
  EXPECT_EQ(c["messages"][0]["content"], "attribution\n\nyou are");
  EXPECT_FALSE(c.dump().find("cache_control") != std::string::npos);

  r["system"] = "";
  EXPECT_EQ(canonical(r)["messages"].size(), 1u);  // empty system: no message
}

TEST(AnthropicToCanonical, UserBlocksMapToOpenAIParts) {
  json content = json::array({
      {{"type", "text"}, {"text", "look"}},
      {{"type", "image"}, {"source", {{"type", "base64"}, {"media_type", "image/png"}, {"data", "iVBOR"}}}},
      {{"type", "image"}, {"source", {{"type", "url"}, {"url", "https://example.com/a.jpg"}}}},
      {{"type", "document"},
       {"title", "spec.pdf"},
       {"source", {{"type", "base64"}, {"media_type", "application/pdf"}, {"data", "JVBER"}}}},
      {{"type", "document"}, {"source", {{"type", "text"}, {"media_type", "text/plain"}, {"data", "plain doc"}}}},
  });
  json c = canonical(messagesRequest({{{"role", "user"}, {"content", content}}}));
  const json& parts = c["messages"][0]["content"];
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(parts[0], json({{"type", "text"}, {"text", "look"}}));
  EXPECT_EQ(parts[1]["image_url"]["url"], "data:image/png;base64,iVBOR");
  EXPECT_EQ(parts[2]["image_url"]["url"], "https://example.com/a.jpg");
  EXPECT_EQ(parts[3]["type"], "file");
  EXPECT_EQ(parts[3]["file"]["file_data"], "data:application/pdf;base64,JVBER");
  EXPECT_EQ(parts[3]["file"]["filename"], "spec.pdf");
  EXPECT_EQ(parts[4], json({{"type", "text"}, {"text", "plain doc"}}));
}

// Pitfall 6: each tool_result becomes one tool message, before that turn's user text.
TEST(AnthropicToCanonical, ToolResultsBecomeToolMessagesBeforeTheUserText) {
  json messages = json::array({
      {{"role", "user"}, {"content", "weather and time?"}},
      {{"role", "assistant"},
       {"content",
        json::array({{{"type", "thinking"}, {"thinking", "hmm"}, {"signature", "sig"}},
                     {{"type", "redacted_thinking"}, {"data", "xx"}},
                     {{"type", "text"}, {"text", "checking"}},
                     {{"type", "tool_use"}, {"id", "toolu_1"}, {"name", "weather"}, {"input", {{"city", "Paris"}}}},
                     {{"type", "tool_use"}, {"id", "toolu_2"}, {"name", "time"}, {"input", json::object()}}})}},
      {{"role", "user"},
       {"content", json::array({{{"type", "text"}, {"text", "here you go"}},
                                {{"type", "tool_result"}, {"tool_use_id", "toolu_1"}, {"content", "sunny"}},
                                {{"type", "tool_result"},
                                 {"tool_use_id", "toolu_2"},
                                 {"is_error", true},
                                 {"content", json::array({{{"type", "text"}, {"text", "clock"}},
                                                          {{"type", "text"}, {"text", "broken"}}})}}})}},
  });
  json c = canonical(messagesRequest(messages));
  const json& m = c["messages"];
  ASSERT_EQ(m.size(), 5u) << m.dump();
  EXPECT_EQ(m[1]["role"], "assistant");
  EXPECT_EQ(m[1]["content"], "checking");  // thinking and redacted_thinking dropped
  ASSERT_EQ(m[1]["tool_calls"].size(), 2u);
  EXPECT_EQ(m[1]["tool_calls"][0]["id"], "toolu_1");
  EXPECT_EQ(m[1]["tool_calls"][0]["type"], "function");
  EXPECT_EQ(m[1]["tool_calls"][0]["function"]["name"], "weather");
  EXPECT_EQ(json::parse(m[1]["tool_calls"][0]["function"]["arguments"].get<std::string>()), json({{"city", "Paris"}}));
  EXPECT_EQ(m[2], json({{"role", "tool"}, {"tool_call_id", "toolu_1"}, {"content", "sunny"}}));
  EXPECT_EQ(m[3]["tool_call_id"], "toolu_2");
  EXPECT_EQ(m[3]["content"], "Error: clock\nbroken");
  EXPECT_EQ(m[4], json({{"role", "user"}, {"content", "here you go"}}));
  EXPECT_EQ(c.dump().find("thinking"), std::string::npos);
}

TEST(AnthropicToCanonical, AssistantWithOnlyToolUseHasNullContentAndOnlyThinkingIsDropped) {
  json messages = json::array({
      {{"role", "user"}, {"content", "go"}},
      {{"role", "assistant"},
       {"content", json::array({{{"type", "thinking"}, {"thinking", "x"}, {"signature", "s"}}})}},
      {{"role", "assistant"},
       {"content", json::array({{{"type", "tool_use"}, {"id", "t"}, {"name", "f"}, {"input", json::object()}}})}},
      {{"role", "user"}, {"content", json::array({{{"type", "tool_result"}, {"tool_use_id", "t"}}})}},
  });
  json m = canonical(messagesRequest(messages))["messages"];
  ASSERT_EQ(m.size(), 3u) << m.dump();
  EXPECT_TRUE(m[1]["content"].is_null());
  EXPECT_EQ(m[1]["tool_calls"][0]["function"]["arguments"], "{}");
  EXPECT_EQ(m[2], json({{"role", "tool"}, {"tool_call_id", "t"}, {"content", ""}}));
}

TEST(AnthropicToCanonical, ImagesReturnedByAToolFollowAsTheUsersImages) {
  json result = {
      {"type", "tool_result"},
      {"tool_use_id", "t"},
      {"content", json::array({{{"type", "text"}, {"text", "shot"}},
                               {{"type", "image"},
                                {"source", {{"type", "base64"}, {"media_type", "image/png"}, {"data", "AA"}}}}})}};
  json m = canonical(messagesRequest({{{"role", "user"}, {"content", json::array({result})}}}))["messages"];
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0]["content"], "shot");
  EXPECT_EQ(m[1]["role"], "user");
  EXPECT_EQ(m[1]["content"][0]["image_url"]["url"], "data:image/png;base64,AA");
}

TEST(AnthropicToCanonical, MidConversationSystemMessageIsKept) {
  json messages = json::array(
      {{{"role", "user"}, {"content", "a"}},
       {{"role", "system"},
        {"content",
         json::array({{{"type", "text"}, {"text", "reminder"}, {"cache_control", {{"type", "ephemeral"}}}}})}},
       {{"role", "user"}, {"content", "b"}}});
  json m = canonical(messagesRequest(messages))["messages"];
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[1], json({{"role", "system"}, {"content", "reminder"}}));
}

TEST(AnthropicToCanonical, ToolsBecomeFunctionsAndLongNamesAreShortenedConsistently) {
  json r = messagesRequest(
      {{{"role", "user"}, {"content", "x"}},
       {{"role", "assistant"},
        {"content",
         json::array({{{"type", "tool_use"}, {"id", "t1"}, {"name", kLongName}, {"input", json::object()}}})}},
       {{"role", "user"},
        {"content", json::array({{{"type", "tool_result"}, {"tool_use_id", "t1"}, {"content", "ok"}}})}}});
  json schema = {{"type", "object"}, {"properties", {{"q", {{"type", "string"}}}}}};
  r["tools"] = json::array({{{"name", "search"},
                             {"description", "find things"},
                             {"input_schema", schema},
                             {"cache_control", {{"type", "ephemeral"}}}},
                            {{"name", kLongName}, {"input_schema", schema}, {"type", "custom"}, {"strict", true}}});
  r["tool_choice"] = {{"type", "tool"}, {"name", kLongName}};
  CanonicalRequest result = toCanonical(r);
  json c = json::parse(result.body);
  std::string shortName = canonicalToolName(kLongName);
  EXPECT_EQ(shortName.size(), 64u);
  EXPECT_EQ(shortName.substr(0, 56), kLongName.substr(0, 55) + "_");
  EXPECT_EQ(c["tools"][0],
            json({{"type", "function"},
                  {"function", {{"name", "search"}, {"description", "find things"}, {"parameters", schema}}}}));
  EXPECT_EQ(c["tools"][1]["function"]["name"], shortName);
  EXPECT_FALSE(c["tools"][1]["function"].contains("strict"));
  EXPECT_EQ(c["messages"][1]["tool_calls"][0]["function"]["name"], shortName);
  EXPECT_EQ(c["tool_choice"]["function"]["name"], shortName);
  EXPECT_EQ(result.toolNames, (std::map<std::string, std::string>{{shortName, kLongName}}));
}

TEST(AnthropicToCanonical, ServerToolsAreRefusedByName) {
  json r = messagesRequest({{{"role", "user"}, {"content", "x"}}});
  r["tools"] = json::array({{{"name", "f"}, {"input_schema", {{"type", "object"}}}},
                            {{"type", "web_search_20250305"}, {"name", "web_search"}, {"max_uses", 5}}});
  auto e = refusal(r);
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.param(), "tools[1].type");
  EXPECT_NE(std::string(e.what()).find("web_search_20250305"), std::string::npos);
}

TEST(AnthropicToCanonical, ToolChoiceMaps) {
  json r = messagesRequest({{{"role", "user"}, {"content", "x"}}});
  r["tools"] = json::array({{{"name", "f"}, {"input_schema", {{"type", "object"}}}}});
  auto choice = [&](json tc) {
    r["tool_choice"] = tc;
    return canonical(r);
  };
  EXPECT_EQ(choice({{"type", "auto"}})["tool_choice"], "auto");
  EXPECT_EQ(choice({{"type", "any"}})["tool_choice"], "required");
  EXPECT_EQ(choice({{"type", "none"}})["tool_choice"], "none");
  json c = choice({{"type", "tool"}, {"name", "f"}, {"disable_parallel_tool_use", true}});
  EXPECT_EQ(c["tool_choice"], json({{"type", "function"}, {"function", {{"name", "f"}}}}));
  EXPECT_EQ(c["parallel_tool_calls"], false);
  EXPECT_FALSE(choice({{"type", "auto"}}).contains("parallel_tool_calls"));
  // Without tools, OpenAI would refuse tool_choice: it is left out.
  r.erase("tools");
  EXPECT_FALSE(choice({{"type", "any"}}).contains("tool_choice"));
}

// Pitfalls 8 and 9: stop_sequences kept, unknown members tolerated and dropped.
TEST(AnthropicToCanonical, ScalarsMapAndUnknownMembersAreDropped) {
  json r = messagesRequest({{{"role", "user"}, {"content", "x"}}});
  r["stop_sequences"] = json::array({"END", "###"});
  r["metadata"] = {{"user_id", "u-42"}};
  r["temperature"] = 0.3;
  r["top_p"] = 0.8;
  r["top_k"] = 40;
  r["stream"] = true;
  r["thinking"] = {{"type", "adaptive"}};
  r["context_management"] = {{"edits", json::array()}};
  r["output_config"] = {{"effort", "high"}};
  r["service_tier"] = "auto";
  r["cache_control"] = {{"type", "ephemeral"}};
  r["something_new"] = 1;
  json c = canonical(r);
  EXPECT_EQ(c["stop"], json::array({"END", "###"}));
  EXPECT_EQ(c["user"], "u-42");
  EXPECT_EQ(c["max_tokens"], 1024);
  EXPECT_DOUBLE_EQ(c["temperature"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(c["top_p"].get<double>(), 0.8);
  EXPECT_EQ(c["stream"], true);
  EXPECT_EQ(c["stream_options"], json({{"include_usage", true}}));
  for (const char* dropped : {"top_k", "thinking", "context_management", "output_config", "service_tier",
                              "cache_control", "something_new", "metadata", "stop_sequences"})
    EXPECT_FALSE(c.contains(dropped)) << dropped;
  r["stream"] = false;
  EXPECT_FALSE(canonical(r).contains("stream_options"));
}

TEST(AnthropicToCanonical, ValidatesLikeAnthropic) {
  json ok = messagesRequest({{{"role", "user"}, {"content", "x"}}});
  auto param = [](const json& r) {
    auto e = refusal(r);
    EXPECT_EQ(e.status(), 400) << r.dump();
    return e.param();
  };
  json r = ok;
  r.erase("model");
  EXPECT_EQ(param(r), "model");
  r = ok;
  r.erase("max_tokens");
  EXPECT_EQ(param(r), "max_tokens");
  EXPECT_EQ(refusal(r, RequestKind::CountTokens).status(), 0);  // count_tokens has no max_tokens
  EXPECT_FALSE(canonical(r, RequestKind::CountTokens).contains("max_tokens"));
  for (json bad : {json(0), json(-5), json("100"), json(1.5)}) {
    r["max_tokens"] = bad;
    EXPECT_EQ(param(r), "max_tokens") << bad.dump();
  }
  r = ok;
  r.erase("messages");
  EXPECT_EQ(param(r), "messages");
  r["messages"] = "hi";
  EXPECT_EQ(param(r), "messages");
  r["messages"] = json::array();
  EXPECT_EQ(param(r), "messages");
  r["messages"] = json::array({"hi"});
  EXPECT_EQ(param(r), "messages[0]");
  r["messages"] = json::array({{{"role", "tool"}, {"content", "x"}}});
  EXPECT_EQ(param(r), "messages[0].role");
  r["messages"] = json::array({{{"role", "user"}}});
  EXPECT_EQ(param(r), "messages[0].content");
  r["messages"] = json::array(
      {{{"role", "user"}, {"content", "a"}},
       {{"role", "assistant"}, {"content", json::array({{{"type", "text"}, {"text", "b"}}, {{"type", "hologram"}}})}}});
  auto e = refusal(r);
  EXPECT_EQ(e.param(), "messages[1].content[1].type");
  EXPECT_NE(std::string(e.what()).find("hologram"), std::string::npos);
  r["messages"] = json::array(
      {{{"role", "user"},
        {"content", json::array({{{"type", "tool_use"}, {"id", "t"}, {"name", "f"}, {"input", json::object()}}})}}});
  EXPECT_EQ(param(r), "messages[0].content[0].type");
  EXPECT_EQ(refusal(json::array()).status(), 400);
}

// ---------------------------------------------------------------- fromCanonical

json upstream(const json& body) { return json::parse(fromCanonical(body.dump())); }

json chatRequest(json messages) { return {{"model", "claude-sonnet-4-5-20250929"}, {"messages", std::move(messages)}}; }

TEST(AnthropicFromCanonical, SystemAndDeveloperMessagesBecomeTopLevelSystem) {
  json out =
      upstream(chatRequest({{{"role", "system"}, {"content", "one"}},
                            {{"role", "developer"}, {"content", json::array({{{"type", "text"}, {"text", "two"}}})}},
                            {{"role", "system"}, {"content", ""}},
                            {{"role", "user"}, {"content", "hi"}}}));
  EXPECT_EQ(out["system"], json::array({{{"type", "text"}, {"text", "one"}}, {{"type", "text"}, {"text", "two"}}}));
  EXPECT_EQ(out["messages"],
            json::array({{{"role", "user"}, {"content", json::array({{{"type", "text"}, {"text", "hi"}}})}}}));
  EXPECT_EQ(out["max_tokens"], 4096);
  EXPECT_FALSE(upstream(chatRequest({{{"role", "user"}, {"content", "x"}}})).contains("system"));
}

// Pitfalls 6 and 7: tool results grouped right after the calls; no empty text block.
TEST(AnthropicFromCanonical, ToolCallsAndConsecutiveToolMessages) {
  json out = upstream(chatRequest({
      {{"role", "user"}, {"content", "q"}},
      {{"role", "assistant"},
       {"content", ""},
       {"tool_calls",
        json::array({{{"id", "c1"}, {"type", "function"}, {"function", {{"name", "a"}, {"arguments", "{\"x\":1}"}}}},
                     {{"id", "c2"}, {"type", "function"}, {"function", {{"name", "b"}, {"arguments", "not json"}}}}})}},
      {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "r1"}},
      {{"role", "tool"}, {"tool_call_id", "c2"}, {"content", json::array({{{"type", "text"}, {"text", "r2"}}})}},
      {{"role", "user"}, {"content", "thanks"}},
  }));
  const json& m = out["messages"];
  ASSERT_EQ(m.size(), 3u) << m.dump();
  EXPECT_EQ(m[1]["role"], "assistant");
  ASSERT_EQ(m[1]["content"].size(), 2u);  // no {"type":"text","text":""}
  EXPECT_EQ(m[1]["content"][0], json({{"type", "tool_use"}, {"id", "c1"}, {"name", "a"}, {"input", {{"x", 1}}}}));
  EXPECT_EQ(m[1]["content"][1]["input"], json::object());
  EXPECT_EQ(m[2]["role"], "user");
  ASSERT_EQ(m[2]["content"].size(), 3u);
  EXPECT_EQ(m[2]["content"][0], json({{"type", "tool_result"}, {"tool_use_id", "c1"}, {"content", "r1"}}));
  EXPECT_EQ(m[2]["content"][1]["tool_use_id"], "c2");
  EXPECT_EQ(m[2]["content"][1]["content"], "r2");
  EXPECT_EQ(m[2]["content"][2], json({{"type", "text"}, {"text", "thanks"}}));
}

TEST(AnthropicFromCanonical, ImagesAndFiles) {
  json parts = json::array(
      {{{"type", "image_url"}, {"image_url", {{"url", "data:image/jpeg;base64,/9j/"}}}},
       {{"type", "image_url"}, {"image_url", {{"url", "https://example.com/x.png"}}}},
       {{"type", "image_url"}, {"image_url", {{"url", "data:application/pdf;base64,JVB"}}}},
       {{"type", "file"}, {"file", {{"filename", "a.pdf"}, {"file_data", "data:application/pdf;base64,JVC"}}}}});
  json c = upstream(chatRequest({{{"role", "user"}, {"content", parts}}}))["messages"][0]["content"];
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0], json({{"type", "image"},
                        {"source", {{"type", "base64"}, {"media_type", "image/jpeg"}, {"data", "/9j/"}}}}));
  EXPECT_EQ(c[1], json({{"type", "image"}, {"source", {{"type", "url"}, {"url", "https://example.com/x.png"}}}}));
  EXPECT_EQ(c[2]["type"], "document");
  EXPECT_EQ(c[2]["source"]["media_type"], "application/pdf");
  EXPECT_EQ(c[3]["type"], "document");
  EXPECT_EQ(c[3]["source"]["data"], "JVC");
  EXPECT_EQ(c[3]["title"], "a.pdf");
  auto e = upstreamRefusal(chatRequest(
      {{{"role", "user"}, {"content", json::array({{{"type", "file"}, {"file", {{"file_id", "file-1"}}}}})}}}));
  EXPECT_EQ(e.status(), 400);
}

TEST(AnthropicFromCanonical, ScalarsToolChoiceAndFormat) {
  json r = chatRequest({{{"role", "user"}, {"content", "x"}}});
  r["max_tokens"] = 100;
  r["max_completion_tokens"] = 200;
  r["stop"] = "END";
  r["user"] = "u-1";
  r["temperature"] = 1.7;
  r["top_p"] = 0.5;
  r["stream"] = true;
  r["stream_options"] = {{"include_usage", true}};
  r["tools"] = json::array({{{"type", "function"},
                             {"function", {{"name", "f"}, {"description", "d"}, {"parameters", {{"type", "object"}}}}}},
                            {{"type", "function"}, {"function", {{"name", "g"}}}}});
  r["tool_choice"] = "required";
  r["parallel_tool_calls"] = false;
  r["response_format"] = {{"type", "json_schema"},
                          {"json_schema", {{"name", "answer"}, {"schema", {{"type", "object"}}}}}};
  json out = upstream(r);
  EXPECT_EQ(out["max_tokens"], 200);
  EXPECT_EQ(out["stop_sequences"], json::array({"END"}));
  EXPECT_EQ(out["metadata"], json({{"user_id", "u-1"}}));
  EXPECT_DOUBLE_EQ(out["temperature"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(out["top_p"].get<double>(), 0.5);
  EXPECT_EQ(out["stream"], true);
  EXPECT_FALSE(out.contains("stream_options"));
  EXPECT_EQ(out["tools"][0], json({{"name", "f"}, {"description", "d"}, {"input_schema", {{"type", "object"}}}}));
  EXPECT_EQ(out["tools"][1]["input_schema"]["type"], "object");
  EXPECT_EQ(out["tool_choice"], json({{"type", "any"}, {"disable_parallel_tool_use", true}}));
  EXPECT_EQ(out["output_config"], json({{"format", {{"type", "json_schema"}, {"schema", {{"type", "object"}}}}}}));

  r["stop"] = json::array({"a", "b"});
  r["tool_choice"] = {{"type", "function"}, {"function", {{"name", "g"}}}};
  r.erase("parallel_tool_calls");
  r.erase("max_completion_tokens");
  out = upstream(r);
  EXPECT_EQ(out["stop_sequences"], json::array({"a", "b"}));
  EXPECT_EQ(out["tool_choice"], json({{"type", "tool"}, {"name", "g"}}));
  EXPECT_EQ(out["max_tokens"], 100);
  r["tool_choice"] = "none";
  EXPECT_EQ(upstream(r)["tool_choice"], json({{"type", "none"}}));
  r["tool_choice"] = "auto";
  EXPECT_EQ(upstream(r)["tool_choice"], json({{"type", "auto"}}));

  r["n"] = 2;
  auto e = upstreamRefusal(r);
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.param(), "n");
}

TEST(AnthropicFromCanonical, NewerModelsGetOnlyTheSamplingTheyAccept) {
  auto sampled = [](const std::string& model, double temperature, double topP) {
    json r = {{"model", model},
              {"messages", json::array({{{"role", "user"}, {"content", "x"}}})},
              {"temperature", temperature},
              {"top_p", topP}};
    return upstream(r);
  };
  for (const char* fixed : {"claude-opus-4-6", "claude-sonnet-4-6-20260101", "claude-opus-4-7", "claude-opus-5",
                            "claude-haiku-5-1", "anthropic.claude-opus-4-6-v1:0"}) {
    json out = sampled(fixed, 0.5, 0.9);
    EXPECT_FALSE(out.contains("temperature")) << fixed;
    EXPECT_FALSE(out.contains("top_p")) << fixed;
    out = sampled(fixed, 1.0, 0.99);
    EXPECT_DOUBLE_EQ(out["temperature"].get<double>(), 1.0) << fixed;
    EXPECT_DOUBLE_EQ(out["top_p"].get<double>(), 0.99) << fixed;
    EXPECT_DOUBLE_EQ(sampled(fixed, 1.5, 1.0)["temperature"].get<double>(), 1.0) << fixed;  // capped to 1, accepted
  }
  for (const char* free : {"claude-sonnet-4-5-20250929", "claude-opus-4-1", "claude-sonnet-4-20250514",
                           "claude-3-7-sonnet-20250219", "claude-3-5-haiku-latest", "my-model"}) {
    json out = sampled(free, 0.5, 0.9);
    EXPECT_DOUBLE_EQ(out["temperature"].get<double>(), 0.5) << free;
    EXPECT_DOUBLE_EQ(out["top_p"].get<double>(), 0.9) << free;
  }
}

TEST(AnthropicRoundTrip, MessagesThroughCanonicalKeepsToolsResultsImagesAndSystem) {
  json schema = {{"type", "object"}, {"properties", {{"path", {{"type", "string"}}}}}};
  json image = {{"type", "image"}, {"source", {{"type", "base64"}, {"media_type", "image/png"}, {"data", "iVBOR"}}}};
  json urlImage = {{"type", "image"}, {"source", {{"type", "url"}, {"url", "https://example.com/i.png"}}}};
  json request = {
      {"model", "claude-sonnet-4-5"},
      {"max_tokens", 2048},
      {"system", json::array({{{"type", "text"}, {"text", "sys"}}})},
      {"tools", json::array({{{"name", "read"}, {"description", "reads"}, {"input_schema", schema}}})},
      {"tool_choice", {{"type", "auto"}}},
      {"messages",
       json::array({
           {{"role", "user"}, {"content", json::array({{{"type", "text"}, {"text", "read both"}}, image, urlImage})}},
           {{"role", "assistant"},
            {"content",
             json::array({{{"type", "text"}, {"text", "ok"}},
                          {{"type", "tool_use"}, {"id", "t1"}, {"name", "read"}, {"input", {{"path", "a"}}}},
                          {{"type", "tool_use"}, {"id", "t2"}, {"name", "read"}, {"input", {{"path", "b"}}}}})}},
           {{"role", "user"},
            {"content", json::array({{{"type", "tool_result"}, {"tool_use_id", "t1"}, {"content", "A"}},
                                     {{"type", "tool_result"}, {"tool_use_id", "t2"}, {"content", "B"}},
                                     {{"type", "text"}, {"text", "now summarize"}}})}},
       })},
  };
  json back = upstream(json::parse(toCanonical(request).body));
  EXPECT_EQ(back["system"], request["system"]);
  EXPECT_EQ(back["tools"], request["tools"]);
  EXPECT_EQ(back["tool_choice"], request["tool_choice"]);
  EXPECT_EQ(back["max_tokens"], 2048);
  EXPECT_EQ(back["messages"], request["messages"]);
}

}  // namespace
}  // namespace turnpike::dialects::anthropic
