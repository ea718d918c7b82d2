// Byte <-> text encodings shared by the core and plugins: hex, base64 (RFC 4648 §4, padded),
// base64url (RFC 4648 §5, unpadded) and percent-encoding (RFC 3986). Bytes travel in
// std::string; decoders are strict and return nullopt on any malformed input instead of guessing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace turnpike::sdk::encoding {

namespace detail {

inline constexpr char kHexDigits[] = "0123456789abcdef";
inline constexpr char kBase64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

inline int base64Value(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == (url ? '-' : '+')) return 62;
  if (c == (url ? '_' : '/')) return 63;
  return -1;
}

inline std::string base64Encode(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                 static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

// Decodes unpadded base64 text; the bits left over in the last character must be zero so that
// every byte string has exactly one encoding.
inline std::optional<std::string> base64DecodeUnpadded(std::string_view text, bool url) {
  if (text.size() % 4 == 1) return std::nullopt;
  // Sized once and written by index: this decodes every L402 credential on the request path.
  std::string out(text.size() * 6 / 8, '\0');
  size_t n = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = base64Value(c, url);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace detail

// Lowercase hex.
inline std::string hexEncode(std::string_view bytes) {
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<uint8_t>(bytes[i]);
    out[2 * i] = detail::kHexDigits[b >> 4];
    out[2 * i + 1] = detail::kHexDigits[b & 0xf];
  }
  return out;
}

// Value of one hex digit (either case), or -1.
inline int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Accepts upper and lower case digits; odd lengths and non-hex characters are rejected.
inline std::optional<std::string> hexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = hexValue(hex[2 * i]);
    int lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

// Standard alphabet with '=' padding.
inline std::string base64Encode(std::string_view bytes) {
  return detail::base64Encode(bytes, detail::kBase64Std, true);
}

// Standard alphabet; the padding is required and must be exact.
inline std::optional<std::string> base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  return detail::base64DecodeUnpadded(text.substr(0, text.size() - padding), false);
}

// URL-safe alphabet, no padding.
inline std::string base64UrlEncode(std::string_view bytes) {
  return detail::base64Encode(bytes, detail::kBase64Url, false);
}

// URL-safe alphabet; padding characters are rejected.
inline std::optional<std::string> base64UrlDecode(std::string_view text) {
  return detail::base64DecodeUnpadded(text, true);
}

// Percent-encodes every byte but RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~), with
// uppercase hex digits: safe in any URI component and in form bodies (space becomes %20).
inline std::string percentEncode(std::string_view text) {
  static constexpr char kUpperHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(c);
    } else {
      auto b = static_cast<uint8_t>(c);
      out.push_back('%');
      out.push_back(kUpperHex[b >> 4]);
      out.push_back(kUpperHex[b & 0xf]);
    }
  }
  return out;
}

}  // namespace turnpike::sdk::encoding
