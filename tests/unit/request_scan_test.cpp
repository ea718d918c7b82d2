#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/api_error.hpp"
#include "config/config.hpp"
#include "pipeline/inference_request.hpp"

namespace turnpike::pipeline {
namespace {

using nlohmann::json;

http::ApiError errorOf(tp_operation op, std::string_view body) {
  try {
    scanRequest(op, body);
  } catch (const http::ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << body;
  return http::ApiError(0, "", "");
}

TEST(RequestScan, SummarizesAChatRequest) {
  std::string body = R"({"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"max_tokens":100,
    "max_completion_tokens":50,"n":2,"messages":[{"role":"system","content":"be brief"},
    {"role":"user","content":[{"type":"text","text":"what is ```x```"},{"type":"image_url","image_url":{"url":"data:x"}}]},
    {"role":"assistant","content":null,"tool_calls":[{"id":"1"}]}],"tools":[{"type":"function"}],"temperature":0.5})";
  auto s = scanRequest(TP_OP_CHAT, body);
  EXPECT_EQ(s.model, "gpt-4o");
  EXPECT_TRUE(s.stream);
  EXPECT_TRUE(s.clientWantsUsage);
  // An upstream may read either member: the request may produce as many as the larger allows.
  EXPECT_EQ(s.maxTokens, 100u);
  EXPECT_EQ(s.maxTokensMember.value, 100u);
  EXPECT_EQ(s.maxCompletionTokensMember.value, 50u);
  EXPECT_EQ(s.n, 2u);
  EXPECT_EQ(s.messageCount, 3u);
  EXPECT_EQ(s.imageCount, 1u);
  EXPECT_TRUE(s.hasTools);
  EXPECT_GE(s.codeSignals, 2u);
  EXPECT_EQ(s.promptBytes, std::string("be brief").size() + std::string("what is ```x```").size() +
                               std::string(R"([{"type":"function"}])").size());
  EXPECT_EQ(body.substr(s.modelValue.begin, s.modelValue.end - s.modelValue.begin), "\"gpt-4o\"");
  EXPECT_EQ(body[s.closingBrace], '}');
}

TEST(RequestScan, DecodesEscapedModelIds) {
  auto s = scanRequest(TP_OP_CHAT, R"({"model":"org\/gpt\u002d4 \ud83d\ude00","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(s.model, "org/gpt-4 \xF0\x9F\x98\x80");
}

TEST(RequestScan, AgreesWithAnIndependentParserOnValidity) {
  const char* docs[] = {
      R"({"a":1})", R"({"a":[1,2,{"b":null}]})", R"({"a":"\u00e9\n\t\\\""})", R"({"a":-0.5e+10})", R"( {"a":true} )",
      "{\"a\":\"\xC3\xA9\"}", "{\"a\":\"\xF0\x9F\x98\x80\"}",
      // invalid:
      R"({"a":1,})", R"({"a":01})", R"({"a":-})", R"({"a":1.})", R"({"a":.5})", R"({"a":1e})", R"({"a":tru})",
      R"({"a":"\x"})", R"({"a":"\u12G4"})", R"({"a" 1})", R"({"a":1}x)", R"({"a":1}})", R"({'a':1})", R"({"a":[1,]})",
      "{\"a\":\"\x01\"}", "{\"a\":\"\xC0\xAF\"}", "{\"a\":\"\xED\xA0\x80\"}", "{\"a\":\"\xF8\x88\x80\x80\x80\"}",
      "{\"a\":\"\xC3\"}", R"({"a":"unterminated)", R"({"a":1)", R"({)"};
  for (const char* doc : docs) {
    bool nlohmannOk = json::accept(doc);
    bool ours = true;
    try {
      std::string withFields(doc);
      withFields.insert(withFields.find('{') + 1, R"("model":"m","prompt":"p",)");
      scanRequest(TP_OP_COMPLETION, withFields);
    } catch (const http::ApiError& e) {
      ours = false;
      EXPECT_EQ(e.code(), "invalid_json") << doc << ": " << e.what();
    }
    EXPECT_EQ(ours, nlohmannOk) << doc;
  }
}

TEST(RequestScan, RejectsNestingBeyondTheLimit) {
  std::string deep = R"({"model":"m","prompt":"p","x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(errorOf(TP_OP_COMPLETION, deep).code(), "invalid_json");
  EXPECT_EQ(errorOf(TP_OP_COMPLETION, "").code(), "invalid_json");
  EXPECT_EQ(errorOf(TP_OP_COMPLETION, "[1]").code(), "invalid_json");
}

// Found by tests/fuzz/request_scan: unpaired surrogates were accepted, so the model id could be
// invalid UTF-8 and each upstream could read the text differently.
TEST(RequestScan, RejectsUnpairedSurrogates) {
  for (const char* text : {R"(\ud800)", R"(\udc00)", R"(\ud800x)", R"(\ud800\u0041)", R"(\ud800\n)"}) {
    std::string body = R"({"model":"m)" + std::string(text) + R"(","prompt":"p"})";
    EXPECT_EQ(errorOf(TP_OP_COMPLETION, body).code(), "invalid_json") << body;
  }
  auto s = scanRequest(TP_OP_COMPLETION, R"({"model":"m\ud83d\ude00","prompt":"p"})");
  EXPECT_EQ(s.model, "m\xF0\x9F\x98\x80");
}

TEST(RequestScan, TypeErrorsNameTheParameter) {
  struct Case {
    tp_operation op;
    const char* body;
    const char* param;
    const char* code;
  } cases[] = {
      {TP_OP_CHAT, R"({"messages":[{"role":"user","content":"x"}]})", "model", "missing_required_parameter"},
      {TP_OP_CHAT, R"({"model":7,"messages":[]})", "model", "invalid_type"},
      {TP_OP_CHAT, R"({"model":"","messages":[]})", "model", "invalid_type"},
      {TP_OP_CHAT, R"({"model":"m"})", "messages", "missing_required_parameter"},
      {TP_OP_CHAT, R"({"model":"m","messages":[]})", "messages", "invalid_type"},
      {TP_OP_CHAT, R"({"model":"m","messages":{}})", "messages", "invalid_type"},
      {TP_OP_CHAT, R"({"model":"m","messages":[{"content":"x"}]})", "messages[0].role", "invalid_type"},
      {TP_OP_CHAT, R"({"model":"m","messages":[{"role":"user","content":5}]})", "messages[0].content", "invalid_type"},
      {TP_OP_CHAT, R"({"model":"m","stream":"yes","messages":[{"role":"user"}]})", "stream", "invalid_type"},
      {TP_OP_CHAT, R"({"model":"m","stream_options":[],"messages":[{"role":"user"}]})", "stream_options", "invalid_type"},
      {TP_OP_CHAT, R"({"model":"m","max_tokens":-1,"messages":[{"role":"user"}]})", "max_tokens", "invalid_type"},
      {TP_OP_CHAT, R"({"model":"m","max_tokens":1.5,"messages":[{"role":"user"}]})", "max_tokens", "invalid_type"},
      {TP_OP_CHAT, R"({"model":"m","n":0,"messages":[{"role":"user"}]})", "n", "invalid_value"},
      {TP_OP_CHAT, R"({"model":"m","tools":{},"messages":[{"role":"user"}]})", "tools", "invalid_type"},
      {TP_OP_COMPLETION, R"({"model":"m"})", "prompt", "missing_required_parameter"},
      {TP_OP_COMPLETION, R"({"model":"m","prompt":3})", "prompt", "invalid_type"},
      {TP_OP_EMBEDDING, R"({"model":"m","input":[]})", "input", "invalid_type"},
      {TP_OP_EMBEDDING, R"({"model":"m","input":"x","stream":true})", "stream", "invalid_value"},
  };
  for (const auto& c : cases) {
    auto e = errorOf(c.op, c.body);
    EXPECT_EQ(e.status(), 400) << c.body;
    EXPECT_EQ(e.param(), c.param) << c.body;
    EXPECT_EQ(e.code(), c.code) << c.body;
  }
}

TEST(RequestScan, MetadataIsKeptDecodedInOpenAisShape) {
  auto s = scanRequest(TP_OP_CHAT, R"({"model":"m","metadata":{"team":"r\u0026d","tier":"gold"},"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(s.metadata, json({{"team", "r&d"}, {"tier", "gold"}}));
  EXPECT_TRUE(scanRequest(TP_OP_CHAT, R"({"model":"m","messages":[{"role":"user","content":"x"}]})").metadata.is_null());
  EXPECT_TRUE(scanRequest(TP_OP_CHAT, R"({"model":"m","metadata":null,"messages":[{"role":"user","content":"x"}]})").metadata.is_null());

  std::string sixteen, seventeen;
  for (int i = 0; i < 17; ++i) (i < 16 ? sixteen : seventeen) += "\"k" + std::to_string(i) + "\":\"v\",";
  seventeen = sixteen + seventeen;
  auto chat = [](const std::string& metadata) {
    return R"({"model":"m","metadata":)" + metadata + R"(,"messages":[{"role":"user","content":"x"}]})";
  };
  EXPECT_EQ(scanRequest(TP_OP_CHAT, chat("{" + sixteen.substr(0, sixteen.size() - 1) + "}")).metadata.size(), 16u);
  // 64 characters of key and 512 of value fit (multi-byte characters count once).
  std::string key64, value512;
  for (int i = 0; i < 64; ++i) key64 += "\xc3\xa9";
  for (int i = 0; i < 512; ++i) value512 += "\xe2\x82\xac";
  EXPECT_NO_THROW(scanRequest(TP_OP_CHAT, chat("{\"" + key64 + "\":\"" + value512 + "\"}")));

  for (const std::string& bad : {std::string("\"gold\""), std::string("[\"a\"]"), std::string("{\"n\":1}"),
                                 std::string("{\"nested\":{\"a\":\"b\"}}"), std::string("{\"flag\":true}")}) {
    auto e = errorOf(TP_OP_CHAT, chat(bad));
    EXPECT_EQ(e.status(), 400) << bad;
    EXPECT_EQ(e.code(), "invalid_type") << bad;
    EXPECT_EQ(e.param(), "metadata") << bad;
  }
  for (const std::string& bad : {"{" + seventeen.substr(0, seventeen.size() - 1) + "}",
                                 "{\"" + key64 + "x\":\"v\"}", "{\"k\":\"" + value512 + "x\"}"}) {
    auto e = errorOf(TP_OP_CHAT, chat(bad));
    EXPECT_EQ(e.code(), "invalid_value") << e.what();
    EXPECT_EQ(e.param(), "metadata");
  }
  // Names written with escapes are what they decode to; the member itself appears once.
  EXPECT_EQ(scanRequest(TP_OP_CHAT, chat(R"({"t\u0065am":"a"})")).metadata, json({{"team", "a"}}));
  EXPECT_EQ(errorOf(TP_OP_CHAT, R"({"model":"m","metadata":{},"metadata":{},"messages":[{"role":"user","content":"x"}]})").status(), 400);
}

config::ModelConfig modelNamed(std::string upstreamId, std::string limitParam = "max_tokens") {
  config::ModelConfig m;
  m.id = "m";
  m.upstreamId = std::move(upstreamId);
  m.maxTokensParam = std::move(limitParam);
  return m;
}

TEST(UpstreamBody, LeavesTheBodyAloneWhenNothingChanges) {
  std::string body = R"({ "model" : "m", "messages":[{"role":"user","content":"x"}], "seed": 1, "max_tokens": 9 })";
  auto r = parseInferenceRequest(TP_OP_CHAT, body);
  EXPECT_EQ(upstreamBody(r, modelNamed("m"), 9), body);
}

TEST(UpstreamBody, SplicesModelUsageAndCeilingKeepingEverythingElse) {
  std::string body = R"({"model":"alias","stream":true,"messages":[{"role":"user","content":"x \"model\":1"}],"tools":[{"x":1}] })";
  auto r = parseInferenceRequest(TP_OP_CHAT, body);
  std::string out = upstreamBody(r, modelNamed("vendor/real\"id"), 777);
  auto sent = json::parse(out);
  auto original = json::parse(body);
  EXPECT_EQ(sent["model"], "vendor/real\"id");
  EXPECT_EQ(sent["stream_options"], json({{"include_usage", true}}));
  EXPECT_EQ(sent["max_tokens"], 777);
  for (const char* added : {"model", "stream_options", "max_tokens"}) sent.erase(added);
  original.erase("model");
  EXPECT_EQ(sent, original);
}

