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

// History names are not checked like tools' names: a long non-ASCII one was cut inside a UTF-8
// character, and the canonical body could not be written (a type_error, not a 400).
TEST(AnthropicToCanonical, LongNonAsciiHistoryToolNamesAreShortenedWholeCharacters) {
  std::string name;
  for (int i = 0; i < 40; ++i) name += "\xc3\xa9";  // é, 80 bytes
  json r = messagesRequest(
      {{{"role", "user"}, {"content", "x"}},
       {{"role", "assistant"},
        {"content", json::array({{{"type", "tool_use"}, {"id", "t1"}, {"name", name}, {"input", json::object()}}})}}});
  r["tools"] = json::array({{{"name", "search"}, {"input_schema", json::object()}}});
  r["tool_choice"] = {{"type", "tool"}, {"name", name}};
  json c;
  ASSERT_NO_THROW(c = canonical(r));
  std::string shortened = c["messages"][1]["tool_calls"][0]["function"]["name"];
  EXPECT_EQ(shortened, name.substr(0, 54) + "_" + canonicalToolName(name).substr(55));
  EXPECT_EQ(c["tool_choice"]["function"]["name"], shortened);
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

// ---------------------------------------------------------------- encoder

ResponseContext context(uint64_t estimate = 42) {
  ResponseContext c;
  c.id = "msg_test";
  c.model = "claude-client-name";
  c.createdAt = 1700000000;
  c.inputTokensEstimate = estimate;
  return c;
}

std::string chunk(const json& delta, const json& finish = nullptr) {
  return json({{"id", "chatcmpl-1"},
               {"object", "chat.completion.chunk"},
               {"created", 1},
               {"model", "up"},
               {"choices", json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}})
      .dump();
}

std::string usageChunk(int prompt, int completion, int cached = 0, int cacheWrite = 0) {
  return json({{"id", "chatcmpl-1"},
               {"object", "chat.completion.chunk"},
               {"created", 1},
               {"model", "up"},
               {"choices", json::array()},
               {"usage",
                {{"prompt_tokens", prompt},
                 {"completion_tokens", completion},
                 {"total_tokens", prompt + completion},
                 {"prompt_tokens_details", {{"cached_tokens", cached}, {"cache_write_tokens", cacheWrite}}}}}})
      .dump();
}

json toolDelta(int index, const char* id, const char* name, const char* args) {
  json call = {{"index", index}, {"function", {{"arguments", args}}}};
  if (id != nullptr) {
    call["id"] = id;
    call["type"] = "function";
    call["function"]["name"] = name;
  }
  return {{"tool_calls", json::array({call})}};
}

// What the SDK's MessageStream insists on (pitfalls 3, 4 and 8): message_start first, blocks
// started in index order 0..n-1 and never reused, deltas only on the open block, stop_sequence
// present, message_stop last; every event's name is its data's type.
void expectWellFormed(const std::vector<Event>& events) {
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().type, "message_start");
  EXPECT_EQ(events.back().type, "message_stop");
  int64_t open = -1, next = 0;
  for (const auto& e : events) {
    EXPECT_EQ(e.type, e.data["type"]) << e.data.dump();
    if (e.type == "content_block_start") {
      EXPECT_EQ(open, -1) << "block started while another is open";
      EXPECT_EQ(e.data["index"], next);
      open = next++;
    } else if (e.type == "content_block_delta") {
      EXPECT_EQ(e.data["index"], open) << e.data.dump();
    } else if (e.type == "content_block_stop") {
      EXPECT_EQ(e.data["index"], open);
      open = -1;
    } else if (e.type == "message_delta") {
      EXPECT_EQ(open, -1);
      EXPECT_TRUE(e.data["delta"].contains("stop_sequence"));
      EXPECT_TRUE(e.data["delta"]["stop_sequence"].is_null());
      EXPECT_TRUE(e.data["usage"].contains("output_tokens"));
    }
  }
}

