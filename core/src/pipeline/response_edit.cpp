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

uint64_t generatedTextBytes(std::string_view chunk) {
  uint64_t total = 0;
  for (std::string_view key : {std::string_view("\"content\":\""), std::string_view("\"arguments\":\"")}) {
    for (size_t pos = chunk.find(key); pos != std::string_view::npos; pos = chunk.find(key, pos + 1)) {
      size_t open = pos + key.size() - 1;
      size_t end = json_scan::detail::skipString(chunk, open);
      if (end == std::string_view::npos) break;
      total += end - open - 2;
    }
  }
  return total;
}

}  // namespace turnpike::pipeline