TEST(UpstreamBody, MergesIntoExistingStreamOptions) {
  auto r = parseInferenceRequest(
      TP_OP_CHAT, R"({"model":"m","stream":true,"stream_options":{"include_usage":false,"x":1},"messages":[{"role":"user"}]})");
  auto sent = json::parse(upstreamBody(r, modelNamed("m"), 1));
  EXPECT_EQ(sent["stream_options"], json({{"include_usage", true}, {"x", 1}}));
  EXPECT_FALSE(r.summary.clientWantsUsage);
}

// The upstream must never meet a member twice: what it would keep is not what was priced.
size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(UpstreamBody, ANullMemberIsReplacedNotRepeated) {
  auto r = parseInferenceRequest(
      TP_OP_CHAT, R"({"model":"m","stream":true,"stream_options":null,"max_tokens":null,"messages":[{"role":"user"}]})");
  std::string out = upstreamBody(r, modelNamed("m"), 64);
  auto sent = json::parse(out);
  EXPECT_EQ(sent["max_tokens"], 64);
  EXPECT_EQ(sent["stream_options"], json({{"include_usage", true}}));
  EXPECT_EQ(occurrences(out, "\"max_tokens\""), 1u) << out;
  EXPECT_EQ(occurrences(out, "\"stream_options\""), 1u) << out;
}

