// The real gemini plugin (.so) through the host's loader: the upstream requests it builds from
// canonical chat requests, and the canonical events it emits from recorded Gemini bytes.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "fake_upstream.hpp"
#include "plugins/loader.hpp"
#include "plugins/provider.hpp"

namespace turnpike::plugins {
namespace {

using nlohmann::json;

constexpr const char* kKey = "AIzaTestKey-123";

struct Error {
  int status = 0;
  std::string type, code, param, message;
};

struct Recorder : EmitSink {
  std::vector<std::pair<std::string, uint32_t>> chunks;
  std::vector<tp_usage> usages;
  std::vector<Error> errors;
  void onChunk(std::string_view j, uint32_t flags) override { chunks.emplace_back(std::string(j), flags); }
  void onUsage(const tp_usage& u) override { usages.push_back(u); }
  void onError(const EmittedError& e) override {
    errors.push_back({e.status, std::string(e.type), std::string(e.code), std::string(e.param), std::string(e.message)});
  }
  json chunk(size_t i) const { return json::parse(chunks.at(i).first); }
  std::vector<json> all() const {
    std::vector<json> out;
    for (const auto& c : chunks) out.push_back(json::parse(c.first));
    return out;
  }
};

class GeminiProviderTest : public ::testing::Test {
 protected:
  static Loader& loader() {
    static Loader l(TURNPIKE_TEST_PLUGIN_DIR);
    return l;
  }
  const LoadedPlugin& plugin() { return loader().load("gemini", TP_KIND_PROVIDER); }

  std::unique_ptr<Provider> make(json config = json::object()) {
    if (!config.contains("api_key")) config["api_key"] = kKey;
    return std::make_unique<Provider>(plugin(), "gemini", config, std::vector<std::string>{kKey});
  }

