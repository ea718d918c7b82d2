// Small string helpers shared across the core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace turnpike::util {

inline char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string toLower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view s);
std::vector<std::string_view> split(std::string_view s, char sep);

// Parses a whole string as an unsigned decimal integer (no sign, no spaces, no overflow).
std::optional<uint64_t> parseUint(std::string_view s);

// Value of one hex digit, or -1.
int hexValue(char c);
std::string hexEncode(std::string_view bytes);
std::optional<std::string> hexDecode(std::string_view hex);

// Percent-decoding; in query components '+' is a space, in paths it is literal.
std::string percentDecode(std::string_view s, bool plusIsSpace);
inline std::string urlDecode(std::string_view s) { return percentDecode(s, true); }

// Constant-time equality: the time depends only on the lengths.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace turnpike::util
