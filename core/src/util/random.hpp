// Cryptographically secure random identifiers and digests.
#pragma once

#include <string>
#include <string_view>

namespace turnpike::util {

std::string randomBytes(size_t n);
// `n` characters from [0-9A-Za-z], uniformly (rejection sampling).
std::string randomBase62(size_t n);
std::string sha256Hex(std::string_view data);

}  // namespace turnpike::util
