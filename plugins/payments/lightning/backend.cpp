#include "lightning/backend.hpp"

#include <turnpike/encoding.hpp>

#include "lightning/bolt11.hpp"

namespace turnpike::payments::lightning {

std::string_view invoiceStateName(InvoiceState state) {
  switch (state) {
    case InvoiceState::Open: return "open";
    case InvoiceState::Settled: return "settled";
    case InvoiceState::Canceled: return "canceled";
    case InvoiceState::Expired: return "expired";
  }
  return "";
}

Result<CreatedInvoice> acceptIssuedInvoice(std::string_view backend, std::string_view bolt11,
                                           std::string_view paymentHash, uint64_t amountMsat) {
  const std::string who(backend);
  auto decoded = decode(bolt11);
  if (!decoded) return fail(who + ": the node returned an invalid invoice (" + decoded.error() + ")");
  const Invoice& inv = decoded->invoice;
  std::string hash = sdk::encoding::hexEncode(inv.paymentHash);
  if (!paymentHash.empty() && hash != paymentHash)
    return fail(who + ": the node's invoice does not carry the payment hash it reported");
  if (inv.amountMsat != amountMsat)
    return fail(who + ": the node's invoice is not for the amount asked");
  CreatedInvoice out;
  out.paymentHash = std::move(hash);
  out.bolt11 = std::string(bolt11);
  out.amountMsat = *inv.amountMsat;
  out.expiresAt = static_cast<int64_t>(inv.expiresAt());
  return out;
}

std::string clampMemo(std::string_view memo, size_t maxBytes) {
  if (memo.size() <= maxBytes) return std::string(memo);
  size_t end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && (static_cast<unsigned char>(memo[end]) & 0xC0) == 0x80) --end;
  return std::string(memo.substr(0, end));
}

}  // namespace turnpike::payments::lightning