TEST(AnthropicEncoder, TextStreamHoldsMessageDeltaForTheUsage) {
  auto encoder = makeEncoder(context());
  RecordingSink sink;
  encoder->chunk(chunk({{"role", "assistant"}, {"content", ""}}), 0, sink);
  ASSERT_EQ(sink.types(), std::vector<std::string>{"message_start"});
  const json& start = sink.events[0].data;
  EXPECT_EQ(start["message"], json::parse(R"({"id":"msg_test","type":"message","role":"assistant","content":[],
      "model":"claude-client-name","stop_reason":null,"stop_sequence":null,
      "usage":{"input_tokens":42,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}})"));

  encoder->chunk(chunk({{"content", "Hel"}}), 0, sink);
  encoder->chunk(chunk({{"content", "lo \"w\"\n"}}, "stop"), 0, sink);  // content and finish in one chunk
  EXPECT_EQ(sink.types(), (std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                                    "content_block_delta", "content_block_stop"}));
  EXPECT_EQ(sink.events[1].data["content_block"], json({{"type", "text"}, {"text", ""}}));
  EXPECT_EQ(sink.events[2].data["delta"], json({{"type", "text_delta"}, {"text", "Hel"}}));
  EXPECT_EQ(sink.events[3].data["delta"]["text"], "lo \"w\"\n");

  // Pitfall 2: input_tokens excludes cache reads and writes.
  encoder->chunk(usageChunk(1000, 7, 600, 100), TP_CHUNK_USAGE_ONLY, sink);
  ASSERT_EQ(sink.events.size(), 7u);
  EXPECT_EQ(sink.events[5].data,
            json::parse(R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},
      "usage":{"input_tokens":300,"output_tokens":7,"cache_read_input_tokens":600,"cache_creation_input_tokens":100}})"));
  EXPECT_EQ(sink.events[6].type, "message_stop");
  encoder->chunk(chunk({{"content", "late"}}), 0, sink);
  encoder->finish(sink);
  EXPECT_EQ(sink.events.size(), 7u);  // nothing after message_stop
  expectWellFormed(sink.events);
}

// An upstream chunk whose choices hold a '}' where a choice should be once hung the encoder.
TEST(AnthropicEncoder, MalformedChoicesEndTheScan) {
  auto encoder = makeEncoder(context());
  RecordingSink sink;
  encoder->chunk(R"({"choices":[}]})", 0, sink);
  encoder->finish(sink);
  EXPECT_EQ(sink.types(), (std::vector<std::string>{"message_start", "message_delta", "message_stop"}));
}

// Pitfall 1: the first count is never 0, even without an estimate.
TEST(AnthropicEncoder, MessageStartNeverCountsZeroInput) {
  auto encoder = makeEncoder(context(0));
  RecordingSink sink;
  encoder->chunk(chunk({{"role", "assistant"}}), 0, sink);
  EXPECT_EQ(sink.events[0].data["message"]["usage"]["input_tokens"], 1);
}

