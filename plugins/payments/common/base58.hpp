// Base58Check (Bitcoin's alphabet, 4-byte double-SHA256 checksum): legacy addresses and
// BIP32 extended keys.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace turnpike::payments::base58 {

std::string encode(std::string_view bytes);
Result<std::string> decode(std::string_view text);

// encode(payload ‖ sha256(sha256(payload))[0..4]).
std::string encodeCheck(std::string_view payload);
// The payload, once the checksum matches.
Result<std::string> decodeCheck(std::string_view text);

}  // namespace turnpike::payments::base58
