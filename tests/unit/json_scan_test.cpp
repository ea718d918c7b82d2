#include <gtest/gtest.h>

#include <turnpike/json_scan.hpp>
#include <turnpike/sse_parser.hpp>

namespace turnpike::sdk {
namespace {

TEST(JsonScan, FindsTopLevelMembersOnly) {
  std::string j = R"({"id":"x","choices":[{"message":{"content":"say \"usage\":{} here","usage":1}}],
                      "nested":{"usage":{"prompt_tokens":99}}, "usage" : {"prompt_tokens":25,"completion_tokens":81} })";
  auto usage = json_scan::find(j, "usage");
  ASSERT_TRUE(usage);
  EXPECT_EQ(usage->value, R"({"prompt_tokens":25,"completion_tokens":81})");
  EXPECT_EQ(json_scan::findUint(usage->value, "prompt_tokens"), 25u);
  EXPECT_EQ(json_scan::findUint(usage->value, "completion_tokens"), 81u);
  EXPECT_FALSE(json_scan::find(j, "missing"));
  EXPECT_EQ(j.substr(usage->valueOffset, usage->value.size()), usage->value);
}

TEST(JsonScan, FindEachTakesSeveralMembersInOnePass) {
  std::string j = R"({"id":"x","choices":[{"delta":{"content":"\"usage\":1"}}],"usage":null,"choices":[]})";
  static constexpr std::string_view kKeys[] = {"usage", "choices", "error"};
  std::optional<json_scan::Member> found[3];
  json_scan::findEach(j, kKeys, found);
  ASSERT_TRUE(found[0]);
  EXPECT_EQ(found[0]->value, "null");
  ASSERT_TRUE(found[1]);  // the first of two equal keys, as find() answers
  EXPECT_EQ(found[1]->value, json_scan::find(j, "choices")->value);
  EXPECT_FALSE(json_scan::isEmptyArray(found[1]->value));
  EXPECT_FALSE(found[2]);

  // Malformed after a member: what was found before the fault stays found.
  std::optional<json_scan::Member> partial[3];
  json_scan::findEach(std::string_view(R"({"usage":{"prompt_tokens":1},"choices":[)"), kKeys, partial);
  ASSERT_TRUE(partial[0]);
  EXPECT_EQ(json_scan::findUint(partial[0]->value, "prompt_tokens"), 1u);
  EXPECT_FALSE(partial[1]);
}

TEST(JsonScan, ValuesOfEveryKind) {
  std::string j = R"({"a":null,"b":true,"c":-1.5e3,"d":"s\\","e":[],"f":[ ],"g":[1]})";
  EXPECT_EQ(json_scan::find(j, "a")->value, "null");
  EXPECT_EQ(json_scan::find(j, "b")->value, "true");
  EXPECT_EQ(json_scan::find(j, "c")->value, "-1.5e3");
  EXPECT_EQ(json_scan::find(j, "d")->value, R"("s\\")");
  EXPECT_TRUE(json_scan::isEmptyArray(json_scan::find(j, "e")->value));
  EXPECT_TRUE(json_scan::isEmptyArray(json_scan::find(j, "f")->value));
  EXPECT_FALSE(json_scan::isEmptyArray(json_scan::find(j, "g")->value));
  EXPECT_FALSE(json_scan::findUint(j, "a"));
  EXPECT_FALSE(json_scan::findUint(j, "c"));
}

TEST(JsonScan, MalformedInputIsNotFound) {
  EXPECT_FALSE(json_scan::find("[1,2]", "a"));
  EXPECT_FALSE(json_scan::find(R"({"a":"unterminated)", "a"));
  EXPECT_FALSE(json_scan::find(R"({"a" 1})", "a"));
  EXPECT_FALSE(json_scan::findUint(R"({"a":99999999999999999999999})", "a"));
}

// A closing brace where an element should be: once looped for ever (found by the dialect fuzzers).
TEST(JsonScan, ForEachElementStopsWhereNoElementStarts) {
  for (std::string_view malformed : {"[}", "[1,}", "[ } ]", "[,"}) {
    int visits = 0;
    json_scan::forEachElement(malformed, [&](std::string_view) { return ++visits < 10; });
    EXPECT_LE(visits, 1) << malformed;
  }
}

TEST(SseParser, SplitsEventsAcrossFeedsAndLineEndings) {
  SseParser p;
  std::vector<std::string> data;
  auto collect = [&](const SseEvent& e) { data.emplace_back(e.data); };
  p.feed("data: one\r\n\r\nda", collect);
  p.feed("ta: two\n", collect);
  EXPECT_EQ(data.size(), 1u);
  p.feed("data: more\n\n: keep-alive comment\n\nevent: x\ndata:three\r", collect);
  p.feed("\n\r\n", collect);
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data[0], "one");
  EXPECT_EQ(data[1], "two\nmore");
  EXPECT_EQ(data[2], "three");
  EXPECT_FALSE(p.pending());
  // Lone CRs end lines too, wherever they fall among the LFs.
  p.feed("data: a\rdata: b\n\r", collect);
  ASSERT_EQ(data.size(), 4u);
  EXPECT_EQ(data[3], "a\nb");
  p.feed("data: cut", collect);
  EXPECT_TRUE(p.pending());
}

// Found by tests/fuzz/sse_parser: an empty read between a CR and its LF made the LF a second
// line end, dispatching the event early.
TEST(SseParser, EmptyReadBetweenCrAndLfChangesNothing) {
  SseParser p;
  std::vector<std::string> data;
  auto collect = [&](const SseEvent& e) { data.emplace_back(e.data); };
  p.feed("data: one\r", collect);
  p.feed("", collect);
  p.feed("\ndata: two\n\n", collect);
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0], "one\ntwo");
}

}  // namespace
}  // namespace turnpike::sdk