// Pitfalls 3, 4, 5: kinds switch with stop/start, every tool its own block and index.
TEST(AnthropicEncoder, InterleavedThinkingTextAndToolsGetFreshBlocksInOrder) {
  ResponseContext c = context();
  std::string shortName = canonicalToolName(kLongName);
  c.toolNames[shortName] = kLongName;
  auto encoder = makeEncoder(c);
  RecordingSink sink;
  encoder->chunk(chunk({{"role", "assistant"}, {"content", ""}}), 0, sink);
  encoder->chunk(chunk({{"reasoning_content", "think"}}), 0, sink);
  encoder->chunk(chunk({{"content", "I'll call"}}), 0, sink);
  encoder->chunk(chunk(toolDelta(0, "call_a", "weather", "")), 0, sink);
  encoder->chunk(chunk(toolDelta(0, nullptr, nullptr, "{\"city\":")), 0, sink);
  encoder->chunk(chunk(toolDelta(0, nullptr, nullptr, "\"Paris\"}")), 0, sink);
  encoder->chunk(chunk(toolDelta(1, "call_b", shortName.c_str(), "{}")), 0, sink);
  encoder->chunk(chunk({{"content", "and more text"}}), 0, sink);
  encoder->chunk(chunk(toolDelta(2, "call_c", "time", "{\"tz\":\"UTC\"}")), 0, sink);
  encoder->chunk(chunk(json::object(), "tool_calls"), 0, sink);
  encoder->chunk(usageChunk(50, 20), TP_CHUNK_USAGE_ONLY, sink);
  expectWellFormed(sink.events);

  std::vector<json> starts, deltas;
  for (const auto& e : sink.events) {
    if (e.type == "content_block_start") starts.push_back(e.data);
    if (e.type == "content_block_delta") deltas.push_back(e.data);
  }
  ASSERT_EQ(starts.size(), 6u);
  EXPECT_EQ(starts[0]["content_block"], json({{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}));
  EXPECT_EQ(starts[1]["content_block"]["type"], "text");
  EXPECT_EQ(starts[2]["content_block"],
            json({{"type", "tool_use"}, {"id", "call_a"}, {"name", "weather"}, {"input", json::object()}}));
  EXPECT_EQ(starts[3]["index"], 3);  // the second tool does not reuse index 0 or 2
  EXPECT_EQ(starts[3]["content_block"]["name"], kLongName);
  EXPECT_EQ(starts[4]["content_block"]["type"], "text");
  EXPECT_EQ(starts[5]["content_block"]["id"], "call_c");
  EXPECT_EQ(starts[5]["index"], 5);
  EXPECT_EQ(deltas[0]["delta"], json({{"type", "thinking_delta"}, {"thinking", "think"}}));
  EXPECT_EQ(deltas[2]["delta"], json({{"type", "input_json_delta"}, {"partial_json", "{\"city\":"}}));
  EXPECT_EQ(deltas[3]["delta"]["partial_json"], "\"Paris\"}");
  EXPECT_EQ(deltas[3]["index"], 2);
  EXPECT_EQ(deltas[4]["delta"]["partial_json"], "{}");
  EXPECT_EQ(deltas[4]["index"], 3);
  json md = sink.events[sink.events.size() - 2].data;
  EXPECT_EQ(md["delta"]["stop_reason"], "tool_use");
}

// Pitfall 4 the other way round: upstreams that number every parallel call 0.
TEST(AnthropicEncoder, ANewToolCallIdOpensANewBlockEvenAtTheSameIndex) {
  auto encoder = makeEncoder(context());
  RecordingSink sink;
  encoder->chunk(chunk(toolDelta(0, "call_1", "a", "{\"x\":1}")), 0, sink);
  encoder->chunk(chunk(toolDelta(0, "call_1", "a", "")), 0, sink);  // the id repeated: same call
  encoder->chunk(chunk(toolDelta(0, "call_2", "b", "{")), 0, sink);
  encoder->chunk(chunk(toolDelta(0, nullptr, nullptr, "}")), 0, sink);
  encoder->chunk(chunk({{"content", "text"}}), 0, sink);
  encoder->chunk(chunk(toolDelta(0, "call_2", "b", "late")), 0, sink);  // its block is closed: dropped
  encoder->finish(sink);
  expectWellFormed(sink.events);
  std::vector<std::string> ids;
  std::string arguments;
  for (const auto& e : sink.events) {
    if (e.type == "content_block_start" && e.data["content_block"]["type"] == "tool_use")
      ids.push_back(e.data["content_block"]["id"]);
    if (e.type == "content_block_delta" && e.data["index"] == 1) arguments += e.data["delta"]["partial_json"];
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"call_1", "call_2"}));
  EXPECT_EQ(arguments, "{}");
}

TEST(AnthropicEncoder, FinishReasonsMap) {
  for (auto [finish, stop] : std::vector<std::pair<const char*, const char*>>{
           {"stop", "end_turn"}, {"length", "max_tokens"}, {"tool_calls", "tool_use"}, {"content_filter", "refusal"}}) {
    auto encoder = makeEncoder(context());
    RecordingSink sink;
    encoder->chunk(chunk({{"content", "x"}}, finish), 0, sink);
    encoder->chunk(usageChunk(5, 1), TP_CHUNK_USAGE_ONLY, sink);
    EXPECT_EQ(sink.events[sink.events.size() - 2].data["delta"]["stop_reason"], stop) << finish;
  }
}

// Pitfall 10: with no usage chunk, finish() closes with the local estimate.
TEST(AnthropicEncoder, FinishWithoutUsageClosesWithTheEstimate) {
  auto encoder = makeEncoder(context(77));
  RecordingSink sink;
  encoder->chunk(chunk({{"content", "abcdefgh"}}, "length"), 0, sink);
  EXPECT_EQ(sink.types().back(), "content_block_stop");  // held: no message_delta yet
  encoder->finish(sink);
  expectWellFormed(sink.events);
  json md = sink.events[sink.events.size() - 2].data;
  EXPECT_EQ(md["delta"]["stop_reason"], "max_tokens");
  EXPECT_EQ(md["usage"]["input_tokens"], 77);
  EXPECT_EQ(md["usage"]["output_tokens"], 2);

  auto empty = makeEncoder(context());
  RecordingSink emptySink;
  empty->finish(emptySink);
  EXPECT_EQ(emptySink.types(), (std::vector<std::string>{"message_start", "message_delta", "message_stop"}));
}

