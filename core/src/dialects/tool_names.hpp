// Tool names in canonical form: OpenAI accepts ^[a-zA-Z0-9_-]{1,64}$, Anthropic and Responses
// clients send up to 128 characters (MCP tools in Claude Code often exceed 64).
#pragma once

#include <string>
#include <string_view>

namespace turnpike::dialects {

inline constexpr size_t kMaxCanonicalToolName = 64;

// `name` when it fits, else its first 55 characters, "_" and the first 8 hex digits of its
// sha256: stable across the requests of a conversation, so history and tools agree.
std::string canonicalToolName(std::string_view name);

}  // namespace turnpike::dialects
