// LNbits wallet API: `X-Api-Key: <invoice key>`, POST /api/v1/payments to issue (amounts in
// sats), GET /api/v1/payments/{hash} to look up.
#pragma once

#include "lightning/backend.hpp"
#include "lightning/node_client.hpp"

namespace turnpike::payments::lightning {

class LnbitsBackend final : public Backend {
 public:
  LnbitsBackend(sdk::Host host, const NodeConfig& node);

  std::string_view name() const override { return "lnbits"; }
  Result<CreatedInvoice> createInvoice(const InvoiceRequest& request) override;
  Result<InvoiceStatus> lookupInvoice(std::string_view paymentHash) override;

 private:
  NodeClient client_;
};

}  // namespace turnpike::payments::lightning