TEST(AnthropicEncoder, UsageInTheFinishChunkClosesAtOnce) {
  auto encoder = makeEncoder(context());
  RecordingSink sink;
  json c = json::parse(chunk({{"content", "x"}}, "stop"));
  c["usage"] = {{"prompt_tokens", 9}, {"completion_tokens", 3}};
  encoder->chunk(c.dump(), 0, sink);
  expectWellFormed(sink.events);
  EXPECT_EQ(sink.events[sink.events.size() - 2].data["usage"]["input_tokens"], 9);
}

// Pitfall 12: state lives in each encoder; two streams interleaved do not mix.
TEST(AnthropicEncoder, InterleavedEncodersKeepTheirOwnState) {
  ResponseContext ca = context(10), cb = context(20);
  ca.id = "msg_a";
  cb.id = "msg_b";
  auto a = makeEncoder(ca);
  auto b = makeEncoder(cb);
  RecordingSink sa, sb;
  a->chunk(chunk({{"content", "a1"}}), 0, sa);
  b->chunk(chunk(toolDelta(0, "call_b", "f", "{")), 0, sb);
  a->chunk(chunk(toolDelta(0, "call_a", "g", "{}")), 0, sa);
  b->chunk(chunk({{"content", "b2"}}), 0, sb);
  a->chunk(chunk(json::object(), "tool_calls"), 0, sa);
  b->chunk(chunk(json::object(), "stop"), 0, sb);
  b->chunk(usageChunk(3, 3), TP_CHUNK_USAGE_ONLY, sb);
  a->chunk(usageChunk(4, 4), TP_CHUNK_USAGE_ONLY, sa);
  expectWellFormed(sa.events);
  expectWellFormed(sb.events);
  EXPECT_EQ(sa.events[0].data["message"]["id"], "msg_a");
  EXPECT_EQ(sb.events[0].data["message"]["id"], "msg_b");
  EXPECT_EQ(sa.events[1].data["content_block"]["type"], "text");
  EXPECT_EQ(sb.events[1].data["content_block"]["type"], "tool_use");
  EXPECT_EQ(sa.events[sa.events.size() - 2].data["delta"]["stop_reason"], "tool_use");
  EXPECT_EQ(sb.events[sb.events.size() - 2].data["delta"]["stop_reason"], "end_turn");
  EXPECT_EQ(sa.events[sa.events.size() - 2].data["usage"]["output_tokens"], 4);
}

TEST(AnthropicEncoder, WholeCompletionBecomesAMessage) {
  ResponseContext c = context();
  std::string shortName = canonicalToolName(kLongName);
  c.toolNames[shortName] = kLongName;
  json completion = {
      {"id", "chatcmpl-9"},
      {"object", "chat.completion"},
      {"model", "up"},
      {"choices",
       json::array(
           {{{"index", 0},
             {"message",
              {{"role", "assistant"},
               {"content", "hello"},
               {"reasoning_content", "mm"},
               {"tool_calls", json::array({{{"id", "c1"},
                                            {"type", "function"},
                                            {"function", {{"name", shortName}, {"arguments", "{\"a\":1}"}}}}})}}},
             {"finish_reason", "tool_calls"}}})},
      {"usage",
       {{"prompt_tokens", 100},
        {"completion_tokens", 10},
        {"prompt_tokens_details", {{"cached_tokens", 40}, {"cache_write_tokens", 20}}}}}};
  json m = json::parse(makeEncoder(c)->whole(completion.dump()));
  EXPECT_EQ(m, json::parse(R"({"id":"msg_test","type":"message","role":"assistant","model":"claude-client-name",
      "content":[{"type":"thinking","thinking":"mm","signature":""},{"type":"text","text":"hello"},
                 {"type":"tool_use","id":"c1","name":")" +
                           kLongName + R"(","input":{"a":1}}],
      "stop_reason":"tool_use","stop_sequence":null,
      "usage":{"input_tokens":40,"output_tokens":10,"cache_creation_input_tokens":20,"cache_read_input_tokens":40}})"));
}

