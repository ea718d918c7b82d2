// Anthropic's error shape, and the generated-text count a cut stream is billed on.
#include <turnpike/json_scan.hpp>

#include "dialects/anthropic/anthropic_common.hpp"
#include "dialects/anthropic/anthropic_dialect.hpp"
#include "util/strings.hpp"

namespace turnpike::dialects::anthropic {

std::string_view errorType(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 402: return "billing_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 409: return "conflict_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 503:
    case 529: return "overloaded_error";
    case 504: return "timeout_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string errorBody(int status, std::string_view message, std::string_view type) {
  std::string out = R"({"type":"error","error":{"type":)";
  util::appendJsonString(out, type.empty() ? errorType(status) : type);
  out += R"(,"message":)";
  util::appendJsonString(out, message);
  out += "}}";
  return out;
}

uint64_t generatedTextBytes(std::string_view json) {
  namespace scan = sdk::json_scan;
  static constexpr std::string_view kKeys[] = {"type", "delta", "content"};
  std::optional<scan::Member> found[3];
  scan::findEach(json, kKeys, found);
  if (!found[0]) return 0;
  static constexpr std::string_view kText[] = {"text", "partial_json", "thinking"};
  if (found[0]->value == R"("content_block_delta")") {
    if (!found[1]) return 0;
    std::optional<scan::Member> text[3];
    scan::findEach(found[1]->value, kText, text);
    uint64_t bytes = 0;
    for (const auto& t : text)
      if (t) bytes += stringValueBytes(t->value);
    return bytes;
  }
  if (found[0]->value != R"("message")" || !found[2]) return 0;
  uint64_t bytes = 0;
  scan::forEachElement(found[2]->value, [&](std::string_view block) {
    static constexpr std::string_view kBlock[] = {"text", "thinking", "input"};
    std::optional<scan::Member> parts[3];
    scan::findEach(block, kBlock, parts);
    if (parts[0]) bytes += stringValueBytes(parts[0]->value);
    if (parts[1]) bytes += stringValueBytes(parts[1]->value);
    if (parts[2]) bytes += parts[2]->value.size();  // tool input: its JSON text
    return true;
  });
  return bytes;
}

}  // namespace turnpike::dialects::anthropic
