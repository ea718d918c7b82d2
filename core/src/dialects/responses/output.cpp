// Response objects back to canonical messages (the history of a later request), and the
// generated text of events and objects.
#include <turnpike/json_scan.hpp>

#include "dialects/json_access.hpp"
#include "dialects/responses/responses_dialect.hpp"
#include "dialects/tool_names.hpp"
#include "pipeline/response_edit.hpp"

namespace turnpike::dialects::responses {

namespace json_scan = sdk::json_scan;
using nlohmann::json;

namespace {

// Text, call arguments, custom tool input and reasoning summaries of output items.
bool isOutputText(std::string_view key) { return key == "text" || key == "arguments" || key == "input"; }

}  // namespace

json outputMessages(const json& response) {
  json messages = json::array();
  if (!response.is_object() || !response.contains("output") || !response["output"].is_array()) return messages;
  std::map<std::string, std::string> unused;  // the names are shortened as the request's were
  auto assistant = [&]() -> json& {
    if (messages.empty()) messages.push_back({{"role", "assistant"}, {"content", nullptr}});
    return messages.back();
  };
  for (const json& item : response["output"]) {
    if (!item.is_object()) continue;
    std::string type = stringOf(item, "type");
    if (type == "message") {
      std::string text;
      if (item.contains("content") && item["content"].is_array())
        for (const json& part : item["content"])
          if (part.is_object()) text += stringOf(part, stringOf(part, "type") == "refusal" ? "refusal" : "text");
      json& m = assistant();
      if (m["content"].is_string()) {
        m["content"] = m["content"].get<std::string>() + text;
      } else {
        m["content"] = text;
      }
    } else if (type == "function_call" || type == "custom_tool_call") {
      json& m = assistant();
      if (!m.contains("tool_calls")) m["tool_calls"] = json::array();
      std::string name = canonicalToolName(stringOf(item, "name"), unused);
      if (type == "function_call") {
        m["tool_calls"].push_back({{"id", stringOf(item, "call_id")},
                                   {"type", "function"},
                                   {"function", {{"name", name}, {"arguments", stringOf(item, "arguments")}}}});
      } else {
        m["tool_calls"].push_back({{"id", stringOf(item, "call_id")},
                                   {"type", "custom"},
                                   {"custom", {{"name", name}, {"input", stringOf(item, "input")}}}});
      }
    }
  }
  return messages;
}

uint64_t generatedTextBytes(std::string_view eventOrResponse) {
  std::string_view type = eventType(eventOrResponse);
  if (type.empty()) {
    auto output = json_scan::find(eventOrResponse, "output");
    return output ? pipeline::textBytesUnder(output->value, isOutputText) : 0;
  }
  // Only deltas: the done events and response.completed repeat what the deltas carried.
  if (type.size() < 6 || type.substr(type.size() - 6) != ".delta") return 0;
  auto delta = json_scan::find(eventOrResponse, "delta");
  return delta && delta->value.size() >= 2 && delta->value.front() == '"' ? delta->value.size() - 2 : 0;
}

}  // namespace turnpike::dialects::responses
