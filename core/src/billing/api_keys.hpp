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

// The prefix every Turnpike key starts with.
inline constexpr std::string_view kKeyPrefix = "sk-tp-";

NewKey generateKey();
// Whether a presented bearer token claims to be a Turnpike key. Others are the placeholders SDKs
// insist on ("unused", "ollama", "sk-no-key-required") and count as no key at all.
bool hasKeyFormat(std::string_view token);
std::string hashKey(std::string_view secret);
// "acct_..." / "key_..." identifiers.
std::string newId(std::string_view kind);

}  // namespace turnpike::billing
