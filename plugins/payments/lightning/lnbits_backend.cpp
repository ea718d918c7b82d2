#include "lightning/lnbits_backend.hpp"

namespace turnpike::payments::lightning {

using nlohmann::json;

namespace {

constexpr std::string_view kPayments = "/api/v1/payments";

bool isHexHash(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

LnbitsBackend::LnbitsBackend(sdk::Host host, const NodeConfig& node)
    : client_(host, "lnbits", node, "X-Api-Key") {}

Result<CreatedInvoice> LnbitsBackend::createInvoice(const InvoiceRequest& request) {
  // LNbits counts in sats: round up so the invoice never asks for less than the price.
  uint64_t sats = (request.amountMsat + 999) / 1000;
  json body{{"out", false},
            {"amount", sats},
            {"unit", "sat"},
            {"memo", request.memo},
            {"expiry", request.expirySeconds}};
  auto reply = client_.call("POST", kPayments, &body);
  if (!reply) return fail(reply.error());
  if (reply->status != 201 && reply->status != 200) return fail(client_.refusal("POST", kPayments, *reply));
  std::string hash = jsonString(reply->body, "payment_hash");
  // Newer LNbits answers `bolt11`, older versions `payment_request`.
  std::string bolt11 = jsonString(reply->body, "bolt11");
  if (bolt11.empty()) bolt11 = jsonString(reply->body, "payment_request");
  if (!isHexHash(hash) || bolt11.empty()) return fail("lnbits: the invoice answer lacks payment_hash or bolt11");
  return acceptIssuedInvoice("lnbits", bolt11, hash, sats * 1000);
}

Result<InvoiceStatus> LnbitsBackend::lookupInvoice(std::string_view paymentHash) {
  std::string path = std::string(kPayments) + "/" + std::string(paymentHash);
  auto reply = client_.call("GET", path);
  if (!reply) return fail(reply.error());
  if (reply->status == 404) return fail("lnbits: no such invoice");
  if (reply->status != 200 || !reply->body.is_object()) return fail(client_.refusal("GET", path, *reply));
  auto paid = reply->body.find("paid");
  if (paid == reply->body.end() || !paid->is_boolean()) return fail("lnbits: the payment answer lacks 'paid'");
  InvoiceStatus status;
  // Unpaid stays Open whatever LNbits calls it: the watcher knows the expiry and keeps looking
  // for a late payment.
  if (!paid->get<bool>()) return status;
  status.state = InvoiceState::Settled;
  status.preimage = jsonString(reply->body, "preimage");
  // details.amount is in msat, positive for incoming payments.
  if (auto it = reply->body.find("details"); it != reply->body.end()) status.amountPaidMsat = jsonUint(*it, "amount").value_or(0);
  return status;
}

}  // namespace turnpike::payments::lightning
