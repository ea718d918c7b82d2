// Core Lightning through clnrest: every RPC method is POST /v1/<method> with a JSON body and a
// `Rune:` header; `invoice` issues, `listinvoices` looks up.
#pragma once

#include "lightning/backend.hpp"
#include "lightning/node_client.hpp"

namespace turnpike::payments::lightning {

class ClnBackend final : public Backend {
 public:
  ClnBackend(sdk::Host host, const NodeConfig& node);

  std::string_view name() const override { return "cln"; }
  Result<CreatedInvoice> createInvoice(const InvoiceRequest& request) override;
  Result<InvoiceStatus> lookupInvoice(std::string_view paymentHash) override;

 private:
  NodeClient client_;
};

}  // namespace turnpike::payments::lightning
