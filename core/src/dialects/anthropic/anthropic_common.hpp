// Shared by the Anthropic translator's files: stop reasons both ways, raw JSON string values as
// json_scan returns them (quotes included), and the request translators' refusals.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace turnpike::dialects::anthropic {

// Anthropic stop_reason -> canonical finish_reason (unknown and null: "stop").
std::string_view finishReasonOf(std::string_view stopReason);
// Canonical finish_reason -> Anthropic stop_reason (unknown: "end_turn").
std::string_view stopReasonOf(std::string_view finishReason);

// The decoded value of a raw JSON string literal; empty when `raw` is not one.
std::string stringValue(std::string_view raw);
// Bytes the raw JSON string literal decodes to, without decoding it.
uint64_t stringValueBytes(std::string_view raw);
// True for a raw JSON string literal with at least one character.
inline bool nonEmptyString(std::string_view raw) { return raw.size() > 2 && raw.front() == '"'; }

void appendUint(std::string& out, uint64_t v);

// http::ApiError(400, code, "<param>: <message>", param).
[[noreturn]] void refuse(std::string_view code, const std::string& message, const std::string& param);
// "param[i]"
std::string indexed(const std::string& param, size_t i);
// The member `key` of an object; nullptr when absent or null.
const nlohmann::json* member(const nlohmann::json& object, const char* key);

}  // namespace turnpike::dialects::anthropic