TEST(UpstreamBody, TheCeilingGoesWhereTheUpstreamReadsIt) {
  // The client set only the member this upstream ignores: its value is written where it reads.
  auto r = parseInferenceRequest(TP_OP_CHAT, R"({"model":"m","max_completion_tokens":30,"messages":[{"role":"user"}]})");
  auto sent = json::parse(upstreamBody(r, modelNamed("m", "max_tokens"), 30));
  EXPECT_EQ(sent["max_tokens"], 30);
  EXPECT_EQ(sent["max_completion_tokens"], 30);
  auto reasoning = parseInferenceRequest(TP_OP_CHAT, R"({"model":"m","messages":[{"role":"user"}]})");
  auto toReasoning = json::parse(upstreamBody(reasoning, modelNamed("m", "max_completion_tokens"), 500));
  EXPECT_EQ(toReasoning["max_completion_tokens"], 500);
  EXPECT_FALSE(toReasoning.contains("max_tokens"));
  // Legacy completions know only max_tokens; embeddings have no output to limit.
  auto completion = parseInferenceRequest(TP_OP_COMPLETION, R"({"model":"m","prompt":"x"})");
  EXPECT_EQ(json::parse(upstreamBody(completion, modelNamed("m", "max_completion_tokens"), 12))["max_tokens"], 12);
  std::string embeddingBody = R"({"model":"m","input":"x"})";
  auto embedding = parseInferenceRequest(TP_OP_EMBEDDING, embeddingBody);
  EXPECT_EQ(upstreamBody(embedding, modelNamed("m"), 0), embeddingBody);
}

