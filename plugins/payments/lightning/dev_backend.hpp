// The embedded `dev` backend: a node of its own, on regtest, that issues real, correctly signed
// BOLT11 invoices (payment secret, description). It keeps nothing per invoice: the preimage is
// derived from the node key and the invoice's payment secret, and the signed invoice carries the
// rest, so issuing one (an L402 challenge) writes nothing. pay() stands in for a wallet and
// records the payment, so the whole payment flow runs without a node.
#pragma once

#include <string>

#include <turnpike/plugin.hpp>

#include "lightning/backend.hpp"

namespace turnpike::payments::lightning {

class DevBackend final : public Backend {
 public:
  // Loads the node key from the state, or creates it once (an atomic claim, so instances
  // sharing the state agree on one key).
  explicit DevBackend(sdk::Host host);

  std::string_view name() const override { return "dev"; }
  Result<CreatedInvoice> createInvoice(const InvoiceRequest& request) override;
  Result<InvoiceStatus> lookupInvoice(std::string_view paymentHash) override;

  enum class PayOutcome {
    Paid,         // paid now
    AlreadyPaid,  // paid before: same preimage, nothing paid twice
    NotOurs,      // not an invoice this node issued
    Expired,      // past its expiry and unpaid (pay with allowExpired to simulate a late payment)
  };
  struct Payment {
    PayOutcome outcome = PayOutcome::NotOurs;
    std::string paymentHash;  // hex
    std::string preimage;     // hex, when paid
    uint64_t amountMsat = 0;
  };
  // Fails only when `bolt11` does not decode.
  Result<Payment> pay(std::string_view bolt11, bool allowExpired);

  const std::string& nodePublicKey() const { return publicKey_; }

 private:
  std::string preimageFor(std::string_view paymentSecret) const;

  sdk::Host host_;
  std::string secretKey_;
  std::string publicKey_;
};

}  // namespace turnpike::payments::lightning
