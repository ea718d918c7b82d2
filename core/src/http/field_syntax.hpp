// The byte classes of HTTP field syntax (RFC 9110 §5), shared by the request parser and the
// response writer so both sides agree on what a header may hold.
#pragma once

#include <array>
#include <string_view>

namespace turnpike::http {

// tchar (RFC 9110 §5.6.2), as a table: every response header name is checked with it.
inline constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c)
    table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

inline bool isTokenChar(char c) { return kTokenChars[static_cast<unsigned char>(c)]; }

inline bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!isTokenChar(c)) return false;
  return true;
}

// CTL bytes: a bare CR or LF inside a field is read differently by other parsers in front of
// or behind this one. HTAB is the one control byte a field value may hold.
inline bool isControlByte(char c, bool allowTab) {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && !(allowTab && c == '\t')) || u == 0x7f;
}

inline bool hasControlByte(std::string_view s, bool allowTab) {
  for (char c : s)
    if (isControlByte(c, allowTab)) return true;
  return false;
}

}  // namespace turnpike::http
