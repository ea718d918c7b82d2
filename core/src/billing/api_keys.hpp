// API key material: keys are random, shown once, stored only as a SHA-256 hash, shown later
// by their prefix.
#pragma once

#include <string>
#include <string_view>

namespace turnpike::billing {

struct NewKey {
  std::string secret;  // "sk-tp-" + 40 base62 characters (238 bits)
  std::string prefix;  // first 14 characters, safe to display
  std::string hash;    // hex SHA-256 of the secret, what the store keeps
};

NewKey generateKey();
std::string hashKey(std::string_view secret);
// "acct_..." / "key_..." identifiers.
std::string newId(std::string_view kind);

}  // namespace turnpike::billing
