// Rewrites text shaped like a bech32 string with a correct checksum, so that mutated invoices and
// addresses get past the checksum and into what they carry.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bech32.hpp"

namespace turnpike::fuzz {

// HRP '1' data, checksummed for `encoding`: the HRP lowercased, the last six data characters
// (the old checksum) dropped, and data characters outside the bech32 alphabet skipped. nullopt
// when there is no separator or the HRP is not one bech32 allows.
inline std::optional<std::string> withValidChecksum(std::string_view text, payments::bech32::Encoding encoding) {
  static constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  size_t sep = text.rfind('1');
  if (sep == std::string_view::npos || sep == 0 || sep > 83) return std::nullopt;
  std::string hrp;
  for (char c : text.substr(0, sep)) {
    if (c < 33 || c > 126) return std::nullopt;
    hrp.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  std::string_view data = text.substr(sep + 1);
  data.remove_suffix(std::min<size_t>(6, data.size()));
  payments::bech32::Words words;
  for (char c : data) {
    size_t v = kCharset.find((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    if (v != std::string_view::npos) words.push_back(static_cast<uint8_t>(v));
  }
  return payments::bech32::encode(hrp, words, encoding);
}

}  // namespace turnpike::fuzz
