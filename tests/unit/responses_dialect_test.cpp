// The OpenAI Responses dialect: requests to canonical chat, canonical chunks to the Responses
// event stream (order, sequence numbers, items, usage, terminal events), whole responses, and the
// history a stored response carries forward.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dialects/custom_tools.hpp"
#include "dialects/responses/responses_dialect.hpp"
#include "dialects/tool_names.hpp"
#include "http/api_error.hpp"

namespace turnpike::dialects::responses {
namespace {

using nlohmann::json;

struct Recorded {
  std::string type;
  json data;
};

class RecordingSink : public EventSink {
 public:
  void event(std::string_view type, std::string_view data, uint32_t) override {
    json parsed = json::parse(data);  // every event is valid JSON
    events.push_back({std::string(type), std::move(parsed)});
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.type);
    return out;
  }
  const Recorded& last() const { return events.back(); }
  std::vector<Recorded> events;
};

json canonical(const json& request, const json& history = json::array()) {
  return json::parse(toCanonical(request, history).body);
}

std::string chunk(const json& delta, const json& finish = nullptr) {
  return json{{"id", "chatcmpl-1"},
              {"object", "chat.completion.chunk"},
              {"created", 1},
              {"model", "m"},
              {"choices", json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}}
      .dump();
}

std::string usageChunk(int prompt, int cached, int completion, int reasoning) {
  return json{{"id", "chatcmpl-1"},
              {"object", "chat.completion.chunk"},
              {"choices", json::array()},
              {"usage",
               {{"prompt_tokens", prompt},
                {"completion_tokens", completion},
                {"total_tokens", prompt + completion},
                {"prompt_tokens_details", {{"cached_tokens", cached}}},
                {"completion_tokens_details", {{"reasoning_tokens", reasoning}}}}}}
      .dump();
}

ResponseContext contextFor(const json& request) {
  auto c = toCanonical(request, json::array());
  ResponseContext context;
  context.id = "resp_abc";
  context.model = request.value("model", "");
  context.createdAt = 1700000000;
  context.inputTokensEstimate = 42;
  context.toolNames = c.toolNames;
  context.echo = c.echo;
  return context;
}

void expectApiError(const json& request, std::string_view param, std::string_view inMessage = {}) {
  try {
    toCanonical(request, json::array());
    ADD_FAILURE() << "accepted: " << request.dump();
  } catch (const http::ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.param(), param) << e.what();
    if (!inMessage.empty()) {
      EXPECT_NE(std::string(e.what()).find(inMessage), std::string::npos) << e.what();
    }
  }
}

// ---- requests ----

TEST(ResponsesRequest, StringInputInstructionsAndHistoryComeInOrder) {
  json history = json::array({{{"role", "user"}, {"content", "earlier"}}, {{"role", "assistant"}, {"content", "reply"}}});
  json body = canonical({{"model", "gpt-x"}, {"instructions", "be brief"}, {"input", "now"}}, history);
  EXPECT_EQ(body["model"], "gpt-x");
  ASSERT_EQ(body["messages"].size(), 4u);
  EXPECT_EQ(body["messages"][0], (json{{"role", "system"}, {"content", "be brief"}}));
  EXPECT_EQ(body["messages"][1]["content"], "earlier");
  EXPECT_EQ(body["messages"][2]["content"], "reply");
  EXPECT_EQ(body["messages"][3], (json{{"role", "user"}, {"content", "now"}}));
}