  std::string createError(const json& config) {
    try {
      make(config);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "created with " << config.dump();
    return {};
  }

  tp_provider_call call(tp_operation op, const std::string& body, bool stream,
                        const std::string& upstream = "gemini-2.5-flash") {
    body_ = body;
    upstream_ = upstream;
    return tp_provider_call{sizeof(tp_provider_call), op,      {model_.data(), model_.size()},
                            {upstream_.data(), upstream_.size()}, {body_.data(), body_.size()}, stream ? 1 : 0,
                            TP_DIALECT_OPENAI_CHAT,   nullptr, 0};
  }

  // The upstream request for `body`; fails the test when the plugin refuses.
  net::UpstreamRequest build(const json& body, bool stream = false, tp_operation op = TP_OP_CHAT,
                             const std::string& upstream = "gemini-2.5-flash") {
    auto p = provider_ ? provider_.get() : (provider_ = make()).get();
    net::UpstreamRequest out;
    std::string error;
    auto c = call(op, body.dump(), stream, upstream);
    EXPECT_EQ(p->buildRequest(c, out, error), TP_DISPATCH_HTTP) << error;
    return out;
  }
  json buildBody(const json& body, bool stream = false) { return json::parse(build(body, stream).body); }

  std::string refusal(const json& body, tp_operation op = TP_OP_CHAT) {
    auto p = provider_ ? provider_.get() : (provider_ = make()).get();
    net::UpstreamRequest out;
    std::string error;
    auto c = call(op, body.dump(), false);
    EXPECT_EQ(p->buildRequest(c, out, error), -1) << out.body;
    return error;
  }

  // Feeds `pieces` (then the end) to a fresh stream of the call.
  Recorder feed(const std::vector<std::string>& pieces, bool stream, int status = 200, tp_operation op = TP_OP_CHAT,
                const std::string& body = R"({"messages":[{"role":"user","content":"hi"}]})") {
    auto p = provider_ ? provider_.get() : (provider_ = make()).get();
    auto c = call(op, body, stream);
    Recorder r;
    auto s = p->openStream(c);
    if (!stream || status >= 400) {
      std::string whole;
      for (const auto& piece : pieces) whole += piece;
      s.feed(status, whole, true, r);
      return r;
    }
    for (const auto& piece : pieces) s.feed(status, piece, false, r);
    s.feed(status, "", true, r);
    return r;
  }

  std::string model_ = "gem-routed";
  std::string body_;
  std::string upstream_;
  std::unique_ptr<Provider> provider_;
};

std::string header(const net::UpstreamRequest& r, const std::string& name) {
  for (const auto& h : r.headers)
    if (h.rfind(name + ": ", 0) == 0) return h.substr(name.size() + 2);
  return {};
}

json userChat(json extra = json::object()) {
  json body = {{"model", "gemini-2.5-flash"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  return body;
}

std::string sse(const json& frame) { return "data: " + frame.dump() + "\r\n\r\n"; }

// ---------------------------------------------------------------- plugin and config

TEST_F(GeminiProviderTest, DeclaresTokenCountingAndSpeaksCanonicalChat) {
  auto p = make();
  EXPECT_TRUE(p->countsTokens());
  EXPECT_EQ(p->dialects(), TP_DIALECT_OPENAI_CHAT);
  EXPECT_STREQ(plugin().descriptor->name, "gemini");
  json schema = json::parse(plugin().descriptor->config_schema);
  EXPECT_TRUE(schema["api_key"]["secret"].get<bool>());
  EXPECT_TRUE(schema["headers"]["secret"].get<bool>());
  EXPECT_EQ(schema["base_url"]["default"], "https://generativelanguage.googleapis.com/v1beta");
}

TEST_F(GeminiProviderTest, ExportsOnlyTheEntryPoint) {
  std::string cmd = std::string("nm -DC --defined-only ") + TURNPIKE_TEST_PLUGIN_DIR + "/libgemini.so";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  ASSERT_EQ(pclose(pipe), 0);
  EXPECT_NE(out.find("turnpike_plugin_entry"), std::string::npos) << out;
  EXPECT_EQ(out.find("turnpike::"), std::string::npos) << out;
}

TEST_F(GeminiProviderTest, RefusesBadConfigWithClearMessages) {
  EXPECT_NE(createError({{"base_url", "ftp://x"}}).find("base_url must start with http"), std::string::npos);
  EXPECT_NE(createError({{"base_url", "https://x/v1beta?key=abc"}}).find("must not hold a query"), std::string::npos);
  EXPECT_NE(createError({{"headers", {{"x-a", 1}}}}).find("headers.x-a must be a string"), std::string::npos);
  EXPECT_NE(createError({{"headers", {{"x-a", "a\r\nb"}}}}).find("headers.x-a is not a valid header"),
            std::string::npos);
  EXPECT_NE(createError({{"safety_settings", json::array({"BLOCK_NONE"})}}).find("safety_settings entries"),
            std::string::npos);
}

// ---------------------------------------------------------------- endpoints

TEST_F(GeminiProviderTest, ChatGoesToGenerateContentWithTheKeyInAHeaderOnly) {
  provider_ = make({{"headers", {{"x-extra", "v"}}}});
  auto r = build(userChat());
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
  EXPECT_EQ(header(r, "x-goog-api-key"), kKey);
  EXPECT_EQ(header(r, "x-extra"), "v");
  EXPECT_EQ(r.url.find(kKey), std::string::npos);
  EXPECT_EQ(r.url.find("key="), std::string::npos);

  auto s = build(userChat({{"stream", true}, {"stream_options", {{"include_usage", true}}}}), true);
  EXPECT_EQ(s.url, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  json body = json::parse(s.body);
  // Nothing OpenAI-only reaches Gemini.
  EXPECT_FALSE(body.contains("stream"));
  EXPECT_FALSE(body.contains("stream_options"));
  EXPECT_FALSE(body.contains("model"));
  EXPECT_FALSE(body.contains("messages"));
}

TEST_F(GeminiProviderTest, BaseUrlAndModelsPrefix) {
  provider_ = make({{"base_url", "http://127.0.0.1:9/v1beta/"}});
  EXPECT_EQ(build(userChat(), false, TP_OP_CHAT, "models/gemini-3-pro").url,
            "http://127.0.0.1:9/v1beta/models/gemini-3-pro:generateContent");
  net::UpstreamRequest out;
  std::string error;
  auto c = call(TP_OP_CHAT, userChat().dump(), false, "../../x?key=1");
  EXPECT_EQ(provider_->buildRequest(c, out, error), -1);
  EXPECT_NE(error.find("model ids hold only"), std::string::npos) << error;
}

TEST_F(GeminiProviderTest, CompletionsAreRefusedClearly) {
  EXPECT_NE(refusal(json{{"prompt", "x"}}, TP_OP_COMPLETION).find("no text completions"), std::string::npos);
}

// ---------------------------------------------------------------- messages

TEST_F(GeminiProviderTest, SystemAndDeveloperBecomeSystemInstructionAndRolesMap) {
  json body = buildBody({{"messages",
                          {{{"role", "system"}, {"content", "Be brief."}},
                           {{"role", "developer"}, {"content", {{{"type", "text"}, {"text", "Use metric."}}}}},
                           {{"role", "user"}, {"content", "hi"}},
                           {{"role", "assistant"}, {"content", "hello"}},
                           {{"role", "user"}, {"content", {{{"type", "text"}, {"text", "again"}}}}}}}});
  EXPECT_EQ(body["systemInstruction"], json::parse(R"({"parts":[{"text":"Be brief."},{"text":"Use metric."}]})"));
  ASSERT_EQ(body["contents"].size(), 3u);
  EXPECT_EQ(body["contents"][0], json::parse(R"({"role":"user","parts":[{"text":"hi"}]})"));
  EXPECT_EQ(body["contents"][1], json::parse(R"({"role":"model","parts":[{"text":"hello"}]})"));
  EXPECT_EQ(body["contents"][2]["parts"][0]["text"], "again");
}

TEST_F(GeminiProviderTest, ImagesBecomeInlineDataOrFileData) {
  json body = buildBody(
      {{"messages",
        {{{"role", "user"},
          {"content",
           {{{"type", "text"}, {"text", "what?"}},
            {{"type", "image_url"}, {"image_url", {{"url", "data:image/webp;base64,UklGRg=="}}}},
            {{"type", "image_url"}, {"image_url", {{"url", "https://example.org/cat.PNG?x=1"}}}}}}}}}});
  const json& parts = body["contents"][0]["parts"];
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], json::parse(R"({"inlineData":{"mimeType":"image/webp","data":"UklGRg=="}})"));
  EXPECT_EQ(parts[2], json::parse(R"({"fileData":{"mimeType":"image/png","fileUri":"https://example.org/cat.PNG?x=1"}})"));
  EXPECT_NE(refusal({{"messages", {{{"role", "user"}, {"content", {{{"type", "image_url"}, {"image_url", {{"url", "ftp://x"}}}}}}}}}})
                .find("data: URI or an http(s) URL"),
            std::string::npos);
}

TEST_F(GeminiProviderTest, ToolCallsAndResultsBecomeFunctionCallsAndResponses) {
  json body = buildBody(json::parse(R"({"messages":[
    {"role":"user","content":"weather in Paris and Rome?"},
    {"role":"assistant","content":"","tool_calls":[
      {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}]},
    {"role":"tool","tool_call_id":"call_b","content":"12:00"},
    {"role":"tool","tool_call_id":"call_a","content":"{\"temp\":21}"},
    {"role":"user","content":"thanks"}]})"));
  const json& contents = body["contents"];
  ASSERT_EQ(contents.size(), 4u) << contents.dump();
  // No empty text part for content "".
  EXPECT_EQ(contents[1], json::parse(R"({"role":"model","parts":[
    {"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},
    {"functionCall":{"name":"get_time","args":{}}}]})"));
  // Both results in one user turn, named from the assistant call with that id; objects kept,
  // strings wrapped.
  EXPECT_EQ(contents[2], json::parse(R"({"role":"user","parts":[
    {"functionResponse":{"name":"get_time","response":{"result":"12:00"}}},
    {"functionResponse":{"name":"get_weather","response":{"temp":21}}}]})"));
  EXPECT_EQ(contents[3]["parts"][0]["text"], "thanks");
}

TEST_F(GeminiProviderTest, RefusesToolResultsThatAnswerNoCall) {
  auto e = refusal(json::parse(R"({"messages":[{"role":"user","content":"x"},
    {"role":"tool","tool_call_id":"nope","content":"r"}]})"));
  EXPECT_NE(e.find("tool_call_id 'nope' answers no earlier assistant tool call"), std::string::npos) << e;
  e = refusal(json::parse(R"({"messages":[{"role":"user","content":"x"},
    {"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1"}}]}]})"));
  EXPECT_NE(e.find("arguments must be a JSON object"), std::string::npos) << e;
}

