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

Result<CreatedInvoice> DevBackend::createInvoice(const InvoiceRequest& request) {
  std::string preimage = crypto::randomBytes(32);
  Invoice inv;
  inv.network = Network::Regtest;
  inv.amountMsat = request.amountMsat;
  inv.timestamp = static_cast<uint64_t>(nowSeconds());
  inv.paymentHash = crypto::sha256(preimage);
  inv.paymentSecret = crypto::randomBytes(32);
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
  json record{{"preimage", encoding::hexEncode(preimage)},
              {"amount_msat", out.amountMsat},
              {"expires_at", out.expiresAt}};
  host_.statePut(keys::devInvoice(out.paymentHash), record.dump());
  return out;
}

Result<InvoiceStatus> DevBackend::lookupInvoice(std::string_view paymentHash) {
  auto invoice = readJson(host_, keys::devInvoice(paymentHash));
  if (!invoice) return fail("dev: no such invoice");
  InvoiceStatus status;
  if (auto paid = readJson(host_, keys::devPaid(paymentHash))) {
    status.state = InvoiceState::Settled;
    status.amountPaidMsat = paid->value("amount_msat", uint64_t{0});
    status.preimage = invoice->value("preimage", "");
  } else if (nowSeconds() >= invoice->value("expires_at", int64_t{0})) {
    status.state = InvoiceState::Expired;
  }
  return status;
}

Result<DevBackend::Payment> DevBackend::pay(std::string_view bolt11, bool allowExpired) {
  auto decoded = decode(bolt11);
  if (!decoded) return fail("not a valid BOLT11 invoice: " + decoded.error());
  Payment p;
  p.paymentHash = encoding::hexEncode(decoded->invoice.paymentHash);
  if (decoded->payee != publicKey_ || decoded->invoice.network != Network::Regtest) return p;
  auto invoice = readJson(host_, keys::devInvoice(p.paymentHash));
  if (!invoice) return p;
  p.preimage = invoice->value("preimage", "");
  p.amountMsat = invoice->value("amount_msat", uint64_t{0});

  const std::string paidKey = keys::devPaid(p.paymentHash);
  if (host_.stateGet(paidKey)) {
    p.outcome = PayOutcome::AlreadyPaid;
    return p;
  }
  if (!allowExpired && nowSeconds() >= invoice->value("expires_at", int64_t{0})) {
    p.outcome = PayOutcome::Expired;
    p.preimage.clear();
    return p;
  }
  json payment{{"amount_msat", p.amountMsat}, {"paid_at", nowSeconds()}};
  // The insert is the claim: of two concurrent payments, one pays and the other sees it paid.
  p.outcome = host_.stateInsert(paidKey, payment.dump()) ? PayOutcome::Paid : PayOutcome::AlreadyPaid;
  return p;
}

}  // namespace turnpike::payments::lightning