// ---------------------------------------------------------------- decoder

std::vector<std::string> anthropicStream() {
  return {
      R"({"type":"message_start","message":{"id":"msg_up","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1,"cache_creation_input_tokens":5,"cache_read_input_tokens":70}}})",
      R"({"type":"ping"})",
      R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"let me see"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}})",
      R"({"type":"content_block_stop","index":0})",
      R"({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}})",
      R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Sure \"x\"\n"}})",
      R"({"type":"content_block_stop","index":1})",
      R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_a","name":"weather","input":{}}})",
      R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}})",
      R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Paris\"}"}})",
      R"({"type":"content_block_stop","index":2})",
      R"({"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_b","name":"time","input":{}}})",
      R"({"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{}"}})",
      R"({"type":"content_block_stop","index":3})",
      R"({"type":"some_future_event","x":1})",
      R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":33}})",
      R"({"type":"message_stop"})",
  };
}

TEST(AnthropicDecoder, StreamBecomesCanonicalChunks) {
  ResponseContext c = context();
  c.id = "chatcmpl-local";
  auto decoder = makeDecoder(c);
  RecordingSink sink;
  for (const auto& e : anthropicStream()) decoder->chunk(e, sink);
  decoder->finish(sink);  // after message_stop: nothing more
  std::vector<json> chunks;
  for (const auto& e : sink.events) {
    EXPECT_EQ(e.type, "");
    chunks.push_back(e.data);
  }
  ASSERT_EQ(chunks.size(), 9u) << json(chunks).dump();
  for (const auto& ch : chunks) {
    EXPECT_EQ(ch["id"], "chatcmpl-local");
    EXPECT_EQ(ch["object"], "chat.completion.chunk");
    EXPECT_EQ(ch["model"], "claude-client-name");
    EXPECT_EQ(ch["created"], 1700000000);
  }
  auto delta = [&](size_t i) { return chunks[i]["choices"][0]["delta"]; };
  EXPECT_EQ(delta(0), json({{"role", "assistant"}, {"content", ""}}));
  EXPECT_EQ(delta(1), json({{"reasoning_content", "let me see"}}));
  EXPECT_EQ(delta(2), json({{"content", "Sure \"x\"\n"}}));
  EXPECT_EQ(
      delta(3),
      json::parse(
          R"({"tool_calls":[{"index":0,"id":"toolu_a","type":"function","function":{"name":"weather","arguments":""}}]})"));
  EXPECT_EQ(delta(4), json::parse(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Paris\"}"}}]})"));
  EXPECT_EQ(delta(5)["tool_calls"][0]["index"], 1);  // tool ordinal, not block index 3
  EXPECT_EQ(delta(6)["tool_calls"][0]["index"], 1);
  EXPECT_EQ(chunks[6]["choices"][0]["finish_reason"], nullptr);
  EXPECT_EQ(chunks[7]["choices"][0]["finish_reason"], "tool_calls");  // message_delta
  EXPECT_EQ(sink.events[7].flags, 0u);
  EXPECT_EQ(sink.events[8].flags, TP_CHUNK_USAGE_ONLY);  // message_stop
  EXPECT_EQ(chunks[8]["choices"], json::array());
  EXPECT_EQ(chunks[8]["usage"], json::parse(R"({"prompt_tokens":100,"completion_tokens":33,"total_tokens":133,
      "prompt_tokens_details":{"cached_tokens":70,"cache_write_tokens":5}})"));
}

TEST(AnthropicDecoder, MessageDeltaIsTheFinishChunk) {
  auto decoder = makeDecoder(context());
  RecordingSink sink;
  auto events = anthropicStream();
  for (size_t i = 0; i + 1 < events.size(); ++i) decoder->chunk(events[i], sink);
  const json& finish = sink.events.back().data;
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(finish["choices"][0]["delta"], json::object());
  EXPECT_EQ(sink.events.back().flags, 0u);
  // message_stop missing: finish() sends the usage chunk.
  decoder->finish(sink);
  EXPECT_EQ(sink.events.back().flags, TP_CHUNK_USAGE_ONLY);
  EXPECT_EQ(sink.events.back().data["usage"]["completion_tokens"], 33);
  size_t n = sink.events.size();
  decoder->finish(sink);
  EXPECT_EQ(sink.events.size(), n);
}