// ---------------------------------------------------------------- tools and schemas (pitfall 15)

TEST_F(GeminiProviderTest, ToolSchemasAreSanitisedForGemini) {
  json parameters = json::parse(R"({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": false,
    "strict": true,
    "properties": {
      "unit": {"const": "celsius"},
      "city": {"type": ["string", "null"], "description": "City", "default": "Paris", "examples": ["Rome"]},
      "email": {"type": "string", "format": "email"},
      "when": {"type": "string", "format": "date-time"},
      "place": {"$ref": "#/$defs/Place"},
      "tags": {"type": "array", "items": {"type": "string", "additionalProperties": false}},
      "mode": {"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]}
    },
    "required": ["city", "ghost"],
    "$defs": {"Place": {"type": "object", "properties": {"lat": {"type": "number", "format": "double"}},
                        "additionalProperties": false}}
  })");
  json body = buildBody(userChat({{"tools", {{{"type", "function"},
                                              {"function", {{"name", "lookup"}, {"description", "Look up"},
                                                            {"parameters", parameters}, {"strict", true}}}}}}}));
  ASSERT_EQ(body["tools"].size(), 1u);
  const json& decl = body["tools"][0]["functionDeclarations"][0];
  EXPECT_EQ(decl["name"], "lookup");
  EXPECT_EQ(decl["description"], "Look up");
  EXPECT_FALSE(decl.contains("strict"));
  const json& p = decl["parameters"];
  std::string text = p.dump();
  for (const char* banned : {"$schema", "additionalProperties", "\"const\"", "$ref", "$defs", "\"default\"",
                             "\"examples\"", "\"strict\"", "\"format\":\"email\""})
    EXPECT_EQ(text.find(banned), std::string::npos) << banned << " in " << text;
  EXPECT_EQ(p["type"], "object");
  EXPECT_EQ(p["properties"]["unit"], json::parse(R"({"type":"string","enum":["celsius"]})"));
  EXPECT_EQ(p["properties"]["city"], json::parse(R"({"type":"string","nullable":true,"description":"City"})"));
  EXPECT_EQ(p["properties"]["email"], json::parse(R"({"type":"string"})"));
  EXPECT_EQ(p["properties"]["when"], json::parse(R"({"type":"string","format":"date-time"})"));
  EXPECT_EQ(p["properties"]["place"],
            json::parse(R"({"type":"object","properties":{"lat":{"type":"number","format":"double"}}})"));
  EXPECT_EQ(p["properties"]["tags"], json::parse(R"({"type":"array","items":{"type":"string"}})"));
  EXPECT_EQ(p["properties"]["mode"], json::parse(R"({"type":"string","enum":["a","b"],"nullable":true})"));
  EXPECT_EQ(p["required"], json::parse(R"(["city"])"));
}

