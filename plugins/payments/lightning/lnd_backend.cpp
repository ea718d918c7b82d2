#include "lightning/lnd_backend.hpp"

#include <turnpike/encoding.hpp>

namespace turnpike::payments::lightning {

using nlohmann::json;
namespace encoding = sdk::encoding;

namespace {

constexpr std::string_view kInvoices = "/v1/invoices";

// grpc-gateway writes bytes as standard base64; some proxies rewrite them URL-safe.
std::optional<std::string> base64Bytes(std::string_view text) {
  if (auto b = encoding::base64Decode(text)) return b;
  std::string_view core = text;
  while (!core.empty() && core.back() == '=') core.remove_suffix(1);
  return encoding::base64UrlDecode(core);
}

}  // namespace

LndBackend::LndBackend(sdk::Host host, const NodeConfig& node)
    : client_(host, "lnd", node, "Grpc-Metadata-macaroon") {}

Result<CreatedInvoice> LndBackend::createInvoice(const InvoiceRequest& request) {
  json body{{"value_msat", std::to_string(request.amountMsat)},
            {"memo", request.memo},
            {"expiry", std::to_string(request.expirySeconds)}};
  auto reply = client_.call("POST", kInvoices, &body);
  if (!reply) return fail(reply.error());
  if (reply->status != 200) return fail(client_.refusal("POST", kInvoices, *reply));
  auto hash = base64Bytes(jsonString(reply->body, "r_hash"));
  std::string bolt11 = jsonString(reply->body, "payment_request");
  if (!hash || hash->size() != 32 || bolt11.empty())
    return fail("lnd: the invoice answer lacks r_hash or payment_request");
  return acceptIssuedInvoice("lnd", bolt11, encoding::hexEncode(*hash), request.amountMsat);
}

Result<InvoiceStatus> LndBackend::lookupInvoice(std::string_view paymentHash) {
  std::string path = "/v1/invoice/" + std::string(paymentHash);
  auto reply = client_.call("GET", path);
  if (!reply) return fail(reply.error());
  if (reply->status == 404) return fail("lnd: no such invoice");
  if (reply->status != 200) return fail(client_.refusal("GET", path, *reply));
  auto invoice = parseLndInvoice(reply->body);
  if (!invoice) return fail(invoice.error());
  if (invoice->paymentHash != paymentHash) return fail("lnd: the node answered for another invoice");
  return invoice->status;
}

Result<LndInvoice> parseLndInvoice(const json& invoice) {
  if (!invoice.is_object()) return fail("lnd: the invoice is not a JSON object");
  LndInvoice out;
  auto hash = base64Bytes(jsonString(invoice, "r_hash"));
  if (!hash || hash->size() != 32) return fail("lnd: the invoice lacks r_hash");
  out.paymentHash = encoding::hexEncode(*hash);
  std::string state = jsonString(invoice, "state");
  if (auto it = invoice.find("state"); it != invoice.end() && it->is_number_integer()) {
    // lnrpc.Invoice.InvoiceState numbers, for gateways configured to write enums as numbers.
    static constexpr const char* kNames[] = {"OPEN", "SETTLED", "CANCELED", "ACCEPTED"};
    int n = it->get<int>();
    if (n >= 0 && n < 4) state = kNames[n];
  }
  // ACCEPTED is a hold invoice whose HTLCs are locked in but not settled: not paid yet.
  if (state == "OPEN" || state == "ACCEPTED") out.status.state = InvoiceState::Open;
  else if (state == "SETTLED") out.status.state = InvoiceState::Settled;
  else if (state == "CANCELED") out.status.state = InvoiceState::Canceled;
  else return fail("lnd: unknown invoice state '" + state.substr(0, 32) + "'");
  if (out.status.state == InvoiceState::Settled) {
    out.status.amountPaidMsat = jsonUint(invoice, "amt_paid_msat").value_or(0);
    if (auto preimage = base64Bytes(jsonString(invoice, "r_preimage")); preimage && preimage->size() == 32)
      out.status.preimage = encoding::hexEncode(*preimage);
  }
  out.settleIndex = jsonUint(invoice, "settle_index").value_or(0);
  return out;
}

}  // namespace turnpike::payments::lightning
