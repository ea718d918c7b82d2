// DOM-free JSON scanning: find a member of the top-level object and return its raw text,
// skipping everything else without building a tree. Used on the hot path where a full parse
// would cost more than the whole gateway overhead (usage extraction, response splicing).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace turnpike::sdk::json_scan {

namespace detail {

inline size_t skipSpace(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// `i` at the opening quote; returns the index after the closing quote, or npos.
inline size_t skipString(std::string_view s, size_t i) {
  const char* base = s.data();
  for (size_t from = i + 1; from < s.size();) {
    const void* hit = std::memchr(base + from, '"', s.size() - from);
    if (hit == nullptr) return std::string_view::npos;
    size_t quote = static_cast<size_t>(static_cast<const char*>(hit) - base);
    // The quote is escaped when an odd run of backslashes precedes it.
    size_t run = quote;
    while (run > from && base[run - 1] == '\\') --run;
    if ((quote - run) % 2 == 0) return quote + 1;
    from = quote + 1;
  }
  return std::string_view::npos;
}

// `i` at the first byte of a value; returns the index after it, or npos on malformed input.
inline size_t skipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  char c = s[i];
  if (c == '"') return skipString(s, i);
  if (c == '{' || c == '[') {
    int depth = 0;
    while (i < s.size()) {
      char d = s[i];
      if (d == '"') {
        i = skipString(s, i);
        if (i == std::string_view::npos) return i;
        continue;
      }
      if (d == '{' || d == '[') ++depth;
      if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return std::string_view::npos;
  }
  // number, true, false, null
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' &&
         s[i] != '\r' && s[i] != '\t')
    ++i;
  return i;
}

}  // namespace detail

struct Member {
  std::string_view value;  // raw JSON text of the value
  size_t valueOffset;      // offset of `value` in the scanned text
};

// Calls visit(key, member) for each member of the object `json`, in order, until it returns
// false. Stops quietly at malformed input. Keys are compared raw: keys with escapes never match.
template <class Visit>
inline void forEachMember(std::string_view json, Visit&& visit) {
  using namespace detail;
  size_t i = skipSpace(json, 0);
  if (i >= json.size() || json[i] != '{') return;
  i = skipSpace(json, i + 1);
  while (i < json.size() && json[i] == '"') {
    size_t keyEnd = skipString(json, i);
    if (keyEnd == std::string_view::npos) return;
    std::string_view k = json.substr(i + 1, keyEnd - i - 2);
    i = skipSpace(json, keyEnd);
    if (i >= json.size() || json[i] != ':') return;
    i = skipSpace(json, i + 1);
    size_t valueEnd = skipValue(json, i);
    if (valueEnd == std::string_view::npos) return;
    if (!visit(k, Member{json.substr(i, valueEnd - i), i})) return;
    i = skipSpace(json, valueEnd);
    if (i < json.size() && json[i] == ',') i = skipSpace(json, i + 1);
  }
}

// Calls visit(element) with the raw text of each element of the array `json`, in order, until it
// returns false. Stops quietly at malformed input.
template <class Visit>
inline void forEachElement(std::string_view json, Visit&& visit) {
  using namespace detail;
  size_t i = skipSpace(json, 0);
  if (i >= json.size() || json[i] != '[') return;
  i = skipSpace(json, i + 1);
  while (i < json.size() && json[i] != ']') {
    size_t end = skipValue(json, i);
    // No value here ("[}", "[,"): malformed, and looping on would never move on.
    if (end == std::string_view::npos || end == i) return;
    if (!visit(json.substr(i, end - i))) return;
    i = skipSpace(json, end);
    if (i < json.size() && json[i] == ',') i = skipSpace(json, i + 1);
  }
}

// The member `key` of the object `json`.
inline std::optional<Member> find(std::string_view json, std::string_view key) {
  std::optional<Member> found;
  forEachMember(json, [&](std::string_view k, const Member& m) {
    if (k == key) found = m;
    return !found;
  });
  return found;
}

// Several members in one pass (per event on a stream, this halves the scanning):
// out[i] is the member keys[i], or nullopt.
template <size_t N>
inline void findEach(std::string_view json, const std::string_view (&keys)[N], std::optional<Member> (&out)[N]) {
  size_t missing = N;
  forEachMember(json, [&](std::string_view k, const Member& m) {
    for (size_t i = 0; i < N; ++i) {
      if (!out[i] && k == keys[i]) {
        out[i] = m;
        --missing;
        break;
      }
    }
    return missing > 0;
  });
}

// An unsigned integer member (absent, negative, fractional or null → nullopt).
inline std::optional<uint64_t> findUint(std::string_view json, std::string_view key) {
  auto m = find(json, key);
  if (!m || m->value.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : m->value) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != v) return std::nullopt;  // overflow
    v = next;
  }
  return v;
}

// True when the member is an array with no elements.
inline bool isEmptyArray(std::string_view value) {
  if (value.size() < 2 || value.front() != '[') return false;
  return detail::skipSpace(value, 1) == value.size() - 1;
}

}  // namespace turnpike::sdk::json_scan