TEST(AnthropicDecoder, IdFromTheMessageStopReasonsAndIgnoredEvents) {
  for (auto [stop, finish] : std::vector<std::pair<const char*, const char*>>{{"end_turn", "stop"},
                                                                              {"stop_sequence", "stop"},
                                                                              {"pause_turn", "stop"},
                                                                              {"max_tokens", "length"},
                                                                              {"tool_use", "tool_calls"},
                                                                              {"refusal", "content_filter"}}) {
    ResponseContext c = context();
    c.id.clear();
    auto decoder = makeDecoder(c);
    RecordingSink sink;
    decoder->chunk(anthropicStream()[0], sink);
    decoder->chunk(R"({"type":"ping"})", sink);
    decoder->chunk(R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})", sink);
    decoder->chunk(R"({"type":"content_block_stop","index":0})", sink);
    ASSERT_EQ(sink.events.size(), 1u);
    EXPECT_EQ(sink.events[0].data["id"], "msg_up");
    decoder->chunk(
        json({{"type", "message_delta"}, {"delta", {{"stop_reason", stop}}}, {"usage", {{"output_tokens", 2}}}}).dump(),
        sink);
    EXPECT_EQ(sink.events.back().data["choices"][0]["finish_reason"], finish) << stop;
  }
}

// Pitfall 5: a tool_use nested one level down still becomes a call; long names map back.
TEST(AnthropicDecoder, NestedToolUseAndMappedNames) {
  ResponseContext c = context();
  std::string shortName = canonicalToolName(kLongName);
  c.toolNames[shortName] = kLongName;
  auto decoder = makeDecoder(c);
  RecordingSink sink;
  decoder->chunk(anthropicStream()[0], sink);
  decoder->chunk(
      R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","tool_use":{"id":"toolu_n","name":")" +
          shortName + R"(","input":{"q":"x"}}}})",
      sink);
  const json& call = sink.events.back().data["choices"][0]["delta"]["tool_calls"][0];
  EXPECT_EQ(call["id"], "toolu_n");
  EXPECT_EQ(call["function"]["name"], kLongName);
  EXPECT_EQ(json::parse(call["function"]["arguments"].get<std::string>()), json({{"q", "x"}}));
}

TEST(AnthropicDecoder, WholeMessageBecomesACompletion) {
  json message = json::parse(R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-x",
      "content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"Hi"},
                 {"type":"tool_use","id":"toolu_1","name":"f","input":{"a":[1,2]}}],
      "stop_reason":"tool_use","stop_sequence":null,
      "usage":{"input_tokens":10,"output_tokens":4,"cache_creation_input_tokens":2,"cache_read_input_tokens":8}})");
  json c = json::parse(makeDecoder(context())->whole(message.dump()));
  EXPECT_EQ(c["id"], "msg_test");
  EXPECT_EQ(c["object"], "chat.completion");
  EXPECT_EQ(c["model"], "claude-client-name");
  const json& m = c["choices"][0]["message"];
  EXPECT_EQ(m["content"], "Hi");
  EXPECT_EQ(m["reasoning_content"], "hm");
  EXPECT_EQ(m["tool_calls"][0]["id"], "toolu_1");
  EXPECT_EQ(json::parse(m["tool_calls"][0]["function"]["arguments"].get<std::string>()), json({{"a", {1, 2}}}));
  EXPECT_EQ(c["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(c["usage"], json::parse(R"({"prompt_tokens":20,"completion_tokens":4,"total_tokens":24,
      "prompt_tokens_details":{"cached_tokens":8,"cache_write_tokens":2}})"));
}

// whole() skips what it cannot read, as the stream path does: members of unexpected types once
// threw nlohmann's type_error out of it (a 502 for a response that translates).
TEST(AnthropicDecoder, WholeMessageWithMistypedMembersStillTranslates) {
  std::string message = R"({"id":5,"content":[3,{"type":9},{"type":"text","text":7},{"type":"text","text":"ok"},
      {"type":"thinking","thinking":[]},{"type":"tool_use","id":null,"name":1,"input":{"a":1}}],"stop_reason":"tool_use"})";
  json c;
  ASSERT_NO_THROW(c = json::parse(makeDecoder(context())->whole(message)));
  const json& m = c["choices"][0]["message"];
  EXPECT_EQ(m["content"], "ok");
  EXPECT_FALSE(m.contains("reasoning_content"));
  EXPECT_EQ(m["tool_calls"][0]["id"], "");
  EXPECT_EQ(m["tool_calls"][0]["function"]["name"], "");
  EXPECT_EQ(m["tool_calls"][0]["function"]["arguments"], R"({"a":1})");
}

