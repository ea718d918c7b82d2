#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/api_error.hpp"
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
  EXPECT_EQ(s.maxTokens, 50u);  // max_completion_tokens wins
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

TEST(UpstreamBody, LeavesTheBodyAloneWhenNothingChanges) {
  std::string body = R"({ "model" : "m", "messages":[{"role":"user","content":"x"}], "seed": 1 })";
  auto r = parseInferenceRequest(TP_OP_CHAT, body);
  EXPECT_EQ(upstreamBody(r, "m"), body);
}

TEST(UpstreamBody, SplicesModelAndUsageKeepingEverythingElse) {
  std::string body = R"({"model":"alias","stream":true,"messages":[{"role":"user","content":"x \"model\":1"}],"tools":[{"x":1}] })";
  auto r = parseInferenceRequest(TP_OP_CHAT, body);
  std::string out = upstreamBody(r, "vendor/real\"id");
  auto sent = json::parse(out);
  auto original = json::parse(body);
  EXPECT_EQ(sent["model"], "vendor/real\"id");
  EXPECT_EQ(sent["stream_options"], json({{"include_usage", true}}));
  sent.erase("model");
  sent.erase("stream_options");
  original.erase("model");
  EXPECT_EQ(sent, original);
}

TEST(UpstreamBody, MergesIntoExistingStreamOptions) {
  auto r = parseInferenceRequest(
      TP_OP_CHAT, R"({"model":"m","stream":true,"stream_options":{"include_usage":false,"x":1},"messages":[{"role":"user"}]})");
  auto sent = json::parse(upstreamBody(r, "m"));
  EXPECT_EQ(sent["stream_options"], json({{"include_usage", true}, {"x", 1}}));
  EXPECT_FALSE(r.summary.clientWantsUsage);
}

}  // namespace
}  // namespace turnpike::pipeline
