// BOLT11 invoices through lightning::decode. The first byte chooses whether the text is taken as
// it is or given a valid checksum first (so mutations reach the tagged fields). Whatever decodes
// must survive encode -> decode unchanged (re-signed with a key of ours), and its amount must
// survive formatAmount -> parseAmount.
#include "lightning/bolt11.hpp"

#include <algorithm>
#include <string>

#include "bech32_repair.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace turnpike::payments;
using namespace turnpike::payments::lightning;

const std::string kSecretKey(32, '\x11');

bool sameHops(const RouteHop& a, const RouteHop& b) {
  return a.pubkey == b.pubkey && a.shortChannelId == b.shortChannelId && a.feeBaseMsat == b.feeBaseMsat &&
         a.feeProportionalMillionths == b.feeProportionalMillionths && a.cltvExpiryDelta == b.cltvExpiryDelta;
}

bool sameInvoice(const Invoice& a, const Invoice& b) {
  if (a.routeHints.size() != b.routeHints.size() || a.fallbacks.size() != b.fallbacks.size()) return false;
  for (size_t i = 0; i < a.routeHints.size(); ++i)
    if (!std::equal(a.routeHints[i].begin(), a.routeHints[i].end(), b.routeHints[i].begin(), b.routeHints[i].end(),
                    sameHops))
      return false;
  for (size_t i = 0; i < a.fallbacks.size(); ++i)
    if (a.fallbacks[i].version != b.fallbacks[i].version || a.fallbacks[i].program != b.fallbacks[i].program)
      return false;
  return a.network == b.network && a.amountMsat == b.amountMsat && a.timestamp == b.timestamp &&
         a.paymentHash == b.paymentHash && a.paymentSecret == b.paymentSecret && a.description == b.description &&
         a.descriptionHash == b.descriptionHash && a.payee == b.payee && a.expiry == b.expiry &&
         a.minFinalCltvExpiry == b.minFinalCltvExpiry && a.metadata == b.metadata && a.features == b.features &&
         a.fieldOrder == b.fieldOrder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    auto repaired = turnpike::fuzz::withValidChecksum(text, bech32::Encoding::Bech32);
    if (!repaired) return 0;
    text = *repaired;
  }
  auto decoded = decode(text);
  if (!decoded) return 0;
  const Invoice& inv = decoded->invoice;
  FUZZ_CHECK(inv.paymentHash.size() == 32 && inv.paymentSecret.size() == 32);
  FUZZ_CHECK(inv.description.has_value() != inv.descriptionHash.has_value());
  FUZZ_CHECK(decoded->payee.size() == 33);
  if (inv.amountMsat) {
    FUZZ_CHECK(*inv.amountMsat > 0);
    auto again = parseAmount(formatAmount(*inv.amountMsat));
    FUZZ_CHECK(again.ok() && *again == inv.amountMsat);
  }

  // Re-signed by us, the invoice reads back field for field (the payee becomes our key).
  Invoice ours = inv;
  if (ours.payee) {
    ours.payee.reset();
    ours.fieldOrder.erase(ours.fieldOrder.find('n'), 1);
  }
  // An empty '9' field carries no feature, and encode() writes none.
  if (ours.features.empty() && ours.fieldOrder.find('9') != std::string::npos)
    ours.fieldOrder.erase(ours.fieldOrder.find('9'), 1);
  auto encoded = encode(ours, kSecretKey);
  // decode() keeps description bytes as they are; encode() writes UTF-8 only.
  if (!encoded && encoded.error() == "bolt11: description is not valid UTF-8") return 0;
  if (!encoded) std::fprintf(stderr, "encode: %s\n", encoded.error().c_str());
  FUZZ_CHECK(encoded.ok());
  auto back = decode(*encoded);
  if (!back) std::fprintf(stderr, "decode: %s\n", back.error().c_str());
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(sameInvoice(back->invoice, ours));
  FUZZ_CHECK(back->payee == *Secp256k1::shared().publicKey(kSecretKey));
  return 0;
}
