#include "pipeline/response_edit.hpp"

#include <turnpike/json_scan.hpp>

namespace turnpike::pipeline {

namespace json_scan = sdk::json_scan;

std::string insertFirstMember(std::string_view object, std::string_view member) {
  size_t open = object.find_first_not_of(" \t\r\n");
  if (open == std::string_view::npos || object[open] != '{') return std::string(object);
  size_t next = object.find_first_not_of(" \t\r\n", open + 1);
  bool empty = next != std::string_view::npos && object[next] == '}';
  std::string out;
  out.reserve(object.size() + member.size() + 1);
  out.append(object.substr(0, open + 1));
  out.append(member);
  if (!empty) out.push_back(',');
  out.append(object.substr(open + 1));
  return out;
}

std::string withUsageCost(std::string_view response, int64_t cost, uint64_t promptTokens, uint64_t completionTokens) {
  std::string costMember = "\"cost\":" + std::to_string(cost);
  auto usage = json_scan::find(response, "usage");
  if (usage && !usage->value.empty() && usage->value.front() == '{') {
    std::string out(response.substr(0, usage->valueOffset));
    out += insertFirstMember(usage->value, costMember);
    out.append(response.substr(usage->valueOffset + usage->value.size()));
    return out;
  }
  std::string member = "\"usage\":{\"prompt_tokens\":" + std::to_string(promptTokens) +
                       ",\"completion_tokens\":" + std::to_string(completionTokens) +
                       ",\"total_tokens\":" + std::to_string(promptTokens + completionTokens) + "," + costMember + "}";
  if (usage) {  // "usage": null
    std::string out(response.substr(0, usage->valueOffset));
    out += member.substr(8);  // the object after "usage":
    out.append(response.substr(usage->valueOffset + usage->value.size()));
    return out;
  }
  return insertFirstMember(response, member);
}

namespace {

// Members whose string values are text the model generated, wherever they sit: message and
// delta content (strings or parts), completions' text, reasoning in its several names, refusals,
// tool and function call arguments, audio transcripts.
bool isGeneratedText(std::string_view key) {
  return key == "content" || key == "text" || key == "arguments" || key == "reasoning_content" || key == "reasoning" ||
         key == "refusal" || key == "transcript";
}

// Bounded so that a hostile upstream's nesting cannot exhaust the stack.
constexpr int kMaxDepth = 32;

uint64_t textBytes(std::string_view value, bool generated, bool (*isText)(std::string_view), int depth) {
  if (value.empty() || depth > kMaxDepth) return 0;
  switch (value.front()) {
    case '"':
      return generated && value.size() >= 2 ? value.size() - 2 : 0;
    case '{': {
      uint64_t total = 0;
      json_scan::forEachMember(value, [&](std::string_view key, const json_scan::Member& m) {
        total += textBytes(m.value, isText(key), isText, depth + 1);
        return true;
      });
      return total;
    }
    case '[': {
      uint64_t total = 0;
      json_scan::forEachElement(value, [&](std::string_view element) {
        total += textBytes(element, generated, isText, depth + 1);
        return true;
      });
      return total;
    }
    default:
      return 0;
  }
}

}  // namespace

uint64_t generatedTextBytes(std::string_view response) {
  auto choices = json_scan::find(response, "choices");
  return choices ? textBytes(choices->value, false, isGeneratedText, 0) : 0;
}

uint64_t textBytesUnder(std::string_view json, bool (*isText)(std::string_view key)) {
  return textBytes(json, false, isText, 0);
}

}  // namespace turnpike::pipeline
