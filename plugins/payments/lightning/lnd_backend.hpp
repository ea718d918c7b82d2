// LND's REST API: `Grpc-Metadata-macaroon: <hex>`, TLS pinned to the node's own certificate,
// POST /v1/invoices to issue, GET /v1/invoice/{r_hash hex} to look up. The settlement stream
// (GET /v1/invoices/subscribe) is LndSubscription's.
#pragma once

#include <nlohmann/json.hpp>

#include "lightning/backend.hpp"
#include "lightning/node_client.hpp"

namespace turnpike::payments::lightning {

class LndBackend final : public Backend {
 public:
  LndBackend(sdk::Host host, const NodeConfig& node);

  std::string_view name() const override { return "lnd"; }
  Result<CreatedInvoice> createInvoice(const InvoiceRequest& request) override;
  Result<InvoiceStatus> lookupInvoice(std::string_view paymentHash) override;

  const NodeClient& client() const { return client_; }

 private:
  NodeClient client_;
};

// An lnrpc.Invoice as grpc-gateway writes it (bytes base64, int64 as strings).
struct LndInvoice {
  std::string paymentHash;  // hex
  InvoiceStatus status;
  uint64_t settleIndex = 0;
};
Result<LndInvoice> parseLndInvoice(const nlohmann::json& invoice);

}  // namespace turnpike::payments::lightning
