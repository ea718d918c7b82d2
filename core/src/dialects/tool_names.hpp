// Tool names in canonical form: OpenAI accepts ^[a-zA-Z0-9_-]{1,64}$, Anthropic and Responses
// clients send up to 128 characters (MCP tools in Claude Code often exceed 64). Every translator
// shortens them the same way, so that encoders can map them back (ResponseContext::toolNames).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace turnpike::dialects {

inline constexpr size_t kMaxCanonicalToolName = 64;

// True when `name` is non-empty and made of [a-zA-Z0-9_-] only (any length).
bool toolNameCharactersValid(std::string_view name);

// `name` when it fits, else its first 55 bytes (fewer rather than part of a UTF-8 character),
// "_" and the first 8 hex digits of its sha256: stable across the requests of a conversation,
// so history and tools agree.
std::string canonicalToolName(std::string_view name);
// The same, recording a shortened name in `toolNames` (canonical -> client's).
std::string canonicalToolName(std::string_view name, std::map<std::string, std::string>& toolNames);

}  // namespace turnpike::dialects