TEST(ResponsesRequest, ItemsBecomeChatMessagesWithConsecutiveCallsInOneAssistantMessage) {
  json input = json::array({
      {{"type", "message"}, {"role", "developer"}, {"content", json::array({{{"type", "input_text"}, {"text", "rules"}}})}},
      {{"role", "user"},
       {"content", json::array({{{"type", "input_text"}, {"text", "look"}},
                                {{"type", "input_image"}, {"image_url", "https://x/img.png"}, {"detail", "low"}}})}},
      {{"type", "reasoning"}, {"id", "rs_1"}, {"summary", json::array()}, {"encrypted_content", "opaque"}},
      {{"type", "message"}, {"role", "assistant"}, {"content", json::array({{{"type", "output_text"}, {"text", "ok"}}})}},
      {{"type", "function_call"}, {"call_id", "call_1"}, {"name", "shell"}, {"arguments", "{\"cmd\":\"ls\"}"}},
      {{"type", "function_call"}, {"call_id", "call_2"}, {"name", "read"}, {"arguments", "{}"}},
      {{"type", "function_call_output"}, {"call_id", "call_1"}, {"output", "a.txt"}},
      {{"type", "function_call_output"},
       {"call_id", "call_2"},
       {"output", json::array({{{"type", "input_text"}, {"text", "contents"}}})}},
  });
  json m = canonical({{"model", "m"}, {"input", input}})["messages"];
  ASSERT_EQ(m.size(), 5u) << m.dump();
  EXPECT_EQ(m[0], (json{{"role", "system"}, {"content", "rules"}}));
  EXPECT_EQ(m[1]["role"], "user");
  ASSERT_EQ(m[1]["content"].size(), 2u);
  EXPECT_EQ(m[1]["content"][1], (json{{"type", "image_url"}, {"image_url", {{"url", "https://x/img.png"}, {"detail", "low"}}}}));
  EXPECT_EQ(m[2]["role"], "assistant");
  EXPECT_EQ(m[2]["content"], "ok") << "the text and the calls are one turn";
  ASSERT_EQ(m[2]["tool_calls"].size(), 2u);
  EXPECT_EQ(m[2]["tool_calls"][0],
            (json{{"id", "call_1"}, {"type", "function"}, {"function", {{"name", "shell"}, {"arguments", "{\"cmd\":\"ls\"}"}}}}));
  EXPECT_EQ(m[2]["tool_calls"][1]["id"], "call_2");
  EXPECT_EQ(m[3], (json{{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "a.txt"}}));
  EXPECT_EQ(m[4], (json{{"role", "tool"}, {"tool_call_id", "call_2"}, {"content", "contents"}}));
}

TEST(ResponsesRequest, ImagesOfToolOutputsFollowTheTurnsToolMessages) {
  json input = json::array({
      {{"type", "function_call"}, {"call_id", "c1"}, {"name", "view_image"}, {"arguments", "{}"}},
      {{"type", "function_call"}, {"call_id", "c2"}, {"name", "shell"}, {"arguments", "{}"}},
      {{"type", "function_call_output"},
       {"call_id", "c1"},
       {"output", json::array({{{"type", "input_text"}, {"text", "the image"}},
                               {{"type", "input_image"}, {"image_url", "data:image/png;base64,AAAA"}}})}},
      {{"type", "function_call_output"}, {"call_id", "c2"}, {"output", "ok"}},
      {{"role", "user"}, {"content", "next"}},
  });
  json m = canonical({{"model", "m"}, {"input", input}})["messages"];
  ASSERT_EQ(m.size(), 5u) << m.dump();
  EXPECT_EQ(m[1], (json{{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "the image"}}));
  EXPECT_EQ(m[2]["role"], "tool") << "the turn's tool messages stay together";
  EXPECT_EQ(m[3], (json{{"role", "user"},
                        {"content", json::array({{{"type", "image_url"}, {"image_url", {{"url", "data:image/png;base64,AAAA"}}}}})}}));
  EXPECT_EQ(m[4]["content"], "next");
}

TEST(ResponsesRequest, ParametersMapToTheirChatNames) {
  json body = canonical({{"model", "m"},
                         {"input", "x"},
                         {"max_output_tokens", 300},
                         {"temperature", 0.2},
                         {"top_p", 0.9},
                         {"stream", true},
                         {"store", false},
                         {"include", json::array({"reasoning.encrypted_content"})},
                         {"metadata", {{"k", "v"}}},
                         {"truncation", "auto"},
                         {"previous_response_id", "resp_prev"},
                         {"reasoning", {{"effort", "high"}, {"summary", "auto"}}},
                         {"text", {{"format", {{"type", "json_schema"}, {"name", "out"}, {"schema", {{"type", "object"}}}, {"strict", true}}}}}});
  EXPECT_EQ(body["max_tokens"], 300);
  EXPECT_FALSE(body.contains("max_output_tokens"));
  EXPECT_EQ(body["temperature"], 0.2);
  EXPECT_EQ(body["top_p"], 0.9);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"], (json{{"include_usage", true}})) << "the usage that completes the Response";
  EXPECT_EQ(body["reasoning_effort"], "high");
  EXPECT_EQ(body["response_format"],
            (json{{"type", "json_schema"}, {"json_schema", {{"name", "out"}, {"schema", {{"type", "object"}}}, {"strict", true}}}}));
  for (const char* dropped : {"store", "include", "metadata", "truncation", "previous_response_id", "reasoning", "text", "input"})
    EXPECT_FALSE(body.contains(dropped)) << dropped;
}

