#include "lightning/root_keys.hpp"

#include <stdexcept>

#include <turnpike/encoding.hpp>

#include "common/crypto.hpp"
#include "lightning/state_keys.hpp"

namespace turnpike::payments::lightning {

namespace encoding = sdk::encoding;

namespace {

std::string derive(const std::string& secret, const l402::Identifier& id) {
  return crypto::hmacSha256(secret, l402::encodeIdentifier(id));
}

}  // namespace

RootKeys::RootKeys(sdk::Host host) : host_(host) { secretOrNew(); }

std::optional<std::string> RootKeys::secret() const {
  auto hex = host_.stateGet(keys::kRootSecret);
  auto bytes = hex ? encoding::hexDecode(*hex) : std::nullopt;
  if (hex && (!bytes || bytes->size() != 32)) throw std::runtime_error("l402: the stored root secret is unusable");
  return bytes;
}

std::string RootKeys::secretOrNew() {
  if (auto s = secret()) return *s;
  host_.stateInsert(keys::kRootSecret, encoding::hexEncode(crypto::randomBytes(32)));
  auto s = secret();
  if (!s) throw std::runtime_error("l402: the root secret could not be stored");
  return *s;
}

std::string RootKeys::forMinting(const l402::Identifier& id) { return derive(secretOrNew(), id); }

std::optional<std::string> RootKeys::forChecking(const l402::Identifier& id) const {
  if (auto stored = host_.stateGet(keys::rootKey(encoding::hexEncode(l402::rootKeyId(id)))))
    return encoding::hexDecode(*stored);
  auto s = secret();
  if (!s) return std::nullopt;
  return derive(*s, id);
}

}  // namespace turnpike::payments::lightning
