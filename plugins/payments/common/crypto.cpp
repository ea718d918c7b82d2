#include "common/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace turnpike::payments::crypto {

namespace {

// OpenSSL 3 looks algorithms up by name on every call that passes a legacy EVP_MD constant,
// and its one-shot HMAC() also fetches the MAC: about 3.5 µs per HMAC-SHA256, most of an L402
// check. Fetch each digest once, reuse one context per thread and build HMAC (RFC 2104) on
// top: about ten times faster.
const EVP_MD* fetchDigest(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);  // kept for the life of the process
  if (md == nullptr) throw std::runtime_error(std::string("OpenSSL has no ") + name);
  return md;
}

const EVP_MD* sha256Md() {
  static const EVP_MD* md = fetchDigest("SHA256");
  return md;
}
const EVP_MD* sha512Md() {
  static const EVP_MD* md = fetchDigest("SHA512");
  return md;
}
const EVP_MD* ripemd160Md() {
  static const EVP_MD* md = fetchDigest("RIPEMD160");
  return md;
}

class DigestContext {
 public:
  DigestContext() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) throw std::runtime_error("OpenSSL could not allocate a digest context");
  }
  ~DigestContext() { EVP_MD_CTX_free(ctx_); }
  DigestContext(const DigestContext&) = delete;
  DigestContext& operator=(const DigestContext&) = delete;

  void begin(const EVP_MD* md) {
    if (EVP_DigestInit_ex2(ctx_, md, nullptr) != 1) throw std::runtime_error("OpenSSL digest failed");
  }
  void add(const void* data, size_t size) {
    if (EVP_DigestUpdate(ctx_, data, size) != 1) throw std::runtime_error("OpenSSL digest failed");
  }
  // Writes the digest to `out` (EVP_MAX_MD_SIZE bytes) and returns its size.
  unsigned int end(unsigned char* out) {
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(ctx_, out, &size) != 1) throw std::runtime_error("OpenSSL digest failed");
    return size;
  }

 private:
  EVP_MD_CTX* ctx_;
};

DigestContext& threadContext() {
  thread_local DigestContext ctx;
  return ctx;
}

std::string digest(const EVP_MD* md, std::string_view data) {
  DigestContext& ctx = threadContext();
  unsigned char out[EVP_MAX_MD_SIZE];
  ctx.begin(md);
  ctx.add(data.data(), data.size());
  unsigned int size = ctx.end(out);
  return {reinterpret_cast<const char*>(out), size};
}

// RFC 2104: H((K ^ opad) || H((K ^ ipad) || data)), K the key (hashed first when longer than a
// block) zero-padded to the block size.
std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  constexpr size_t kMaxBlock = 128;
  const size_t block = static_cast<size_t>(EVP_MD_get_block_size(md));
  if (block > kMaxBlock) throw std::runtime_error("HMAC: unsupported digest block size");
  DigestContext& ctx = threadContext();
  unsigned char k[kMaxBlock] = {0};
  if (key.size() > block) {
    ctx.begin(md);
    ctx.add(key.data(), key.size());
    ctx.end(k);
  } else if (!key.empty()) {
    std::memcpy(k, key.data(), key.size());
  }
  unsigned char pad[kMaxBlock];
  unsigned char inner[EVP_MAX_MD_SIZE];
  unsigned char out[EVP_MAX_MD_SIZE];
  for (size_t i = 0; i < block; ++i) pad[i] = k[i] ^ 0x36;
  ctx.begin(md);
  ctx.add(pad, block);
  ctx.add(data.data(), data.size());
  unsigned int innerSize = ctx.end(inner);
  for (size_t i = 0; i < block; ++i) pad[i] = k[i] ^ 0x5c;
  ctx.begin(md);
  ctx.add(pad, block);
  ctx.add(inner, innerSize);
  unsigned int size = ctx.end(out);
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(pad, sizeof pad);
  return {reinterpret_cast<const char*>(out), size};
}

}  // namespace

std::string sha256(std::string_view data) { return digest(sha256Md(), data); }
std::string sha512(std::string_view data) { return digest(sha512Md(), data); }
std::string ripemd160(std::string_view data) { return digest(ripemd160Md(), data); }
std::string hash160(std::string_view data) { return ripemd160(sha256(data)); }

std::string hmacSha256(std::string_view key, std::string_view data) { return hmac(sha256Md(), key, data); }
std::string hmacSha512(std::string_view key, std::string_view data) { return hmac(sha512Md(), key, data); }

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