TEST_F(GeminiProviderTest, RecursiveRefsAreCutAndEmptyParametersOmitted) {
  json tree = json::parse(R"({"type":"object","properties":{"root":{"$ref":"#/definitions/Node"}},
    "definitions":{"Node":{"type":"object","properties":{"name":{"type":"string"},
      "children":{"type":"array","items":{"$ref":"#/definitions/Node"}}}}}})");
  json body = buildBody(userChat({{"tools", {{{"type", "function"}, {"function", {{"name", "t"}, {"parameters", tree}}}},
                                             {{"type", "function"},
                                              {"function", {{"name", "noargs"},
                                                            {"parameters", {{"type", "object"}, {"properties", json::object()}}}}}}}}}));
  const json& decls = body["tools"][0]["functionDeclarations"];
  EXPECT_EQ(decls[0]["parameters"]["properties"]["root"]["properties"]["children"]["items"], json::object());
  EXPECT_FALSE(decls[1].contains("parameters"));
}

TEST_F(GeminiProviderTest, ToolChoiceMapsToFunctionCallingConfig) {
  auto mode = [&](const json& choice) {
    json tools = {{{"type", "function"}, {"function", {{"name", "f"}}}}};
    return buildBody(userChat({{"tools", tools}, {"tool_choice", choice}}))["toolConfig"]["functionCallingConfig"];
  };
  EXPECT_EQ(mode("auto"), json::parse(R"({"mode":"AUTO"})"));
  EXPECT_EQ(mode("none"), json::parse(R"({"mode":"NONE"})"));
  EXPECT_EQ(mode("required"), json::parse(R"({"mode":"ANY"})"));
  EXPECT_EQ(mode(json::parse(R"({"type":"function","function":{"name":"f"}})")),
            json::parse(R"({"mode":"ANY","allowedFunctionNames":["f"]})"));
  EXPECT_NE(refusal(userChat({{"tool_choice", "sometimes"}})).find("tool_choice must be"), std::string::npos);
}

// ---------------------------------------------------------------- generation config