TEST(OutputCeiling, ClientThenModelThenDefault) {
  config::BillingConfig billing;
  billing.defaultMaxOutputTokens = 4096;
  auto model = modelNamed("m");
  EXPECT_EQ(outputCeiling(parseInferenceRequest(TP_OP_CHAT, R"({"model":"m","messages":[{"role":"user"}]})"), model, billing),
            4096u);
  model.maxOutputTokens = 256;
  EXPECT_EQ(outputCeiling(parseInferenceRequest(TP_OP_CHAT, R"({"model":"m","messages":[{"role":"user"}]})"), model, billing),
            256u);
  EXPECT_EQ(outputCeiling(parseInferenceRequest(TP_OP_CHAT, R"({"model":"m","max_tokens":7,"messages":[{"role":"user"}]})"),
                          model, billing),
            7u);
  EXPECT_EQ(outputCeiling(parseInferenceRequest(TP_OP_EMBEDDING, R"({"model":"m","input":"x"})"), model, billing), 0u);
}

// ---------------------------------------------------------------- one request, one meaning

TEST(MemberNames, EscapedNamesAreReadAsTheUpstreamReadsThem) {
  auto s = scanRequest(TP_OP_CHAT,
                       R"({"mod\u0065l":"gpt-4o","str\u0065am":true,"max_tok\u0065ns":5,"messages":[{"r\u006fle":"user","c\u006fntent":"hey"}]})");
  EXPECT_EQ(s.model, "gpt-4o");
  EXPECT_TRUE(s.stream);
  EXPECT_EQ(s.maxTokens, 5u);
  EXPECT_EQ(s.promptBytes, 3u);
  // Escapes in values keep working.
  auto v = scanRequest(TP_OP_CHAT, R"({"model":"gpt\u002d4o","messages":[{"role":"user","content":"caf\u00e9"}]})");
  EXPECT_EQ(v.model, "gpt-4o");
}

