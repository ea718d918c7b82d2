#include "util/random.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

#include "util/strings.hpp"

namespace turnpike::util {

std::string randomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("the system random generator failed");
  return out;
}

std::string randomBase62(size_t n) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    for (unsigned char b : randomBytes(n * 2)) {
      if (b >= 248) continue;  // 248 = 4 * 62: keeps the draw uniform
      out.push_back(kAlphabet[b % 62]);
      if (out.size() == n) break;
    }
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace turnpike::util
