// Tool names in canonical requests: OpenAI takes ^[a-zA-Z0-9_-]{1,64}$; other dialects allow
// longer names, which are shortened the same way by every translator so that encoders can map
// them back (ResponseContext::toolNames).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace turnpike::dialects {

// True when `name` is non-empty and made of [a-zA-Z0-9_-] only (any length).
bool toolNameCharactersValid(std::string_view name);

// `name` when at most 64 characters, else its first 55 + "_" + the first 8 hex digits of its
// SHA-256; a shortened name is recorded in `toolNames` (canonical -> client's).
std::string canonicalToolName(std::string_view name, std::map<std::string, std::string>& toolNames);

}  // namespace turnpike::dialects
