// Bech32 (BIP173) and Bech32m (BIP350) strings, and the 8 <-> 5 bit regrouping they carry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace turnpike::payments::bech32 {

enum class Encoding { Bech32, Bech32m };

// BIP173's limit for segwit addresses; BOLT11 invoices have none.
inline constexpr size_t kSegwitMaxLength = 90;
inline constexpr size_t kNoLengthLimit = std::numeric_limits<size_t>::max();

using Words = std::vector<uint8_t>;  // 5-bit values

struct Decoded {
  Encoding encoding;
  std::string hrp;  // lowercase
  Words data;       // checksum removed
};

// Lowercase string; `hrp` must be 1..83 lowercase-or-symbol characters in 33..126 and every word
// below 32 (std::invalid_argument otherwise: a programming error).
std::string encode(std::string_view hrp, const Words& data, Encoding encoding);

// Accepts all-lowercase or all-uppercase text up to `maxLength` characters.
Result<Decoded> decode(std::string_view text, size_t maxLength);

// Regroups `fromBits`-bit values into `toBits`-bit values. With `pad` the last group is filled
// with zero bits; without it, leftover bits must be fewer than `fromBits` and all zero.
std::optional<std::vector<uint8_t>> convertBits(const std::vector<uint8_t>& in, int fromBits, int toBits, bool pad);

// Bytes -> words, zero padded.
Words toWords(std::string_view bytes);
// Words -> bytes, strict (see convertBits without pad).
std::optional<std::string> fromWords(const Words& words);

}  // namespace turnpike::payments::bech32
