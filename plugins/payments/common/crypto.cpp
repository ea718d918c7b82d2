#include "common/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace turnpike::payments::crypto {

namespace {

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out, &size, md, nullptr) != 1)
    throw std::runtime_error("OpenSSL digest failed");
  return {reinterpret_cast<const char*>(out), size};
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // OpenSSL gives a null key pointer a meaning of its own; an empty key is passed as a valid
  // pointer with length 0.
  static const unsigned char kEmpty = 0;
  const void* keyData = key.empty() ? &kEmpty : static_cast<const void*>(key.data());
  if (HMAC(md, keyData, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out, &size) == nullptr)
    throw std::runtime_error("OpenSSL HMAC failed");
  return {reinterpret_cast<const char*>(out), size};
}

}  // namespace

std::string sha256(std::string_view data) { return digest(EVP_sha256(), data); }
std::string sha512(std::string_view data) { return digest(EVP_sha512(), data); }
std::string ripemd160(std::string_view data) { return digest(EVP_ripemd160(), data); }
std::string hash160(std::string_view data) { return ripemd160(sha256(data)); }

std::string hmacSha256(std::string_view key, std::string_view data) { return hmac(EVP_sha256(), key, data); }
std::string hmacSha512(std::string_view key, std::string_view data) { return hmac(EVP_sha512(), key, data); }

std::string randomBytes(size_t count) {
  std::string out(count, '\0');
  if (count > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1)
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  return out;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace turnpike::payments::crypto
