#include "lightning/dev_backend.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include <turnpike/encoding.hpp>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/secp256k1.hpp"
#include "lightning/bolt11.hpp"
#include "lightning/state_keys.hpp"

namespace turnpike::payments::lightning {

using nlohmann::json;
namespace encoding = sdk::encoding;

namespace {

std::string newSecretKey() {
  const Secp256k1& secp = Secp256k1::shared();
  while (true) {
    std::string key = crypto::randomBytes(32);
    if (secp.isValidSecretKey(key)) return key;
  }
}

std::optional<json> readJson(const sdk::Host& host, const std::string& key) {
  auto text = host.stateGet(key);
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) throw std::runtime_error("dev: corrupt state under " + key);
  return j;
}

}  // namespace

DevBackend::DevBackend(sdk::Host host) : host_(host) {
  std::string candidate = encoding::hexEncode(newSecretKey());
  host_.stateInsert(keys::kDevNodeKey, candidate);
  auto stored = host_.stateGet(keys::kDevNodeKey);
  auto key = stored ? encoding::hexDecode(*stored) : std::nullopt;
  auto pub = key ? Secp256k1::shared().publicKey(*key) : std::nullopt;
  if (!pub) throw std::runtime_error("dev: the stored node key is unusable");
  secretKey_ = std::move(*key);
  publicKey_ = std::move(*pub);
}

std::string DevBackend::preimageFor(std::string_view paymentSecret) const {
  return crypto::hmacSha256(secretKey_, std::string("turnpike dev preimage ") + std::string(paymentSecret));
}

Result<CreatedInvoice> DevBackend::createInvoice(const InvoiceRequest& request) {
  Invoice inv;
  inv.network = Network::Regtest;
  inv.amountMsat = request.amountMsat;
  inv.timestamp = static_cast<uint64_t>(nowSeconds());
  inv.paymentSecret = crypto::randomBytes(32);
  inv.paymentHash = crypto::sha256(preimageFor(inv.paymentSecret));
  inv.description = request.memo;
  inv.expiry = static_cast<uint64_t>(request.expirySeconds);
  inv.minFinalCltvExpiry = 80;
  inv.features = {8, 14, 17};  // var_onion_optin, payment_secret (required), basic_mpp
  auto text = encode(inv, secretKey_);
  if (!text) return fail("dev: " + text.error());

  CreatedInvoice out;
  out.paymentHash = encoding::hexEncode(inv.paymentHash);
  out.bolt11 = std::move(*text);
  out.amountMsat = request.amountMsat;
  out.expiresAt = static_cast<int64_t>(inv.expiresAt());
  return out;
}

Result<InvoiceStatus> DevBackend::lookupInvoice(std::string_view paymentHash) {
  InvoiceStatus status;
  // Unpaid invoices leave no record: open, as far as the node can tell.
  if (auto paid = readJson(host_, keys::devPaid(paymentHash))) {
    status.state = InvoiceState::Settled;
    status.amountPaidMsat = paid->value("amount_msat", uint64_t{0});
    status.preimage = paid->value("preimage", "");
  }
  return status;
}

Result<DevBackend::Payment> DevBackend::pay(std::string_view bolt11, bool allowExpired) {
  auto decoded = decode(bolt11);
  if (!decoded) return fail("not a valid BOLT11 invoice: " + decoded.error());
  const Invoice& invoice = decoded->invoice;
  Payment p;
  p.paymentHash = encoding::hexEncode(invoice.paymentHash);
  if (decoded->payee != publicKey_ || invoice.network != Network::Regtest || !invoice.amountMsat) return p;
  // Signed by this node, so its fields are the ones createInvoice wrote.
  std::string preimage = preimageFor(invoice.paymentSecret);
  if (crypto::sha256(preimage) != invoice.paymentHash) return p;
  p.preimage = encoding::hexEncode(preimage);
  p.amountMsat = *invoice.amountMsat;

  const std::string paidKey = keys::devPaid(p.paymentHash);
  if (host_.stateGet(paidKey)) {
    p.outcome = PayOutcome::AlreadyPaid;
    return p;
  }
  if (!allowExpired && static_cast<uint64_t>(nowSeconds()) >= invoice.expiresAt()) {
    p.outcome = PayOutcome::Expired;
    p.preimage.clear();
    return p;
  }
  json payment{{"amount_msat", p.amountMsat}, {"paid_at", nowSeconds()}, {"preimage", p.preimage}};
  // The insert is the claim: of two concurrent payments, one pays and the other sees it paid.
  p.outcome = host_.stateInsert(paidKey, payment.dump()) ? PayOutcome::Paid : PayOutcome::AlreadyPaid;
  return p;
}

}  // namespace turnpike::payments::lightning
