// Built as a plugin-style module (hidden visibility, -Wl,--no-undefined) that uses each payment
// protocol library: the build fails if they cannot be linked into a plugin .so on their own.
#include "lightning/bolt11.hpp"
#include "lightning/l402.hpp"
#include "onchain/bip21.hpp"
#include "onchain/extended_key.hpp"
#include "stripe/objects.hpp"
#include "stripe/webhook_signature.hpp"

extern "C" __attribute__((visibility("default"))) int turnpike_payments_link_check() {
  using namespace turnpike::payments;
  int ok = lightning::decode("").ok();
  ok += lightning::l402::parseAuthorization("").ok();
  ok += onchain::parseExtendedPublicKey("").ok();
  ok += static_cast<int>(onchain::formatBtc(1).size());
  ok += stripe::verifyWebhook("", "", "", 0).ok();
  ok += stripe::parseEvent("{}").ok();
  return ok;
}