TEST_F(GeminiProviderTest, GenerationConfigMapsSamplingLimitsStopAndFormats) {
  json body = buildBody(userChat({{"temperature", 0.3}, {"top_p", 0.9}, {"max_tokens", 77}, {"stop", "END"}, {"n", 2},
                                  {"response_format", {{"type", "json_object"}}}}));
  const json& g = body["generationConfig"];
  EXPECT_EQ(g["temperature"], 0.3);
  EXPECT_EQ(g["topP"], 0.9);
  EXPECT_EQ(g["maxOutputTokens"], 77);
  EXPECT_EQ(g["stopSequences"], json::array({"END"}));
  EXPECT_EQ(g["candidateCount"], 2);
  EXPECT_EQ(g["responseMimeType"], "application/json");
  EXPECT_FALSE(g.contains("responseSchema"));

  json schemaBody = buildBody(userChat(
      {{"max_completion_tokens", 55},
       {"stop", {"a", "b"}},
       {"response_format", json::parse(R"({"type":"json_schema","json_schema":{"name":"x","strict":true,
         "schema":{"type":"object","additionalProperties":false,"properties":{"k":{"type":"string"}},"required":["k"]}}})")}}));
  const json& s = schemaBody["generationConfig"];
  EXPECT_EQ(s["maxOutputTokens"], 55);
  EXPECT_EQ(s["stopSequences"], json::parse(R"(["a","b"])"));
  EXPECT_EQ(s["responseMimeType"], "application/json");
  EXPECT_EQ(s["responseSchema"], json::parse(R"({"type":"object","properties":{"k":{"type":"string"}},"required":["k"]})"));
}

TEST_F(GeminiProviderTest, ReasoningEffortSetsTheThinkingBudget) {
  auto thinking = [&](const char* effort) {
    return buildBody(userChat({{"reasoning_effort", effort}}))["generationConfig"]["thinkingConfig"];
  };
  EXPECT_EQ(thinking("low"), json::parse(R"({"thinkingBudget":1024,"includeThoughts":true})"));
  EXPECT_EQ(thinking("medium"), json::parse(R"({"thinkingBudget":8192,"includeThoughts":true})"));
  EXPECT_EQ(thinking("high"), json::parse(R"({"thinkingBudget":24576,"includeThoughts":true})"));
  EXPECT_EQ(thinking("none"), json::parse(R"({"thinkingBudget":0})"));
  EXPECT_FALSE(buildBody(userChat()).contains("generationConfig"));
  EXPECT_NE(refusal(userChat({{"reasoning_effort", "extreme"}})).find("reasoning_effort must be"), std::string::npos);
}

TEST_F(GeminiProviderTest, SafetySettingsArePassedThrough) {
  json safety = json::parse(R"([{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}])");
  provider_ = make({{"safety_settings", safety}});
  EXPECT_EQ(buildBody(userChat())["safetySettings"], safety);
}

// ---------------------------------------------------------------- count tokens, embeddings

TEST_F(GeminiProviderTest, CountTokensWrapsTheGenerateContentRequest) {
  json chat = userChat({{"messages", {{{"role", "system"}, {"content", "sys"}}, {{"role", "user"}, {"content", "hi"}}}},
                        {"tools", {{{"type", "function"}, {"function", {{"name", "f"}}}}}}});
  auto r = build(chat, false, TP_OP_COUNT_TOKENS);
  EXPECT_EQ(r.url, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:countTokens");
  json body = json::parse(r.body);
  EXPECT_EQ(body, json::parse(R"({"generateContentRequest":{"model":"models/gemini-2.5-flash",
    "contents":[{"role":"user","parts":[{"text":"hi"}]}],"systemInstruction":{"parts":[{"text":"sys"}]},
    "tools":[{"functionDeclarations":[{"name":"f"}]}]}})"));

  auto rec = feed({R"({"totalTokens": 31, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 31}]})"}, false, 200,
                  TP_OP_COUNT_TOKENS);
  ASSERT_EQ(rec.chunks.size(), 1u);
  EXPECT_EQ(rec.chunk(0), json::parse(R"({"input_tokens":31})"));
  EXPECT_TRUE(rec.usages.empty());
  // Protobuf JSON omits a zero count.
  EXPECT_EQ(feed({"{}"}, false, 200, TP_OP_COUNT_TOKENS).chunk(0), json::parse(R"({"input_tokens":0})"));
}

TEST_F(GeminiProviderTest, EmbeddingsUseBatchEmbedContents) {
  auto r = build(json{{"model", "text-embedding-004"}, {"input", {"a", "b"}}, {"dimensions", 3}}, false, TP_OP_EMBEDDING,
                 "text-embedding-004");
  EXPECT_EQ(r.url, "https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:batchEmbedContents");
  json body = json::parse(r.body);
  ASSERT_EQ(body["requests"].size(), 2u);
  EXPECT_EQ(body["requests"][1], json::parse(R"({"model":"models/text-embedding-004","content":{"parts":[{"text":"b"}]},
    "outputDimensionality":3})"));
  EXPECT_NE(refusal(json{{"input", {1, 2}}}, TP_OP_EMBEDDING).find("not tokens"), std::string::npos);

  std::string answer = R"({"embeddings":[{"values":[0.5,-1.0]},{"values":[1.0,0.25]}]})";
  auto rec = feed({answer}, false, 200, TP_OP_EMBEDDING, R"({"input":["a","b"]})");
  json list = rec.chunk(0);
  EXPECT_EQ(list["object"], "list");
  EXPECT_EQ(list["model"], "gem-routed");
  EXPECT_EQ(list["data"][1], json::parse(R"({"object":"embedding","index":1,"embedding":[1.0,0.25]})"));
  auto b64 = feed({answer}, false, 200, TP_OP_EMBEDDING, R"({"input":["a","b"],"encoding_format":"base64"})");
  // 0.5f, -1.0f as little-endian float32.
  EXPECT_EQ(b64.chunk(0)["data"][0]["embedding"], "AAAAPwAAgL8=");
}

// ---------------------------------------------------------------- non-stream responses

TEST_F(GeminiProviderTest, NonStreamResponseBecomesChatCompletionWithUsage) {
  auto rec = feed({R"({"candidates":[{"content":{"role":"model","parts":[
      {"text":"Let me think.","thought":true},{"text":"Paris "},{"text":"it is."},
      {"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},"finishReason":"STOP","index":0}],
    "usageMetadata":{"promptTokenCount":100,"cachedContentTokenCount":40,"candidatesTokenCount":20,
      "thoughtsTokenCount":30,"toolUsePromptTokenCount":5,"totalTokenCount":155},
    "modelVersion":"gemini-2.5-flash","responseId":"r1"})"},
                  false);
  ASSERT_EQ(rec.chunks.size(), 1u);
  json c = rec.chunk(0);
  EXPECT_EQ(c["object"], "chat.completion");
  EXPECT_EQ(c["model"], "gem-routed");
  EXPECT_EQ(c["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  const json& choice = c["choices"][0];
  EXPECT_EQ(choice["message"]["content"], "Paris it is.");
  EXPECT_EQ(choice["message"]["reasoning_content"], "Let me think.");
  EXPECT_EQ(choice["message"]["tool_calls"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(json::parse(choice["message"]["tool_calls"][0]["function"]["arguments"].get<std::string>()),
            json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(choice["finish_reason"], "tool_calls");  // STOP with a function call
  // Pitfall 16: thoughts are billed as output; tool-use prompt tokens are prompt.
  EXPECT_EQ(c["usage"], json::parse(R"({"prompt_tokens":105,"completion_tokens":50,"total_tokens":155,
    "prompt_tokens_details":{"cached_tokens":40,"cache_write_tokens":0},
    "completion_tokens_details":{"reasoning_tokens":30}})"));
  ASSERT_EQ(rec.usages.size(), 1u);
  EXPECT_EQ(rec.usages[0].prompt_tokens, 105u);
  EXPECT_EQ(rec.usages[0].completion_tokens, 50u);
  EXPECT_EQ(rec.usages[0].cached_tokens, 40u);
  EXPECT_EQ(rec.usages[0].reasoning_tokens, 30u);
}

TEST_F(GeminiProviderTest, FinishReasonsMap) {
  auto finish = [&](const char* reason) {
    std::string body = std::string(R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":")") + reason + "\"}]}";
    return feed({body}, false).chunk(0)["choices"][0]["finish_reason"].get<std::string>();
  };
  EXPECT_EQ(finish("STOP"), "stop");
  EXPECT_EQ(finish("MAX_TOKENS"), "length");
  for (const char* r : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"})
    EXPECT_EQ(finish(r), "content_filter") << r;
}

TEST_F(GeminiProviderTest, BlockedPromptIsContentFilterWithEmptyContent) {
  std::string blocked = R"({"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9}})";
  json c = feed({blocked}, false).chunk(0);
  EXPECT_EQ(c["choices"][0]["finish_reason"], "content_filter");
  EXPECT_EQ(c["choices"][0]["message"]["content"], "");
  auto s = feed({sse(json::parse(blocked))}, true);
  auto chunks = s.all();
  ASSERT_GE(chunks.size(), 2u);
  EXPECT_EQ(chunks[0]["choices"][0]["delta"], json::parse(R"({"role":"assistant"})"));
  EXPECT_EQ(chunks[1]["choices"][0]["finish_reason"], "content_filter");
}

// ---------------------------------------------------------------- streams

TEST_F(GeminiProviderTest, StreamTranslatesFramesToCanonicalChunks) {
  std::string bytes =
      sse(json::parse(R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hmm.","thought":true}]}}],
        "usageMetadata":{"promptTokenCount":10,"totalTokenCount":10}})")) +
      sse(json::parse(R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]}}]})")) +
      sse(json::parse(R"({"candidates":[{"content":{"role":"model","parts":[{"text":"lo"}]},"finishReason":"STOP"}],
        "usageMetadata":{"promptTokenCount":10,"cachedContentTokenCount":4,"candidatesTokenCount":2,"thoughtsTokenCount":7,"totalTokenCount":19}})"));
  // Byte by byte: frames split anywhere, even inside "\r\n".
  std::vector<std::string> pieces;
  for (char c : bytes) pieces.emplace_back(1, c);
  auto rec = feed(pieces, true);
  auto chunks = rec.all();
  ASSERT_EQ(chunks.size(), 6u) << rec.chunks.size();
  std::set<std::string> ids;
  for (const auto& c : chunks) {
    ids.insert(c["id"].get<std::string>());
    EXPECT_EQ(c["model"], "gem-routed");
    EXPECT_EQ(c["object"], "chat.completion.chunk");
  }
  EXPECT_EQ(ids.size(), 1u);  // one stable id per stream
  EXPECT_EQ(chunks[0]["choices"][0]["delta"], json::parse(R"({"role":"assistant"})"));
  EXPECT_EQ(chunks[1]["choices"][0]["delta"], json::parse(R"({"reasoning_content":"Hmm."})"));
  EXPECT_EQ(chunks[2]["choices"][0]["delta"], json::parse(R"({"content":"Hel"})"));
  EXPECT_EQ(chunks[3]["choices"][0]["delta"], json::parse(R"({"content":"lo"})"));
  EXPECT_TRUE(chunks[3]["choices"][0]["finish_reason"].is_null());
  EXPECT_EQ(chunks[4]["choices"][0]["finish_reason"], "stop");
  // The usage-only chunk comes last, from the last usageMetadata, flagged.
  EXPECT_EQ(rec.chunks[5].second, TP_CHUNK_USAGE_ONLY);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(rec.chunks[i].second, 0u);
  EXPECT_TRUE(chunks[5]["choices"].empty());
  EXPECT_EQ(chunks[5]["usage"]["prompt_tokens"], 10);
  EXPECT_EQ(chunks[5]["usage"]["completion_tokens"], 9);
  EXPECT_EQ(chunks[5]["usage"]["prompt_tokens_details"]["cached_tokens"], 4);
  EXPECT_EQ(chunks[5]["usage"]["completion_tokens_details"]["reasoning_tokens"], 7);
  ASSERT_EQ(rec.usages.size(), 1u);
  EXPECT_EQ(rec.usages[0].completion_tokens, 9u);
  EXPECT_EQ(rec.usages[0].reasoning_tokens, 7u);
  EXPECT_EQ(rec.usages[0].cached_tokens, 4u);
}

TEST_F(GeminiProviderTest, StreamedFunctionCallsGetOrdinalsUniqueIdsAndToolCallsFinish) {
  // Pitfall 13: the calls and STOP in separate frames, ids missing or "".
  auto rec = feed({sse(json::parse(R"({"candidates":[{"content":{"role":"model","parts":[
                     {"functionCall":{"name":"get_weather","args":{"city":"Paris"},"id":""}},
                     {"functionCall":{"name":"get_weather","args":{"city":"Rome"}}}]}}]})")),
                   sse(json::parse(R"({"candidates":[{"content":{"role":"model","parts":[{"text":""}]},"finishReason":"STOP"}],
                     "usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":4,"totalTokenCount":7}})"))},
                  true);
  auto chunks = rec.all();
  ASSERT_EQ(chunks.size(), 5u);
  const json& first = chunks[1]["choices"][0]["delta"]["tool_calls"][0];
  const json& second = chunks[2]["choices"][0]["delta"]["tool_calls"][0];
  EXPECT_EQ(first["index"], 0);
  EXPECT_EQ(second["index"], 1);
  EXPECT_EQ(first["type"], "function");
  EXPECT_EQ(first["function"]["name"], "get_weather");
  EXPECT_EQ(json::parse(first["function"]["arguments"].get<std::string>()), json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(json::parse(second["function"]["arguments"].get<std::string>()), json::parse(R"({"city":"Rome"})"));
  std::string a = first["id"], b = second["id"];
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("call_0_", 0), 0u) << a;
  EXPECT_EQ(b.rfind("call_1_", 0), 0u) << b;
  EXPECT_EQ(chunks[3]["choices"][0]["finish_reason"], "tool_calls");
  // Another stream's ids differ (not a fixed sequence).
  auto again = feed({sse(json::parse(R"({"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{}}}]},"finishReason":"STOP"}]})"))},
                    true);
  EXPECT_NE(again.chunk(1)["choices"][0]["delta"]["tool_calls"][0]["id"], a);
  EXPECT_EQ(again.chunk(2)["choices"][0]["finish_reason"], "tool_calls");
}