TEST(ResponsesRequest, FlatFunctionToolsAndToolChoice) {
  json tools_ = json::array({{{"type", "function"}, {"name", "f"}}});
  json body = canonical({{"model", "m"},
                         {"input", "x"},
                         {"parallel_tool_calls", false},
                         {"tools", json::array({{{"type", "function"},
                                                 {"name", "get_weather"},
                                                 {"description", "weather"},
                                                 {"parameters", {{"type", "object"}}},
                                                 {"strict", true}}})},
                         {"tool_choice", {{"type", "function"}, {"name", "get_weather"}}}});
  EXPECT_EQ(body["tools"][0], (json{{"type", "function"},
                                    {"function", {{"name", "get_weather"}, {"description", "weather"},
                                                  {"parameters", {{"type", "object"}}}, {"strict", true}}}}));
  EXPECT_EQ(body["tool_choice"], (json{{"type", "function"}, {"function", {{"name", "get_weather"}}}}));
  EXPECT_EQ(body["parallel_tool_calls"], false);
  EXPECT_EQ(canonical({{"model", "m"}, {"input", "x"}, {"tools", tools_}, {"tool_choice", "required"}})["tool_choice"], "required");
  EXPECT_FALSE(canonical({{"model", "m"}, {"input", "x"}, {"tool_choice", "auto"}}).contains("tool_choice"))
      << "chat upstreams refuse tool_choice without tools";
}

TEST(ResponsesRequest, CustomToolsAreKeptAsChatCustomTools) {
  json format = {{"type", "grammar"}, {"syntax", "lark"}, {"definition", "start: /.+/"}};
  json body = canonical({{"model", "m"},
                         {"input", json::array({{{"type", "custom_tool_call"}, {"call_id", "c1"}, {"name", "apply_patch"}, {"input", "*** Begin Patch"}},
                                                {{"type", "custom_tool_call_output"}, {"call_id", "c1"}, {"output", "done"}}})},
                         {"tools", json::array({{{"type", "custom"}, {"name", "apply_patch"}, {"description", "patch files"}, {"format", format}}})}});
  ASSERT_EQ(body["tools"].size(), 1u) << "pitfall 17: a custom tool must never be lost";
  EXPECT_EQ(body["tools"][0],
            (json{{"type", "custom"}, {"custom", {{"name", "apply_patch"}, {"description", "patch files"}, {"format", format}}}}));
  EXPECT_EQ(body["messages"][0]["tool_calls"][0],
            (json{{"id", "c1"}, {"type", "custom"}, {"custom", {{"name", "apply_patch"}, {"input", "*** Begin Patch"}}}}));
  EXPECT_EQ(body["messages"][1], (json{{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "done"}}));
}

TEST(ResponsesRequest, CustomToolAsFunctionAndBack) {
  json fn = customToolAsFunction({{"type", "custom"},
                                  {"custom", {{"name", "apply_patch"}, {"description", "patch"},
                                              {"format", {{"type", "grammar"}, {"syntax", "lark"}, {"definition", "start: x"}}}}}});
  EXPECT_EQ(fn["type"], "function");
  EXPECT_EQ(fn["function"]["name"], "apply_patch");
  EXPECT_EQ(fn["function"]["parameters"]["required"], json::array({"input"}));
  EXPECT_EQ(fn["function"]["parameters"]["properties"]["input"]["type"], "string");
  EXPECT_NE(fn["function"]["description"].get<std::string>().find("start: x"), std::string::npos);
  std::string args = argumentsFromCustomInput("line \"1\"\nline 2");
  EXPECT_EQ(customInputFromArguments(args), "line \"1\"\nline 2");
  EXPECT_FALSE(customInputFromArguments("{\"other\":1}"));
  json call = customCallAsFunction({{"id", "c1"}, {"type", "custom"}, {"custom", {{"name", "apply_patch"}, {"input", "p"}}}});
  EXPECT_EQ(call, (json{{"id", "c1"}, {"type", "function"}, {"function", {{"name", "apply_patch"}, {"arguments", "{\"input\":\"p\"}"}}}}));
}

TEST(ResponsesRequest, BuiltInToolsAreRefusedByName) {
  expectApiError({{"model", "m"}, {"input", "x"}, {"tools", json::array({{{"type", "web_search"}}})}}, "tools[0].type", "web_search");
  expectApiError({{"model", "m"}, {"input", "x"},
                  {"tools", json::array({{{"type", "function"}, {"name", "f"}}, {{"type", "file_search"}}})}},
                 "tools[1].type", "file_search");
}

