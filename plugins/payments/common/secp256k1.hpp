// libsecp256k1 behind a RAII context: keys, recoverable ECDSA (BOLT11) and public key tweaks
// (BIP32). Keys are raw bytes: secret keys 32, public keys 33 (compressed).
#pragma once

#include <optional>
#include <string>
#include <string_view>

struct secp256k1_context_struct;

namespace turnpike::payments {

struct RecoverableSignature {
  std::string compact;  // 64 bytes: r ‖ s
  int recoveryId = 0;   // 0..3
};

class Secp256k1 {
 public:
  // A context randomized with fresh entropy against side channels.
  Secp256k1();
  ~Secp256k1();
  Secp256k1(const Secp256k1&) = delete;
  Secp256k1& operator=(const Secp256k1&) = delete;

  // One context for the process; every member below is const and safe to call concurrently.
  static const Secp256k1& shared();

  bool isValidSecretKey(std::string_view secretKey) const;
  // nullopt unless the secret is 32 bytes in [1, n-1].
  std::optional<std::string> publicKey(std::string_view secretKey) const;
  // Accepts 33-byte compressed or 65-byte uncompressed keys on the curve; returns compressed.
  std::optional<std::string> parsePublicKey(std::string_view publicKey) const;

  // RFC6979 deterministic, low-S signature of a 32-byte digest.
  std::optional<RecoverableSignature> signRecoverable(std::string_view digest, std::string_view secretKey) const;
  // The compressed key that produced `compact` over `digest` (high-S signatures are accepted).
  std::optional<std::string> recoverPublicKey(std::string_view digest, std::string_view compact,
                                              int recoveryId) const;
  // Verifies a 64-byte compact signature; like libsecp256k1, rejects high-S signatures.
  bool verify(std::string_view digest, std::string_view compact, std::string_view publicKey) const;
  // True when the compact signature's s is in the lower half of the order.
  bool isLowS(std::string_view compact) const;

  // publicKey + tweak·G (BIP32 public derivation); nullopt if the tweak is not below the order
  // or the result is the point at infinity.
  std::optional<std::string> tweakAddPublicKey(std::string_view publicKey, std::string_view tweak) const;

 private:
  secp256k1_context_struct* ctx_;
};

}  // namespace turnpike::payments
