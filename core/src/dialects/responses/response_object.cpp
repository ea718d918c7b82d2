#include "dialects/responses/response_object.hpp"

#include <charconv>

#include "dialects/json_access.hpp"
#include "util/strings.hpp"

namespace turnpike::dialects::responses {

using nlohmann::json;

std::string escaped(std::string_view s) {
  std::string quoted;
  util::appendJsonString(quoted, s);
  return quoted.substr(1, quoted.size() - 2);
}

void appendUint(std::string& out, uint64_t v) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out.append(digits, end);
}

namespace {

uint64_t count(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return it != object.end() && it->is_number_unsigned() ? it->get<uint64_t>()
         : it != object.end() && it->is_number_integer() && it->get<int64_t>() > 0 ? static_cast<uint64_t>(it->get<int64_t>())
                                                                                    : 0;
}

const json& child(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

void appendQuoted(std::string& out, std::string_view escapedText) {
  out += '"';
  out += escapedText;
  out += '"';
}

}  // namespace

TokenUsage tokenUsageOf(const json& usage) {
  TokenUsage u;
  u.input = count(usage, "prompt_tokens");
  u.cached = count(child(usage, "prompt_tokens_details"), "cached_tokens");
  u.output = count(usage, "completion_tokens");
  u.reasoning = count(child(usage, "completion_tokens_details"), "reasoning_tokens");
  u.total = count(usage, "total_tokens");
  if (u.total == 0) u.total = u.input + u.output;
  return u;
}

void appendUsage(std::string& out, const TokenUsage& u) {
  out += "{\"input_tokens\":";
  appendUint(out, u.input);
  out += ",\"input_tokens_details\":{\"cached_tokens\":";
  appendUint(out, u.cached);
  out += "},\"output_tokens\":";
  appendUint(out, u.output);
  out += ",\"output_tokens_details\":{\"reasoning_tokens\":";
  appendUint(out, u.reasoning);
  out += "},\"total_tokens\":";
  appendUint(out, u.total);
  out += '}';
}

std::string itemId(std::string_view prefix, std::string_view responseId, size_t outputIndex) {
  if (responseId.substr(0, 5) == "resp_") responseId.remove_prefix(5);
  std::string id(prefix);
  id += '_';
  id += responseId;
  id += '_';
  appendUint(id, outputIndex);
  return id;
}

void appendMessageItem(std::string& out, std::string_view id, std::string_view status, const std::string* escapedText) {
  out += "{\"id\":";
  util::appendJsonString(out, id);
  out += ",\"type\":\"message\",\"status\":\"";
  out += status;
  out += "\",\"role\":\"assistant\",\"content\":[";
  if (escapedText != nullptr) {
    out += "{\"type\":\"output_text\",\"text\":";
    appendQuoted(out, *escapedText);
    out += ",\"annotations\":[],\"logprobs\":[]}";
  }
  out += "]}";
}

// A tool call item: function_call (its JSON arguments) and custom_tool_call (its free-form input)
// differ only in the type and the payload's key.
void appendCallItem(std::string& out, std::string_view type, std::string_view payloadKey, std::string_view id,
                    std::string_view status, std::string_view callId, std::string_view name,
                    std::string_view escapedPayload) {
  out += "{\"id\":";
  util::appendJsonString(out, id);
  out += ",\"type\":\"";
  out += type;
  out += "\",\"status\":\"";
  out += status;
  out += "\",\"call_id\":";
  util::appendJsonString(out, callId);
  out += ",\"name\":";
  util::appendJsonString(out, name);
  out += ",\"";
  out += payloadKey;
  out += "\":";
  appendQuoted(out, escapedPayload);
  out += '}';
}

void appendFunctionCallItem(std::string& out, std::string_view id, std::string_view status, std::string_view callId,
                            std::string_view name, std::string_view escapedArguments) {
  appendCallItem(out, "function_call", "arguments", id, status, callId, name, escapedArguments);
}

void appendCustomCallItem(std::string& out, std::string_view id, std::string_view status, std::string_view callId,
                          std::string_view name, std::string_view escapedInput) {
  appendCallItem(out, "custom_tool_call", "input", id, status, callId, name, escapedInput);
}

void appendReasoningItem(std::string& out, std::string_view id, const std::string* escapedSummary) {
  out += "{\"id\":";
  util::appendJsonString(out, id);
  out += ",\"type\":\"reasoning\",\"summary\":[";
  if (escapedSummary != nullptr) {
    out += "{\"type\":\"summary_text\",\"text\":";
    appendQuoted(out, *escapedSummary);
    out += '}';
  }
  out += "]}";
}

std::string echoMembers(const json& echo) {
  std::string out;
  if (!echo.is_object()) return out;
  for (auto it = echo.begin(); it != echo.end(); ++it) {
    out += ',';
    util::appendJsonString(out, it.key());
    out += ':';
    out += it.value().dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return out;
}

std::string responseObject(const ResponseContext& context, std::string_view echo, std::string_view status,
                           std::string_view outputItems, std::string_view usage, std::string_view incompleteReason,
                           std::string_view error) {
  std::string out;
  out.reserve(256 + echo.size() + outputItems.size());
  out += "{\"id\":";
  util::appendJsonString(out, context.id);
  out += ",\"object\":\"response\",\"created_at\":";
  appendUint(out, static_cast<uint64_t>(context.createdAt < 0 ? 0 : context.createdAt));
  out += ",\"status\":\"";
  out += status;
  out += "\",\"background\":false,\"error\":";
  out += error.empty() ? std::string_view("null") : error;
  out += ",\"incomplete_details\":";
  if (incompleteReason.empty()) {
    out += "null";
  } else {
    out += "{\"reason\":\"";
    out += incompleteReason;
    out += "\"}";
  }
  out += ",\"model\":";
  util::appendJsonString(out, context.model);
  out += ",\"output\":[";
  out += outputItems;
  out += "],\"usage\":";
  out += usage.empty() ? std::string_view("null") : usage;
  out += echo;
  out += '}';
  return out;
}

const std::string& clientToolName(const ResponseContext& context, const std::string& canonicalName) {
  auto it = context.toolNames.find(canonicalName);
  return it == context.toolNames.end() ? canonicalName : it->second;
}

bool isCustomTool(const json& echo, std::string_view clientName) {
  const json& tools = child(echo, "tools");
  if (!tools.is_array()) return false;
  for (const json& tool : tools)
    if (tool.is_object() && stringOf(tool, "type") == "custom" && stringOf(tool, "name") == clientName) return true;
  return false;
}

}  // namespace turnpike::dialects::responses