TEST(ResponsesRequest, InvalidRequestsAreOpenAIErrors) {
  expectApiError({{"input", "x"}}, "model");
  expectApiError({{"model", "m"}}, "input");
  expectApiError({{"model", "m"}, {"input", 5}}, "input");
  expectApiError({{"model", "m"}, {"input", json::array({{{"type", "function_call"}, {"name", "f"}, {"arguments", "{}"}}})}},
                 "input[0].call_id");
  expectApiError({{"model", "m"}, {"input", json::array({{{"type", "item_reference"}, {"id", "x"}}})}}, "input[0].type");
  expectApiError({{"model", "m"}, {"input", "x"}, {"max_output_tokens", 0}}, "max_output_tokens");
  expectApiError({{"model", "m"}, {"input", "x"}, {"tools", json::array({{{"type", 7}}})}}, "tools[0].type");
  expectApiError({{"model", "m"}, {"input", json::array({{{"role", "user"}, {"content", json::array({{{"type", "input_image"}, {"file_id", "f"}}})}}})}},
                 "input[0].content[0].file_id");
}

TEST(ResponsesRequest, LongToolNamesAreShortenedAndMappedBack) {
  std::string longName(70, 'a');
  auto c = toCanonical({{"model", "m"}, {"input", "x"}, {"tools", json::array({{{"type", "function"}, {"name", longName}}})}},
                       json::array());
  json body = json::parse(c.body);
  std::string shortName = body["tools"][0]["function"]["name"];
  EXPECT_EQ(shortName.size(), 64u);
  EXPECT_EQ(shortName.substr(0, 56), std::string(55, 'a') + "_");
  EXPECT_EQ(c.toolNames.at(shortName), longName);

  ResponseContext context = contextFor({{"model", "m"}, {"input", "x"}, {"tools", json::array({{{"type", "function"}, {"name", longName}}})}});
  auto encoder = makeEncoder(context);
  RecordingSink sink;
  encoder->chunk(chunk({{"tool_calls", json::array({{{"index", 0}, {"id", "call_1"}, {"type", "function"},
                                                      {"function", {{"name", shortName}, {"arguments", "{}"}}}}})}}), 0, sink);
  encoder->finish(sink);
  EXPECT_EQ(json::parse(encoder->finalResponse())["output"][0]["name"], longName);
}

// ---- streams ----

TEST(ResponsesEncoder, TextStreamEventsInOrderWithIncreasingSequenceNumbers) {
  json request = {{"model", "gpt-x"}, {"input", "hi"}, {"instructions", "be brief"}, {"temperature", 0.5}, {"max_output_tokens", 99}};
  auto encoder = makeEncoder(contextFor(request));
  RecordingSink sink;
  encoder->chunk(chunk({{"role", "assistant"}, {"content", ""}}), 0, sink);
  encoder->chunk(chunk({{"content", "Hel"}}), 0, sink);
  encoder->chunk(chunk({{"content", "lo \"you\"\n"}}), 0, sink);
  encoder->chunk(chunk(json::object(), "stop"), 0, sink);
  EXPECT_NE(sink.last().type, "response.completed") << "the usage chunk completes the response";
  encoder->chunk(usageChunk(10, 4, 7, 2), TP_CHUNK_USAGE_ONLY, sink);
  encoder->chunk(chunk({{"content", "late"}}), 0, sink);  // nothing after the terminal event
  encoder->finish(sink);

  std::vector<std::string> expected = {"response.created",           "response.in_progress",      "response.output_item.added",
                                       "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                                       "response.output_text.done",   "response.content_part.done", "response.output_item.done",
                                       "response.completed"};
  EXPECT_EQ(sink.types(), expected);
  for (size_t i = 0; i < sink.events.size(); ++i) {
    EXPECT_EQ(sink.events[i].data["type"], sink.events[i].type);
    EXPECT_EQ(sink.events[i].data["sequence_number"], i);
  }
  EXPECT_EQ(sink.events[0].data["response"]["id"], "resp_abc");
  EXPECT_EQ(sink.events[0].data["response"]["status"], "in_progress");
  const json& delta = sink.events[5].data;
  EXPECT_EQ(delta["delta"], "lo \"you\"\n");
  EXPECT_EQ(delta["item_id"], sink.events[2].data["item"]["id"]);
  EXPECT_EQ(delta["output_index"], 0);
  EXPECT_EQ(delta["content_index"], 0);
  EXPECT_EQ(sink.events[6].data["text"], "Hello \"you\"\n");
  EXPECT_EQ(sink.events[8].data["item"]["content"][0]["text"], "Hello \"you\"\n");
  EXPECT_EQ(sink.events[8].data["item"]["status"], "completed");

  json response = sink.last().data["response"];
  EXPECT_EQ(response, json::parse(encoder->finalResponse()));
  EXPECT_EQ(response["object"], "response");
  EXPECT_EQ(response["status"], "completed");
  EXPECT_EQ(response["model"], "gpt-x");
  EXPECT_EQ(response["created_at"], 1700000000);
  EXPECT_TRUE(response["error"].is_null());
  EXPECT_TRUE(response["incomplete_details"].is_null());
  EXPECT_EQ(response["output"].size(), 1u);
  EXPECT_EQ(response["usage"], (json{{"input_tokens", 10}, {"input_tokens_details", {{"cached_tokens", 4}}}, {"output_tokens", 7},
                                     {"output_tokens_details", {{"reasoning_tokens", 2}}}, {"total_tokens", 17}}));
  // Echoed request members.
  EXPECT_EQ(response["instructions"], "be brief");
  EXPECT_EQ(response["temperature"], 0.5);
  EXPECT_EQ(response["max_output_tokens"], 99);
  EXPECT_EQ(response["tool_choice"], "auto");
  EXPECT_EQ(response["tools"], json::array());
  EXPECT_EQ(response["store"], true);
  EXPECT_EQ(response["parallel_tool_calls"], true);
  EXPECT_TRUE(response["previous_response_id"].is_null());
  EXPECT_TRUE(terminalEvent(Dialect::OpenAIResponses, sink.last().type));
}