TEST(MemberNames, DuplicatesAndOtherSpellingsOfWhatBillingReadsAreRefused) {
  struct Case {
    const char* body;
    const char* param;
    const char* code;
  };
  const Case cases[] = {
      {R"({"model":"cheap","messages":[{"role":"user"}],"mod\u0065l":"o1-pro"})", "model", "duplicate_parameter"},
      {R"({"model":"cheap","model":"o1-pro","messages":[{"role":"user"}]})", "model", "duplicate_parameter"},
      {R"({"model":"cheap","Model":"o1-pro","messages":[{"role":"user"}]})", "Model", "invalid_parameter"},
      {R"({"model":"m","STREAM":true,"messages":[{"role":"user"}]})", "STREAM", "invalid_parameter"},
      // Go folds U+017F and U+212A into s and k.
      {"{\"model\":\"m\",\"\xC5\xBFtream\":true,\"messages\":[{\"role\":\"user\"}]}", "\xC5\xBFtream", "invalid_parameter"},
      {"{\"model\":\"m\",\"max_to\xE2\x84\xAA""ens\":1,\"messages\":[{\"role\":\"user\"}]}", "max_to\xE2\x84\xAA""ens",
       "invalid_parameter"},
      {R"({"model":"m","max_tokens":1,"max_tokens":9000,"messages":[{"role":"user"}]})", "max_tokens", "duplicate_parameter"},
      {R"({"model":"m","n":1,"N":8,"messages":[{"role":"user"}]})", "N", "invalid_parameter"},
      {R"({"model":"m","messages":[{"role":"user"}],"Tools":[]})", "Tools", "invalid_parameter"},
      {R"({"model":"m","messages":[{"role":"user"}],"plugins":[],"plugins":[{"id":"web"}]})", "plugins",
       "duplicate_parameter"},
      // Any top-level member repeated.
      {R"({"model":"m","temperature":0,"messages":[{"role":"user"}],"temperatur\u0065":2})", "temperature",
       "duplicate_parameter"},
      {R"({"model":"m","stream":true,"stream_options":{"include_usage":true,"include_usage":false},"messages":[{"role":"user"}]})",
       "stream_options.include_usage", "duplicate_parameter"},
      {R"({"model":"m","messages":[{"role":"user","content":"a","Content":"b"}]})", "messages[0].Content",
       "invalid_parameter"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","Image_URL":{"url":"x"}}]}]})",
       "messages[0].content[0].Image_URL", "invalid_parameter"},
  };
  for (const auto& c : cases) {
    auto e = errorOf(TP_OP_CHAT, c.body);
    EXPECT_EQ(e.status(), 400) << c.body;
    EXPECT_EQ(e.param(), c.param) << c.body;
    EXPECT_EQ(e.code(), c.code) << c.body;
  }
  auto e = errorOf(TP_OP_EMBEDDING, R"({"model":"m","input":"x","Input":"y"})");
  EXPECT_EQ(e.param(), "Input");
}

