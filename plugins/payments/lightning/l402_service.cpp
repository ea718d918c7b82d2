#include "lightning/l402_service.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>

#include <turnpike/encoding.hpp>
#include <turnpike/json_scan.hpp>

#include "common/clock.hpp"
#include "common/json_fields.hpp"
#include "lightning/l402.hpp"
#include "lightning/l402_check.hpp"

namespace turnpike::payments::lightning {

using nlohmann::json;
namespace encoding = sdk::encoding;

namespace {

json parseObject(std::string_view text, const char* what) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) throw std::invalid_argument(std::string(what) + ": expected a JSON object");
  return j;
}

// A string member; "" when absent, null or of another type.
std::string text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string serviceOf(std::string service, const L402Config& config) {
  if (service.empty()) return config.service;
  if (service.find_first_of(",:= ") != std::string::npos)
    throw std::invalid_argument("l402: service name must not contain ',', ':', '=' or spaces");
  return service;
}

struct AuthorizeRequest {
  std::string authorization;
  std::string service;
  std::string path;
  std::optional<int64_t> now;
};

// A string member read without building a JSON tree: "" when absent or null, nullopt when it
// needs the full parser (escapes, another type).
std::optional<std::string> scanString(std::string_view object, std::string_view key) {
  auto member = sdk::json_scan::find(object, key);
  if (!member || member->value == "null") return std::string();
  std::string_view v = member->value;
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::nullopt;
  v = v.substr(1, v.size() - 2);
  if (v.find('\\') != std::string_view::npos) return std::nullopt;
  return std::string(v);
}

// authorize() runs on every paid request: its request is scanned, not parsed, unless a value
// is escaped or not of the expected type.
AuthorizeRequest readAuthorizeRequest(std::string_view requestJson) {
  size_t first = requestJson.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && requestJson[first] == '{') {
    auto authorization = scanString(requestJson, "authorization");
    auto service = scanString(requestJson, "service");
    auto path = scanString(requestJson, "path");
    auto now = sdk::json_scan::find(requestJson, "now");
    auto nowValue = sdk::json_scan::findUint(requestJson, "now");
    if (authorization && service && path && (!now || now->value == "null" || nowValue)) {
      AuthorizeRequest r{std::move(*authorization), std::move(*service), std::move(*path), std::nullopt};
      if (nowValue && *nowValue <= static_cast<uint64_t>(INT64_MAX)) r.now = static_cast<int64_t>(*nowValue);
      return r;
    }
  }
  json request = parseObject(requestJson, "authorize");
  AuthorizeRequest r{text(request, "authorization"), text(request, "service"), text(request, "path"), std::nullopt};
  if (auto now = request.find("now"); now != request.end() && now->is_number_integer()) r.now = now->get<int64_t>();
  return r;
}

json refusal(int status, std::string_view code, std::string_view message) {
  return json{{"ok", false}, {"status", status}, {"code", code}, {"message", message}};
}

}  // namespace

L402Service::L402Service(sdk::Host host, const PluginConfig& config, Backend& backend, SettledInvoices& settled)
    : host_(host), config_(config), backend_(backend), settled_(settled), rootKeys_(host) {}

std::string L402Service::challenge(std::string_view requestJson) {
  if (!config_.l402.enabled) throw std::runtime_error("l402 is disabled for this payment method");
  json request = parseObject(requestJson, "challenge");
  uint64_t amountMsat = amountMsatField(request, "challenge");
  if (amountMsat > config_.topupMaxMsat)
    throw std::invalid_argument("challenge: amount_msat is above the method's maximum");
  std::string service = serviceOf(text(request, "service"), config_.l402);
  std::string path = text(request, "path");
  std::string memo = text(request, "description");
  if (memo.empty()) memo = path.empty() ? service : service + " " + path;

  // Nothing is recorded: the invoice lives on the node (which expires it), the macaroon's root
  // key is derived, and whether it was paid is asked when a credential comes back.
  InvoiceRequest invoiceRequest{amountMsat, clampMemo(memo), config_.invoiceExpirySeconds};
  auto invoice = backend_.createInvoice(invoiceRequest);
  if (!invoice) throw std::runtime_error(invoice.error());

  l402::Identifier id = l402::newIdentifier(*encoding::hexDecode(invoice->paymentHash));
  int64_t validUntil = nowSeconds() + config_.l402.validSeconds;
  std::vector<l402::Caveat> caveats{l402::servicesCaveat({{service, 0}}), l402::validUntilCaveat(service, validUntil)};
  if (!path.empty()) caveats.push_back(pathCaveat(service, path));
  Macaroon macaroon = l402::mintMacaroon(rootKeys_.forMinting(id), id, caveats);

  json reply{
      {"headers",
       json::array({json::array({"WWW-Authenticate", l402::challenge(l402::Scheme::LSAT, macaroon, invoice->bolt11)}),
                    json::array({"WWW-Authenticate", l402::challenge(l402::Scheme::L402, macaroon, invoice->bolt11)})})},
      {"payment",
       {{"payment_request", invoice->bolt11},
        {"payment_hash", invoice->paymentHash},
        {"amount_sats", (invoice->amountMsat + 999) / 1000},
        {"amount_msat", invoice->amountMsat},
        {"expires_at", invoice->expiresAt},
        {"valid_until", validUntil},
        {"macaroon", encoding::base64Encode(macaroon.serialize())}}}};
  host_.count("l402_challenges");
  return reply.dump();
}

std::string L402Service::authorize(std::string_view requestJson) {
  AuthorizeRequest request = readAuthorizeRequest(requestJson);
  if (!config_.l402.enabled) return refusal(401, "l402_disabled", "l402 is disabled for this payment method").dump();
  std::string service = serviceOf(std::move(request.service), config_.l402);
  int64_t now = request.now.value_or(nowSeconds());

  auto rootKeys = [this](const l402::Identifier& id) { return rootKeys_.forChecking(id); };
  CredentialCheck check = checkCredential(request.authorization, rootKeys, service, request.path, now);
  if (!check.ok) {
    host_.count("l402_refused");
    return refusal(check.status, check.code, check.message).dump();
  }

  // A preimage alone is not proof of payment (hold invoices): the node must say SETTLED.
  auto paid = settled_.find(check.paymentHash);
  if (!paid) {
    auto status = backend_.lookupInvoice(check.paymentHash);
    if (!status) throw std::runtime_error(status.error());
    if (status->state == InvoiceState::Canceled)
      return refusal(401, "l402_invoice_canceled", "l402: the invoice was canceled").dump();
    if (status->state != InvoiceState::Settled)
      return refusal(402, "l402_not_settled", "l402: the invoice is not paid yet").dump();
    // No record of the invoice to take its amount from: the node must say what arrived.
    if (status->amountPaidMsat == 0) throw std::runtime_error(std::string(backend_.name()) + ": settled amount unknown");
    paid = settled_.record(check.paymentHash, status->amountPaidMsat);
  }
  // Hex, digits and a fixed word: nothing to escape, so no JSON tree either.
  std::string ok = "{\"ok\":true,\"payment_hash\":\"" + check.paymentHash + "\",\"amount_msat\":" + std::to_string(*paid) +
                   ",\"expires_at\":" + (check.validUntil ? std::to_string(*check.validUntil) : std::string("null")) +
                   ",\"reuse\":\"" + std::string(reuseName(config_.l402.reuse)) + "\"}";
  return ok;
}

}  // namespace turnpike::payments::lightning
