#include "dialects/anthropic/anthropic_common.hpp"

#include <algorithm>
#include <charconv>

#include "http/api_error.hpp"
#include "util/strings.hpp"

namespace turnpike::dialects::anthropic {

std::string_view finishReasonOf(std::string_view stopReason) {
  if (stopReason == "max_tokens" || stopReason == "model_context_window_exceeded") return "length";
  if (stopReason == "tool_use") return "tool_calls";
  if (stopReason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn
}

std::string_view stopReasonOf(std::string_view finishReason) {
  if (finishReason == "length") return "max_tokens";
  if (finishReason == "tool_calls" || finishReason == "function_call") return "tool_use";
  if (finishReason == "content_filter") return "refusal";
  return "end_turn";
}

std::string stringValue(std::string_view raw) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return {};
  std::string_view inner = raw.substr(1, raw.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return std::string(inner);
  auto parsed = nlohmann::json::parse(raw, nullptr, false);
  return parsed.is_string() ? parsed.get<std::string>() : std::string();
}

uint64_t stringValueBytes(std::string_view raw) {
  if (raw.size() < 2 || raw.front() != '"') return 0;
  std::string_view inner = raw.substr(1, raw.size() - 2);
  uint64_t bytes = 0;
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] != '\\' || i + 1 >= inner.size()) {
      ++bytes;
      continue;
    }
    if (inner[i + 1] != 'u' || i + 5 >= inner.size()) {
      ++bytes;
      ++i;
      continue;
    }
    int cp = 0;
    for (size_t k = i + 2; k < i + 6; ++k) cp = cp * 16 + std::max(0, util::hexValue(inner[k]));
    // A surrogate pair's halves are two escapes that make one 4-byte character.
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : (cp >= 0xD800 && cp <= 0xDFFF) ? 2 : 3;
    i += 5;
  }
  return bytes;
}

void appendUint(std::string& out, uint64_t v) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out.append(digits, static_cast<size_t>(end - digits));
}

void refuse(std::string_view code, const std::string& message, const std::string& param) {
  throw http::ApiError(400, code, param + ": " + message, param);
}

std::string indexed(const std::string& param, size_t i) { return param + "[" + std::to_string(i) + "]"; }

const nlohmann::json* member(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace turnpike::dialects::anthropic
