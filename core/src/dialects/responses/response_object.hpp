// Pieces of the Response object and its output items, written as JSON text. String arguments
// named `escaped…` are JSON string contents already escaped (what sits between the quotes), so
// that text spliced from a canonical stream is never decoded and encoded again.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "dialects/dialect.hpp"

namespace turnpike::dialects::responses {

// `s` escaped as JSON string contents (no quotes).
std::string escaped(std::string_view s);
void appendUint(std::string& out, uint64_t v);

struct TokenUsage {
  uint64_t input = 0;  // cached included
  uint64_t cached = 0;
  uint64_t output = 0;  // reasoning included
  uint64_t reasoning = 0;
  uint64_t total = 0;
};
// A canonical usage object (chat.completion usage) -> token counts.
TokenUsage tokenUsageOf(const nlohmann::json& usage);
// {"input_tokens","input_tokens_details":{"cached_tokens"},"output_tokens",
//  "output_tokens_details":{"reasoning_tokens"},"total_tokens"}
void appendUsage(std::string& out, const TokenUsage& usage);

// The item ids of a response: "<prefix>_<the response id without resp_>_<output index>".
std::string itemId(std::string_view prefix, std::string_view responseId, size_t outputIndex);

void appendMessageItem(std::string& out, std::string_view id, std::string_view status, const std::string* escapedText);
void appendFunctionCallItem(std::string& out, std::string_view id, std::string_view status, std::string_view callId,
                            std::string_view name, std::string_view escapedArguments);
void appendCustomCallItem(std::string& out, std::string_view id, std::string_view status, std::string_view callId,
                          std::string_view name, std::string_view escapedInput);
void appendReasoningItem(std::string& out, std::string_view id, const std::string* escapedSummary);

// The members echoed from the request (ResponseContext::echo), as ",\"k\":v..." text.
std::string echoMembers(const nlohmann::json& echo);

// The Response object. `usage` empty: null; `incompleteReason` empty: null; `error` empty: null.
std::string responseObject(const ResponseContext& context, std::string_view echo, std::string_view status,
                           std::string_view outputItems, std::string_view usage, std::string_view incompleteReason,
                           std::string_view error = {});

// The client's name of a canonical tool name.
const std::string& clientToolName(const ResponseContext& context, const std::string& canonicalName);

// Whether `clientName` is one of the request's custom tools (from the echoed tools).
bool isCustomTool(const nlohmann::json& echo, std::string_view clientName);

}  // namespace turnpike::dialects::responses
