#include "lightning/cln_backend.hpp"

#include <turnpike/encoding.hpp>

#include "common/crypto.hpp"

namespace turnpike::payments::lightning {

using nlohmann::json;

namespace {

constexpr std::string_view kInvoice = "/v1/invoice";
constexpr std::string_view kListInvoices = "/v1/listinvoices";

}  // namespace

ClnBackend::ClnBackend(sdk::Host host, const NodeConfig& node) : client_(host, "cln", node, "Rune") {}

Result<CreatedInvoice> ClnBackend::createInvoice(const InvoiceRequest& request) {
  // Labels must be unique per node; a random one never collides with the operator's own.
  std::string label = "turnpike-" + sdk::encoding::hexEncode(crypto::randomBytes(16));
  json body{{"amount_msat", request.amountMsat},
            {"label", label},
            {"description", request.memo},
            {"expiry", request.expirySeconds}};
  auto reply = client_.call("POST", kInvoice, &body);
  if (!reply) return fail(reply.error());
  if (reply->status != 200 && reply->status != 201) return fail(client_.refusal("POST", kInvoice, *reply));
  std::string hash = jsonString(reply->body, "payment_hash");
  std::string bolt11 = jsonString(reply->body, "bolt11");
  if (hash.size() != 64 || bolt11.empty()) return fail("cln: the invoice answer lacks payment_hash or bolt11");
  return acceptIssuedInvoice("cln", bolt11, hash, request.amountMsat);
}

Result<InvoiceStatus> ClnBackend::lookupInvoice(std::string_view paymentHash) {
  json body{{"payment_hash", paymentHash}};
  auto reply = client_.call("POST", kListInvoices, &body);
  if (!reply) return fail(reply.error());
  if (reply->status != 200 && reply->status != 201) return fail(client_.refusal("POST", kListInvoices, *reply));
  auto list = reply->body.is_object() ? reply->body.find("invoices") : reply->body.end();
  if (!reply->body.is_object() || list == reply->body.end() || !list->is_array())
    return fail("cln: the listinvoices answer lacks 'invoices'");
  if (list->empty()) return fail("cln: no such invoice");
  const json& invoice = list->front();
  if (jsonString(invoice, "payment_hash") != paymentHash) return fail("cln: the node answered for another invoice");
  std::string state = jsonString(invoice, "status");
  InvoiceStatus status;
  if (state == "unpaid") {
    status.state = InvoiceState::Open;
  } else if (state == "expired") {
    status.state = InvoiceState::Expired;
  } else if (state == "paid") {
    status.state = InvoiceState::Settled;
    status.amountPaidMsat = jsonUint(invoice, "amount_received_msat").value_or(0);
    status.preimage = jsonString(invoice, "payment_preimage");
  } else {
    return fail("cln: unknown invoice status '" + state.substr(0, 32) + "'");
  }
  return status;
}

}  // namespace turnpike::payments::lightning