TEST_F(GeminiProviderTest, GeminiCallIdsAreKept) {
  auto rec = feed({R"({"candidates":[{"content":{"parts":[{"functionCall":{"id":"abc-123","name":"f","args":{}}}]},"finishReason":"STOP"}]})"},
                  false);
  EXPECT_EQ(rec.chunk(0)["choices"][0]["message"]["tool_calls"][0]["id"], "abc-123");
}

// ---------------------------------------------------------------- thought signatures (pitfall 14)

TEST_F(GeminiProviderTest, ThoughtSignaturesRideInToolCallIdsAndComeBack) {
  std::string signature = "CiQBjz1rX+/Zz9aP4w==";  // base64 with '+' and '/': not id-safe as is
  json frame = json::parse(R"({"candidates":[{"content":{"role":"model","parts":[
    {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"SIG"}]},"finishReason":"STOP"}]})");
  frame["candidates"][0]["content"]["parts"][0]["thoughtSignature"] = signature;
  auto rec = feed({sse(frame)}, true);
  std::string id = rec.chunk(1)["choices"][0]["delta"]["tool_calls"][0]["id"];
  EXPECT_TRUE(std::regex_match(id, std::regex("[A-Za-z0-9_-]+"))) << id;
  EXPECT_NE(id.find("__ts_"), std::string::npos) << id;

  // The id comes back in the next request: the signature lands on the same functionCall part.
  json next = json::parse(R"({"messages":[{"role":"user","content":"weather?"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"ID","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
    {"role":"tool","tool_call_id":"ID","content":"sunny"}]})");
  next["messages"][1]["tool_calls"][0]["id"] = id;
  next["messages"][2]["tool_call_id"] = id;
  json body = buildBody(next);
  const json& part = body["contents"][1]["parts"][0];
  EXPECT_EQ(part["thoughtSignature"], signature);
  EXPECT_EQ(part["functionCall"]["name"], "get_weather");
  EXPECT_EQ(body["contents"][2]["parts"][0]["functionResponse"]["name"], "get_weather");
  EXPECT_EQ(body["contents"][2]["parts"][0]["functionResponse"]["response"], json::parse(R"({"result":"sunny"})"));

  // Ids from elsewhere carry no signature.
  next["messages"][1]["tool_calls"][0]["id"] = "call_plain";
  next["messages"][2]["tool_call_id"] = "call_plain";
  EXPECT_FALSE(buildBody(next)["contents"][1]["parts"][0].contains("thoughtSignature"));
}