TEST(MemberNames, NamesOutsideWhatBillingReadsAreFree) {
  // Nested objects the gateway does not read may repeat names (the upstream's business), and
  // other names may look like watched ones in any case.
  auto s = scanRequest(TP_OP_CHAT, R"({"model":"m","messages":[{"role":"user","name":"a","Name":"b"}],
    "response_format":{"type":"json_schema","json_schema":{"schema":{"Model":1,"model":2}}},"metadata":{"k":"1","k":"2"},
    "models":["x"],"streaming":1})");
  EXPECT_EQ(s.model, "m");
}

}  // namespace
}  // namespace turnpike::pipeline

namespace turnpike::pipeline {
namespace {

constexpr std::string_view kDocWatched[] = {"model", "max_tokens", "messages"};

http::ApiError documentErrorOf(std::string_view body) {
  try {
    parseRequestDocument(body, kDocWatched);
  } catch (const http::ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << body;
  return http::ApiError(0, "", "");
}

TEST(RequestDocument, ReadsNamesAsUpstreamsDoAndRefusesWhatTheyWouldReadOtherwise) {
  auto doc = parseRequestDocument(R"({"m\u006fdel":"x","messages":[{"role":"user","content":"hi"}]})", kDocWatched);
  EXPECT_EQ(doc["model"], "x");
  auto e = documentErrorOf(R"({"model":"a","max_tokens":1,"max_tokens":2})");
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "duplicate_parameter");
  EXPECT_EQ(e.param(), "max_tokens");
  EXPECT_EQ(documentErrorOf(R"({"model":"a","Model":"b"})").code(), "invalid_parameter");
  // Any repeated name, at any depth: the body may go upstream as it is.
  e = documentErrorOf(R"({"model":"a","messages":[{"role":"user","role":"assistant"}]})");
  EXPECT_EQ(e.code(), "duplicate_parameter");
  EXPECT_EQ(e.param(), "messages.role");
  EXPECT_EQ(documentErrorOf(R"({"model":"a","extra":1,"extra":2})").code(), "duplicate_parameter");
  // Names outside the watched ones may use any case.
  EXPECT_NO_THROW(parseRequestDocument(R"({"model":"a","Extra":1,"extra":2})", kDocWatched));
}

TEST(RequestDocument, RefusesWhatIsNotOneJsonObject) {
  for (std::string_view bad : {R"([1,2])", R"({"model":"a"} x)", "{\"model\":\"\xff\"}", R"({"model":"\ud800"})", "{"})
    EXPECT_EQ(documentErrorOf(bad).code(), "invalid_json") << bad;
  std::string deep(70, '[');
  deep = R"({"model":)" + deep + std::string(70, ']') + "}";
  EXPECT_EQ(documentErrorOf(deep).code(), "invalid_json");
}

}  // namespace
}  // namespace turnpike::pipeline