TEST(ResponsesEncoder, SeveralToolCallsInterleavedWithText) {
  json tools = json::array({{{"type", "function"}, {"name", "a"}}, {{"type", "function"}, {"name", "b"}}});
  auto encoder = makeEncoder(contextFor({{"model", "m"}, {"input", "x"}, {"tools", tools}}));
  RecordingSink sink;
  encoder->chunk(chunk({{"content", "first"}}), 0, sink);
  encoder->chunk(chunk({{"tool_calls", json::array({{{"index", 0}, {"id", "call_a"}, {"type", "function"},
                                                      {"function", {{"name", "a"}, {"arguments", "{\"x\":"}}}}})}}), 0, sink);
  encoder->chunk(chunk({{"tool_calls", json::array({{{"index", 0}, {"function", {{"arguments", "1}"}}}}})}}), 0, sink);
  encoder->chunk(chunk({{"tool_calls", json::array({{{"index", 1}, {"id", "call_b"}, {"type", "function"},
                                                      {"function", {{"name", "b"}, {"arguments", ""}}}}})}}), 0, sink);
  encoder->chunk(chunk({{"tool_calls", json::array({{{"index", 1}, {"function", {{"arguments", "{}"}}}}})}}), 0, sink);
  encoder->chunk(chunk({{"content", "second"}}), 0, sink);
  encoder->chunk(chunk(json::object(), "tool_calls"), 0, sink);
  encoder->chunk(usageChunk(5, 0, 5, 0), TP_CHUNK_USAGE_ONLY, sink);

  std::vector<std::string> added, done;
  std::vector<json> doneItems;
  for (size_t i = 0; i < sink.events.size(); ++i) {
    EXPECT_EQ(sink.events[i].data["sequence_number"], i);
    if (sink.events[i].type == "response.output_item.added") added.push_back(sink.events[i].data["item"]["type"]);
    if (sink.events[i].type == "response.output_item.done") doneItems.push_back(sink.events[i].data["item"]);
  }
  EXPECT_EQ(added, (std::vector<std::string>{"message", "function_call", "function_call", "message"}));
  ASSERT_EQ(doneItems.size(), 4u);
  EXPECT_EQ(doneItems[1]["arguments"], "{\"x\":1}");
  EXPECT_EQ(doneItems[1]["call_id"], "call_a");
  EXPECT_EQ(doneItems[1]["name"], "a");
  EXPECT_EQ(doneItems[1]["status"], "completed");
  EXPECT_EQ(doneItems[2]["arguments"], "{}");
  EXPECT_EQ(doneItems[3]["content"][0]["text"], "second");

  std::vector<std::string> argumentDeltas;
  for (const auto& e : sink.events)
    if (e.type == "response.function_call_arguments.delta") argumentDeltas.push_back(e.data["delta"]);
  EXPECT_EQ(argumentDeltas, (std::vector<std::string>{"{\"x\":", "1}", "{}"}));

  json response = json::parse(encoder->finalResponse());
  ASSERT_EQ(response["output"].size(), 4u);
  std::set<std::string> ids;
  for (size_t i = 0; i < 4; ++i) {
    ids.insert(response["output"][i]["id"].get<std::string>());
    EXPECT_EQ(response["output"][i], doneItems[i]);
  }
  EXPECT_EQ(ids.size(), 4u) << "item ids are unique";
  EXPECT_EQ(response["output"][1]["id"].get<std::string>().rfind("fc_", 0), 0u);
  EXPECT_EQ(response["output"][0]["id"].get<std::string>().rfind("msg_", 0), 0u);
}

