// Hashes, MACs and randomness for the payment protocols (OpenSSL 3 libcrypto).
// Bytes in and out are std::string; digests have their algorithm's fixed size.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace turnpike::payments::crypto {

std::string sha256(std::string_view data);     // 32 bytes
std::string sha512(std::string_view data);     // 64 bytes
std::string ripemd160(std::string_view data);  // 20 bytes
std::string hash160(std::string_view data);    // ripemd160(sha256(data)), 20 bytes

std::string hmacSha256(std::string_view key, std::string_view data);  // 32 bytes
std::string hmacSha512(std::string_view key, std::string_view data);  // 64 bytes

// Bytes from the OS-seeded CSPRNG; throws std::runtime_error if it cannot deliver.
std::string randomBytes(size_t count);

// Equality whose running time depends only on the lengths (for MACs and secrets).
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace turnpike::payments::crypto
