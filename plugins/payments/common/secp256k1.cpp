#include "common/secp256k1.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <stdexcept>

#include "common/crypto.hpp"

namespace turnpike::payments {

namespace {

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

Secp256k1::Secp256k1() : ctx_(secp256k1_context_create(SECP256K1_CONTEXT_NONE)) {
  if (ctx_ == nullptr) throw std::runtime_error("secp256k1_context_create failed");
  std::string seed = crypto::randomBytes(32);
  if (secp256k1_context_randomize(ctx_, bytes(seed)) != 1) {
    secp256k1_context_destroy(ctx_);
    throw std::runtime_error("secp256k1_context_randomize failed");
  }
}

Secp256k1::~Secp256k1() { secp256k1_context_destroy(ctx_); }

const Secp256k1& Secp256k1::shared() {
  static const Secp256k1 instance;
  return instance;
}

bool Secp256k1::isValidSecretKey(std::string_view secretKey) const {
  return secretKey.size() == 32 && secp256k1_ec_seckey_verify(ctx_, bytes(secretKey)) == 1;
}

namespace {

std::string serializeCompressed(const secp256k1_context* ctx, const secp256k1_pubkey& key) {
  unsigned char out[33];
  size_t size = sizeof(out);
  secp256k1_ec_pubkey_serialize(ctx, out, &size, &key, SECP256K1_EC_COMPRESSED);
  return {reinterpret_cast<const char*>(out), size};
}

}  // namespace

std::optional<std::string> Secp256k1::publicKey(std::string_view secretKey) const {
  if (!isValidSecretKey(secretKey)) return std::nullopt;
  secp256k1_pubkey key;
  if (secp256k1_ec_pubkey_create(ctx_, &key, bytes(secretKey)) != 1) return std::nullopt;
  return serializeCompressed(ctx_, key);
}

std::optional<std::string> Secp256k1::parsePublicKey(std::string_view publicKey) const {
  if (publicKey.size() != 33 && publicKey.size() != 65) return std::nullopt;
  secp256k1_pubkey key;
  if (secp256k1_ec_pubkey_parse(ctx_, &key, bytes(publicKey), publicKey.size()) != 1) return std::nullopt;
  return serializeCompressed(ctx_, key);
}

std::optional<RecoverableSignature> Secp256k1::signRecoverable(std::string_view digest,
                                                               std::string_view secretKey) const {
  if (digest.size() != 32 || !isValidSecretKey(secretKey)) return std::nullopt;
  secp256k1_ecdsa_recoverable_signature sig;
  if (secp256k1_ecdsa_sign_recoverable(ctx_, &sig, bytes(digest), bytes(secretKey), nullptr, nullptr) != 1)
    return std::nullopt;
  unsigned char compact[64];
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx_, compact, &recid, &sig);
  return RecoverableSignature{std::string(reinterpret_cast<const char*>(compact), 64), recid};
}

std::optional<std::string> Secp256k1::recoverPublicKey(std::string_view digest, std::string_view compact,
                                                       int recoveryId) const {
  if (digest.size() != 32 || compact.size() != 64 || recoveryId < 0 || recoveryId > 3) return std::nullopt;
  secp256k1_ecdsa_recoverable_signature sig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(ctx_, &sig, bytes(compact), recoveryId) != 1)
    return std::nullopt;
  secp256k1_pubkey key;
  if (secp256k1_ecdsa_recover(ctx_, &key, &sig, bytes(digest)) != 1) return std::nullopt;
  return serializeCompressed(ctx_, key);
}

bool Secp256k1::verify(std::string_view digest, std::string_view compact, std::string_view publicKey) const {
  if (digest.size() != 32 || compact.size() != 64) return false;
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_compact(ctx_, &sig, bytes(compact)) != 1) return false;
  secp256k1_pubkey key;
  if (publicKey.size() != 33 && publicKey.size() != 65) return false;
  if (secp256k1_ec_pubkey_parse(ctx_, &key, bytes(publicKey), publicKey.size()) != 1) return false;
  return secp256k1_ecdsa_verify(ctx_, &sig, bytes(digest), &key) == 1;
}

bool Secp256k1::isLowS(std::string_view compact) const {
  if (compact.size() != 64) return false;
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_compact(ctx_, &sig, bytes(compact)) != 1) return false;
  // normalize() reports whether it had to lower s.
  return secp256k1_ecdsa_signature_normalize(ctx_, nullptr, &sig) == 0;
}

std::optional<std::string> Secp256k1::tweakAddPublicKey(std::string_view publicKey, std::string_view tweak) const {
  if (tweak.size() != 32 || (publicKey.size() != 33 && publicKey.size() != 65)) return std::nullopt;
  secp256k1_pubkey key;
  if (secp256k1_ec_pubkey_parse(ctx_, &key, bytes(publicKey), publicKey.size()) != 1) return std::nullopt;
  if (secp256k1_ec_pubkey_tweak_add(ctx_, &key, bytes(tweak)) != 1) return std::nullopt;
  return serializeCompressed(ctx_, key);
}

}  // namespace turnpike::payments