TEST(ResponsesEncoder, CustomToolCallsStreamAsCustomToolCallItems) {
  json tools = json::array({{{"type", "custom"}, {"name", "apply_patch"}, {"description", "patch"}}});
  json request = {{"model", "m"}, {"input", "x"}, {"tools", tools}};
  {
    // Canonical chat custom tool call (OpenAI chat upstreams).
    auto encoder = makeEncoder(contextFor(request));
    RecordingSink sink;
    encoder->chunk(chunk({{"tool_calls", json::array({{{"index", 0}, {"id", "call_p"}, {"type", "custom"},
                                                        {"custom", {{"name", "apply_patch"}, {"input", "*** Begin"}}}}})}}), 0, sink);
    encoder->chunk(chunk({{"tool_calls", json::array({{{"index", 0}, {"custom", {{"input", " Patch\n"}}}}})}}), 0, sink);
    encoder->chunk(chunk(json::object(), "tool_calls"), 0, sink);
    encoder->finish(sink);
    std::vector<std::string> types = sink.types();
    EXPECT_NE(std::find(types.begin(), types.end(), "response.custom_tool_call_input.delta"), types.end());
    EXPECT_NE(std::find(types.begin(), types.end(), "response.custom_tool_call_input.done"), types.end());
    json item = json::parse(encoder->finalResponse())["output"][0];
    EXPECT_EQ(item["type"], "custom_tool_call");
    EXPECT_EQ(item["input"], "*** Begin Patch\n");
    EXPECT_EQ(item["call_id"], "call_p");
    EXPECT_EQ(item["name"], "apply_patch");
  }
  {
    // A translator that sent it as a function tool with one string parameter `input`.
    auto encoder = makeEncoder(contextFor(request));
    RecordingSink sink;
    std::string args = argumentsFromCustomInput("*** Begin Patch\n\"q\"");
    encoder->chunk(chunk({{"tool_calls", json::array({{{"index", 0}, {"id", "toolu_1"}, {"type", "function"},
                                                        {"function", {{"name", "apply_patch"}, {"arguments", args.substr(0, 5)}}}}})}}), 0, sink);
    encoder->chunk(chunk({{"tool_calls", json::array({{{"index", 0}, {"function", {{"arguments", args.substr(5)}}}}})}}), 0, sink);
    encoder->chunk(chunk(json::object(), "tool_calls"), 0, sink);
    encoder->finish(sink);
    json item = json::parse(encoder->finalResponse())["output"][0];
    EXPECT_EQ(item["type"], "custom_tool_call");
    EXPECT_EQ(item["input"], "*** Begin Patch\n\"q\"");
    for (const auto& e : sink.events)
      if (e.type == "response.custom_tool_call_input.done") {
        EXPECT_EQ(e.data["input"], "*** Begin Patch\n\"q\"");
      }
  }
}

TEST(ResponsesEncoder, LengthEndsIncompleteWithMaxOutputTokens) {
  auto encoder = makeEncoder(contextFor({{"model", "m"}, {"input", "x"}}));
  RecordingSink sink;
  encoder->chunk(chunk({{"content", "cut"}}), 0, sink);
  encoder->chunk(chunk(json::object(), "length"), 0, sink);
  encoder->chunk(usageChunk(3, 0, 1, 0), TP_CHUNK_USAGE_ONLY, sink);
  EXPECT_EQ(sink.last().type, "response.incomplete");
  EXPECT_TRUE(terminalEvent(Dialect::OpenAIResponses, sink.last().type));
  json response = sink.last().data["response"];
  EXPECT_EQ(response["status"], "incomplete");
  EXPECT_EQ(response["incomplete_details"], (json{{"reason", "max_output_tokens"}}));
  EXPECT_EQ(response["output"][0]["status"], "incomplete");

  auto filtered = makeEncoder(contextFor({{"model", "m"}, {"input", "x"}}));
  RecordingSink sink2;
  filtered->chunk(chunk(json::object(), "content_filter"), 0, sink2);
  filtered->finish(sink2);
  EXPECT_EQ(sink2.last().type, "response.incomplete");
  EXPECT_EQ(sink2.last().data["response"]["incomplete_details"]["reason"], "content_filter");
}

TEST(ResponsesEncoder, FinishWithoutUsageCompletesWithEstimates) {
  auto encoder = makeEncoder(contextFor({{"model", "m"}, {"input", "x"}}));
  RecordingSink sink;
  encoder->chunk(chunk({{"content", "12345678"}}), 0, sink);
  encoder->finish(sink);
  EXPECT_EQ(sink.last().type, "response.completed");
  json usage = sink.last().data["response"]["usage"];
  EXPECT_EQ(usage["input_tokens"], 42);
  EXPECT_EQ(usage["output_tokens"], 2);
  EXPECT_EQ(usage["total_tokens"], 44);
  EXPECT_EQ(sink.events[sink.events.size() - 2].type, "response.output_item.done") << "items are closed first";
}

