#include "billing/api_keys.hpp"

#include "util/random.hpp"

namespace turnpike::billing {

NewKey generateKey() {
  NewKey k;
  k.secret = std::string(kKeyPrefix) + util::randomBase62(40);
  k.prefix = k.secret.substr(0, 14);
  k.hash = hashKey(k.secret);
  return k;
}

bool hasKeyFormat(std::string_view token) { return token.starts_with(kKeyPrefix); }

std::string hashKey(std::string_view secret) { return util::sha256Hex(secret); }

std::string newId(std::string_view kind) { return std::string(kind) + "_" + util::randomBase62(16); }

}  // namespace turnpike::billing