TEST_F(GeminiProviderTest, UnsignedCallsToGemini3GetTheDocumentedSkipSignature) {
  // Calls replayed from another model have no signature; Gemini 3 would answer 400.
  json chat = json::parse(R"({"messages":[{"role":"user","content":"x"},
    {"role":"assistant","tool_calls":[
      {"id":"toolu_1","type":"function","function":{"name":"f","arguments":"{}"}},
      {"id":"toolu_2","type":"function","function":{"name":"g","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"toolu_1","content":"a"},{"role":"tool","tool_call_id":"toolu_2","content":"b"}]})");
  json parts = json::parse(build(chat, false, TP_OP_CHAT, "gemini-3-pro-preview").body)["contents"][1]["parts"];
  EXPECT_EQ(parts[0]["thoughtSignature"], "skip_thought_signature_validator");
  EXPECT_FALSE(parts[1].contains("thoughtSignature"));  // parallel calls: the first carries it
  // Older models need none.
  EXPECT_FALSE(buildBody(chat)["contents"][1]["parts"][0].contains("thoughtSignature"));
}

// ---------------------------------------------------------------- errors

TEST_F(GeminiProviderTest, UpstreamErrorsKeepStatusCodeAndMessageButNeverTheKey) {
  auto rec = feed({R"({"error":{"code":400,"message":"Invalid JSON payload received. Unknown name \"additionalProperties\"","status":"INVALID_ARGUMENT"}})"},
                  false, 400);
  ASSERT_EQ(rec.errors.size(), 1u);
  EXPECT_EQ(rec.errors[0].status, 400);
  EXPECT_EQ(rec.errors[0].type, "invalid_request_error");
  EXPECT_EQ(rec.errors[0].code, "invalid_argument");
  EXPECT_EQ(rec.errors[0].param, "");
  EXPECT_NE(rec.errors[0].message.find("additionalProperties"), std::string::npos);
  EXPECT_TRUE(rec.chunks.empty());

  auto limited = feed({R"({"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}})"}, true, 429);
  ASSERT_EQ(limited.errors.size(), 1u);
  EXPECT_EQ(limited.errors[0].status, 429);
  EXPECT_EQ(limited.errors[0].type, "rate_limit_error");
  EXPECT_EQ(limited.errors[0].code, "resource_exhausted");

  std::string echo = std::string(R"({"error":{"code":400,"message":"API key not valid: )") + kKey + R"(","status":"INVALID_ARGUMENT"}})";
  auto leaked = feed({echo}, false, 400);
  ASSERT_EQ(leaked.errors.size(), 1u);
  EXPECT_EQ(leaked.errors[0].message.find(kKey), std::string::npos) << leaked.errors[0].message;
}

TEST_F(GeminiProviderTest, MidStreamErrorFramesBecomeErrors) {
  auto rec = feed({sse(json::parse(R"({"candidates":[{"content":{"parts":[{"text":"Hi"}]}}]})")),
                   sse(json::parse(R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})"))},
                  true);
  ASSERT_EQ(rec.errors.size(), 1u);
  EXPECT_EQ(rec.errors[0].status, 503);
  EXPECT_EQ(rec.errors[0].code, "unavailable");
  EXPECT_EQ(rec.errors[0].message, "The model is overloaded.");
  EXPECT_EQ(rec.chunks.size(), 2u);  // role and "Hi"; no usage chunk after the error
}

// ---------------------------------------------------------------- discovery

TEST_F(GeminiProviderTest, ListModelsFollowsPagesAndKeepsGenerators) {
  test::FakeUpstream upstream([](const test::RecordedRequest& r, Poco::Net::HTTPServerResponse& response) {
    if (r.uri.find("pageToken=next%2F1") != std::string::npos) {
      test::FakeUpstream::sendJson(response, 200, R"({"models":[{"name":"models/gemini-2.5-pro","inputTokenLimit":1048576,
        "supportedGenerationMethods":["generateContent","countTokens"]}]})");
      return;
    }
    test::FakeUpstream::sendJson(response, 200, R"({"models":[
      {"name":"models/gemini-2.5-flash","inputTokenLimit":1000000,"supportedGenerationMethods":["generateContent"]},
      {"name":"models/text-embedding-004","inputTokenLimit":2048,"supportedGenerationMethods":["embedContent"]}],
      "nextPageToken":"next/1"})");
  });
  provider_ = make({{"base_url", "http://127.0.0.1:" + std::to_string(upstream.port()) + "/v1beta"}});
  auto models = provider_->listModels();
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0].id, "gemini-2.5-flash");
  EXPECT_EQ(models[0].contextLength, 1000000u);
  EXPECT_EQ(models[1].id, "gemini-2.5-pro");
  EXPECT_EQ(models[1].contextLength, 1048576u);
  auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].uri, "/v1beta/models?pageSize=1000");
  EXPECT_EQ(requests[1].uri, "/v1beta/models?pageSize=1000&pageToken=next%2F1");
  EXPECT_EQ(requests[0].headers["x-goog-api-key"], kKey);
}

}  // namespace
}  // namespace turnpike::plugins