TEST(ResponsesEncoder, ReasoningBecomesAReasoningItemWithSummaryDeltas) {
  auto encoder = makeEncoder(contextFor({{"model", "m"}, {"input", "x"}}));
  RecordingSink sink;
  encoder->chunk(chunk({{"reasoning_content", "think"}}), 0, sink);
  encoder->chunk(chunk({{"reasoning_content", "ing"}}), 0, sink);
  encoder->chunk(chunk({{"content", "answer"}}), 0, sink);
  encoder->chunk(chunk(json::object(), "stop"), 0, sink);
  encoder->finish(sink);
  std::vector<std::string> expected = {
      "response.created", "response.in_progress", "response.output_item.added", "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done", "response.output_item.done", "response.output_item.added",
      "response.content_part.added", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
      "response.output_item.done", "response.completed"};
  EXPECT_EQ(sink.types(), expected);
  EXPECT_EQ(sink.events[4].data["summary_index"], 0);  // Codex reads summary deltas by summary_index
  json output = json::parse(encoder->finalResponse())["output"];
  EXPECT_EQ(output[0]["type"], "reasoning");
  EXPECT_EQ(output[0]["summary"][0], (json{{"type", "summary_text"}, {"text", "thinking"}}));
  EXPECT_EQ(output[1]["content"][0]["text"], "answer");
}

TEST(ResponsesEncoder, ConcurrentEncodersKeepTheirOwnState) {
  json request = {{"model", "m"}, {"input", "x"}};
  auto a = makeEncoder(contextFor(request));
  ResponseContext other = contextFor(request);
  other.id = "resp_other";
  auto b = makeEncoder(other);
  RecordingSink sa, sb;
  a->chunk(chunk({{"content", "A"}}), 0, sa);
  b->chunk(chunk({{"content", "B"}}), 0, sb);
  a->finish(sa);
  b->finish(sb);
  EXPECT_EQ(json::parse(a->finalResponse())["output"][0]["content"][0]["text"], "A");
  EXPECT_EQ(json::parse(b->finalResponse())["output"][0]["content"][0]["text"], "B");
  EXPECT_EQ(sb.events[0].data["sequence_number"], 0);
}

// ---- whole responses, history, generated text ----

TEST(ResponsesWhole, ChatCompletionBecomesAResponseObject) {
  json tools = json::array({{{"type", "function"}, {"name", "f"}}, {{"type", "custom"}, {"name", "apply_patch"}}});
  auto encoder = makeEncoder(contextFor({{"model", "m"}, {"input", "x"}, {"tools", tools}, {"store", false}}));
  json completion = {
      {"id", "chatcmpl-1"},
      {"object", "chat.completion"},
      {"choices",
       json::array({{{"index", 0},
                     {"message",
                      {{"role", "assistant"},
                       {"content", "calling"},
                       {"reasoning_content", "hmm"},
                       {"tool_calls", json::array({{{"id", "call_1"}, {"type", "function"}, {"function", {{"name", "f"}, {"arguments", "{\"a\":1}"}}}},
                                                   {{"id", "call_2"}, {"type", "custom"}, {"custom", {{"name", "apply_patch"}, {"input", "p"}}}}})}}},
                     {"finish_reason", "tool_calls"}}})},
      {"usage", {{"prompt_tokens", 20}, {"completion_tokens", 9}, {"total_tokens", 29},
                 {"prompt_tokens_details", {{"cached_tokens", 8}}}, {"completion_tokens_details", {{"reasoning_tokens", 3}}}}}};
  json response = json::parse(encoder->whole(completion.dump()));
  EXPECT_EQ(response, json::parse(encoder->finalResponse()));
  EXPECT_EQ(response["id"], "resp_abc");
  EXPECT_EQ(response["object"], "response");
  EXPECT_EQ(response["status"], "completed");
  EXPECT_EQ(response["store"], false);
  ASSERT_EQ(response["output"].size(), 4u);
  EXPECT_EQ(response["output"][0]["type"], "reasoning");
  EXPECT_EQ(response["output"][1]["content"][0]["text"], "calling");
  EXPECT_EQ(response["output"][2], (json{{"id", "fc_abc_2"}, {"type", "function_call"}, {"status", "completed"},
                                         {"call_id", "call_1"}, {"name", "f"}, {"arguments", "{\"a\":1}"}}));
  EXPECT_EQ(response["output"][3]["type"], "custom_tool_call");
  EXPECT_EQ(response["output"][3]["input"], "p");
  EXPECT_EQ(response["usage"]["input_tokens_details"]["cached_tokens"], 8);
  EXPECT_EQ(response["usage"]["output_tokens_details"]["reasoning_tokens"], 3);
  EXPECT_EQ(response["usage"]["total_tokens"], 29);

  json messages = outputMessages(response);
  ASSERT_EQ(messages.size(), 1u) << messages.dump();
  EXPECT_EQ(messages[0]["role"], "assistant");
  EXPECT_EQ(messages[0]["content"], "calling");
  ASSERT_EQ(messages[0]["tool_calls"].size(), 2u);
  EXPECT_EQ(messages[0]["tool_calls"][0]["function"]["arguments"], "{\"a\":1}");
  EXPECT_EQ(messages[0]["tool_calls"][1], (json{{"id", "call_2"}, {"type", "custom"}, {"custom", {{"name", "apply_patch"}, {"input", "p"}}}}));

  // Reasoning summary + text + arguments + input, as bytes of JSON text (escapes included), as
  // the chat counter counts them.
  EXPECT_EQ(generatedTextBytes(encoder->finalResponse()), 3u + 7u + std::string(R"({\"a\":1})").size() + 1u);
}

