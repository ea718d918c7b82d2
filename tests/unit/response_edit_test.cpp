#include <gtest/gtest.h>

#include <turnpike/json_scan.hpp>

#include <string>
#include <vector>

#include "pipeline/response_edit.hpp"

namespace turnpike::pipeline {
namespace {

TEST(GeneratedTextBytes, CountsEveryKindOfGeneratedTextHoweverItIsSpaced) {
  // Python's json.dumps spacing, content parts, reasoning under two names, a refusal, call
  // arguments, and an audio transcript: 3 + 5 + 4 + 6 + 9 + 2 + 8 bytes (raw, escapes included).
  std::string response = R"({"id": "x", "choices": [{"message": {"content": "abc",
    "reasoning_content": "think", "reasoning": "more", "refusal": "cannot",
    "tool_calls": [{"function": {"name": "lookup", "arguments": "{\"q\":1}"}}],
    "audio": {"transcript": "hi", "data": "AAAA"}}},
    {"message": {"content": [{"type": "text", "text": "partsabc"}]}}],
    "usage": {"prompt_tokens": 1}, "model": "content"})";
  EXPECT_EQ(generatedTextBytes(response), 3u + 5 + 4 + 6 + 9 + 2 + 8);
  // A stream chunk.
  EXPECT_EQ(generatedTextBytes(R"({"choices":[{"delta":{"content":"abcd"}}]})"), 4u);
  // Nothing outside choices, nothing in names or ids.
  EXPECT_EQ(generatedTextBytes(R"({"content":"zzz","choices":[{"delta":{"role":"assistant"}}]})"), 0u);
  EXPECT_EQ(generatedTextBytes("not json"), 0u);
}

TEST(GeneratedTextBytes, HostileNestingIsBounded) {
  std::string deep = R"({"choices":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(generatedTextBytes(deep), 0u);
}

TEST(JsonScan, ForEachElementVisitsEachElementRaw) {
  std::vector<std::string> seen;
  sdk::json_scan::forEachElement(R"( [1, "a,b" , {"x":[2,3]}, [] ,null] )", [&](std::string_view e) {
    seen.emplace_back(e);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "\"a,b\"", "{\"x\":[2,3]}", "[]", "null"}));
  seen.clear();
  sdk::json_scan::forEachElement("[1,2,3]", [&](std::string_view e) {
    seen.emplace_back(e);
    return seen.size() < 2;
  });
  EXPECT_EQ(seen.size(), 2u);
  sdk::json_scan::forEachElement("{}", [&](std::string_view) { return ADD_FAILURE(), true; });
}

}  // namespace
}  // namespace turnpike::pipeline
