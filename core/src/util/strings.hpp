// Small string helpers shared across the core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "turnpike/encoding.hpp"

namespace turnpike::util {

inline char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string toLower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view s);
std::vector<std::string_view> split(std::string_view s, char sep);

// Parses a whole string as an unsigned decimal integer (no sign, no spaces, no overflow).
std::optional<uint64_t> parseUint(std::string_view s);

// Hex as plugins have it (lowercase out, either case in): one definition for both sides.
using sdk::encoding::hexDecode;
using sdk::encoding::hexEncode;
using sdk::encoding::hexValue;

// Appends `s` as a JSON string literal: quotes, backslashes and control characters escaped,
// other bytes as they are (`s` must be UTF-8).
void appendJsonString(std::string& out, std::string_view s);

// Percent-decoding; in query components '+' is a space, in paths it is literal.
std::string percentDecode(std::string_view s, bool plusIsSpace);
inline std::string urlDecode(std::string_view s) { return percentDecode(s, true); }

// Constant-time equality: the time depends only on the lengths.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace turnpike::util