TEST(AnthropicEncoder, WholeCompletionWithMistypedToolCallsStillTranslates) {
  std::string completion = R"({"choices":[{"message":{"content":"hi","tool_calls":[1,
      {"id":2,"function":{"name":3,"arguments":4}},{"id":"c1","function":{"name":"f","arguments":"{\"x\":1}"}}]},
      "finish_reason":"tool_calls"}]})";
  json m;
  ASSERT_NO_THROW(m = json::parse(makeEncoder(context())->whole(completion)));
  ASSERT_EQ(m["content"].size(), 4u);
  EXPECT_EQ(m["content"][1], json({{"type", "tool_use"}, {"id", ""}, {"name", ""}, {"input", json::object()}}));
  EXPECT_EQ(m["content"][3], json({{"type", "tool_use"}, {"id", "c1"}, {"name", "f"}, {"input", {{"x", 1}}}}));
}

// A decoder's output fed to an encoder: Anthropic in, Anthropic out, same shape.
TEST(AnthropicDecoder, DecoderThenEncoderKeepsTheStreamsShape) {
  auto decoder = makeDecoder(context());
  auto encoder = makeEncoder(context());
  struct Relay : EventSink {
    ResponseEncoder* encoder;
    RecordingSink* out;
    void event(std::string_view, std::string_view json, uint32_t flags) override { encoder->chunk(json, flags, *out); }
  } relay;
  RecordingSink sink;
  relay.encoder = encoder.get();
  relay.out = &sink;
  for (const auto& e : anthropicStream()) decoder->chunk(e, relay);
  expectWellFormed(sink.events);
  std::vector<std::string> blocks;
  for (const auto& e : sink.events)
    if (e.type == "content_block_start") blocks.push_back(e.data["content_block"]["type"]);
  EXPECT_EQ(blocks, (std::vector<std::string>{"thinking", "text", "tool_use", "tool_use"}));
  EXPECT_EQ(
      sink.events[sink.events.size() - 2].data["usage"],
      json::parse(
          R"({"input_tokens":25,"output_tokens":33,"cache_read_input_tokens":70,"cache_creation_input_tokens":5})"));
}

// ---------------------------------------------------------------- errors and byte counts

TEST(AnthropicErrors, TypesPerStatusAndBody) {
  std::vector<std::pair<int, const char*>> table = {{400, "invalid_request_error"},
                                                    {422, "invalid_request_error"},
                                                    {401, "authentication_error"},
                                                    {402, "billing_error"},
                                                    {403, "permission_error"},
                                                    {404, "not_found_error"},
                                                    {409, "conflict_error"},
                                                    {413, "request_too_large"},
                                                    {429, "rate_limit_error"},
                                                    {500, "api_error"},
                                                    {502, "api_error"},
                                                    {503, "overloaded_error"},
                                                    {504, "timeout_error"},
                                                    {529, "overloaded_error"}};
  for (auto [status, type] : table) EXPECT_EQ(errorType(status), type) << status;
  EXPECT_EQ(json::parse(errorBody(429, "slow \"down\"")),
            json::parse(R"({"type":"error","error":{"type":"rate_limit_error","message":"slow \"down\""}})"));
  EXPECT_EQ(json::parse(errorBody(400, "m", "billing_error"))["error"]["type"], "billing_error");
}

TEST(AnthropicGeneratedText, CountsDeltaAndMessageText) {
  EXPECT_EQ(generatedTextBytes(
                R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\nb\u00e9"}})"),
            5u);
  EXPECT_EQ(
      generatedTextBytes(
          R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}})"),
      7u);
  EXPECT_EQ(generatedTextBytes(
                R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}})"),
            3u);
  EXPECT_EQ(
      generatedTextBytes(R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}})"),
      0u);
  EXPECT_EQ(
      generatedTextBytes(
          R"({"type":"message","content":[{"type":"text","text":"hello"},{"type":"thinking","thinking":"ab","signature":"zzzz"},
      {"type":"tool_use","id":"t","name":"f","input":{"k":2}}]})"),
      5u + 2u + 7u);
}

}  // namespace
}  // namespace turnpike::dialects::anthropic