TEST(ResponsesWhole, LengthIsIncomplete) {
  auto encoder = makeEncoder(contextFor({{"model", "m"}, {"input", "x"}}));
  json completion = {{"choices", json::array({{{"index", 0}, {"message", {{"role", "assistant"}, {"content", "par"}}}, {"finish_reason", "length"}}})}};
  json response = json::parse(encoder->whole(completion.dump()));
  EXPECT_EQ(response["status"], "incomplete");
  EXPECT_EQ(response["incomplete_details"]["reason"], "max_output_tokens");
  EXPECT_EQ(response["usage"]["input_tokens"], 42) << "estimated without the upstream's usage";
}

TEST(ResponsesHistory, ConversationAfterCarriesInputAndOutputButNotInstructions) {
  json first = {{"model", "m"}, {"instructions", "sys"}, {"input", "q1"}};
  auto encoder = makeEncoder(contextFor(first));
  json completion = {{"choices", json::array({{{"index", 0}, {"message", {{"role", "assistant"}, {"content", "a1"}}}, {"finish_reason", "stop"}}})}};
  json response = json::parse(encoder->whole(completion.dump()));
  json conversation = conversationAfter(first, json::array(), response);
  EXPECT_EQ(conversation, json::parse(R"([{"role":"user","content":"q1"},{"role":"assistant","content":"a1"}])"));
  json next = canonical({{"model", "m"}, {"instructions", "sys2"}, {"input", "q2"}, {"previous_response_id", "resp_abc"}}, conversation);
  EXPECT_EQ(next["messages"], json::parse(R"([{"role":"system","content":"sys2"},{"role":"user","content":"q1"},)"
                                          R"({"role":"assistant","content":"a1"},{"role":"user","content":"q2"}])"));
}

// A stored response keeps the upstream's tool names as they came; a long non-ASCII one was cut
// inside a UTF-8 character, and the conversation could no longer be stored.
TEST(ResponsesHistory, LongNonAsciiToolNamesAreShortenedWholeCharacters) {
  std::string name;
  for (int i = 0; i < 40; ++i) name += "\xc3\xa9";  // é, 80 bytes
  json response = {{"output", json::array({{{"type", "function_call"}, {"call_id", "c1"}, {"name", name}, {"arguments", "{}"}}})}};
  json conversation = conversationAfter(json{{"model", "m"}, {"input", "q"}}, json::array(), response);
  std::string stored;
  ASSERT_NO_THROW(stored = conversation.dump());
  std::string shortened = json::parse(stored)[1]["tool_calls"][0]["function"]["name"];
  EXPECT_EQ(shortened, name.substr(0, 54) + "_" + canonicalToolName(name).substr(55));
  EXPECT_LE(shortened.size(), 64u);
}

TEST(ResponsesGeneratedText, CountsDeltasOnly) {
  EXPECT_EQ(generatedTextBytes(R"({"type":"response.output_text.delta","sequence_number":4,"delta":"hello"})"), 5u);
  EXPECT_EQ(generatedTextBytes(R"({"type":"response.function_call_arguments.delta","delta":"{}"})"), 2u);
  EXPECT_EQ(generatedTextBytes(R"({"type":"response.output_text.done","text":"hello"})"), 0u);
  EXPECT_EQ(generatedTextBytes(R"({"type":"response.completed","response":{"output":[{"content":[{"text":"hello"}]}]}})"), 0u);
}

}  // namespace
}  // namespace turnpike::dialects::responses
