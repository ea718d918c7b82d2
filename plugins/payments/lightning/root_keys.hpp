// L402 root keys without a row per token: each token's key is HMAC-SHA256(secret, identifier)
// under one secret in the plugin state (`l402:root_secret`), so issuing a challenge writes
// nothing. The secret is read on every check, so deleting it revokes every token at once (the
// next challenge makes a new one). Tokens minted before keys were derived keep the key stored
// for them (`rootkey:<id>`) until they expire.
#pragma once

#include <optional>
#include <string>

#include <turnpike/plugin.hpp>

#include "lightning/l402.hpp"

namespace turnpike::payments::lightning {

class RootKeys {
 public:
  // Creates the secret when the state has none (an atomic claim: instances sharing the state
  // agree on one).
  explicit RootKeys(sdk::Host host);

  // The key to mint a token for `id` with.
  std::string forMinting(const l402::Identifier& id);
  // The key a presented token for `id` must verify with; nullopt when revoked.
  std::optional<std::string> forChecking(const l402::Identifier& id) const;

 private:
  std::optional<std::string> secret() const;
  std::string secretOrNew();

  sdk::Host host_;
};

}  // namespace turnpike::payments::lightning
