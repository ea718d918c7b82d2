// What the plugin needs from a Lightning node: issue an invoice, and say whether one was paid.
// Every backend (dev, LNbits, LND, Core Lightning) answers through this interface; failures
// (node unreachable, refused, malformed answer) are values with a message free of secrets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace turnpike::payments::lightning {

struct InvoiceRequest {
  uint64_t amountMsat = 0;
  std::string memo;  // BOLT11 description, shown to the payer
  int64_t expirySeconds = 600;
};

struct CreatedInvoice {
  std::string paymentHash;  // lowercase hex
  std::string bolt11;
  uint64_t amountMsat = 0;  // what the invoice asks for (a backend counting in sats rounds up)
  int64_t expiresAt = 0;    // unix seconds
};

enum class InvoiceState { Open, Settled, Canceled, Expired };
std::string_view invoiceStateName(InvoiceState state);

struct InvoiceStatus {
  InvoiceState state = InvoiceState::Open;
  uint64_t amountPaidMsat = 0;  // when settled; 0 when the backend does not say
  std::string preimage;         // lowercase hex, when settled and the backend tells
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  // Safe to call from several threads at once.
  virtual Result<CreatedInvoice> createInvoice(const InvoiceRequest& request) = 0;
  virtual Result<InvoiceStatus> lookupInvoice(std::string_view paymentHash) = 0;
};

// Checks an invoice a node returned against what was asked: it must decode (signature
// included), carry `paymentHash` (hex; empty = take the invoice's) and ask for exactly
// `amountMsat`.
Result<CreatedInvoice> acceptIssuedInvoice(std::string_view backend, std::string_view bolt11,
                                           std::string_view paymentHash, uint64_t amountMsat);

// A BOLT11 description of at most `maxBytes`, cut at a UTF-8 character boundary.
std::string clampMemo(std::string_view memo, size_t maxBytes = 512);

}  // namespace turnpike::payments::lightning
