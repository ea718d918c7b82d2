#include "lightning/dev_pay_route.hpp"

#include <nlohmann/json.hpp>

namespace turnpike::payments::lightning {

using nlohmann::json;

namespace {

std::string respond(int status, const json& body) {
  return json{{"status", status}, {"headers", {{"content-type", "application/json"}}}, {"body", body.dump()}}.dump();
}

std::string error(int status, std::string_view code, std::string_view message) {
  return respond(status, json{{"error", {{"message", message}, {"type", "invalid_request_error"}, {"code", code}}}});
}

}  // namespace

std::string devPayRoutes() {
  return json::array({json{{"method", "POST"}, {"path", kDevPayPath}, {"loopback_only", true}}}).dump();
}

std::string handleDevPay(DevBackend& dev, InvoiceWatcher& watcher, std::string_view requestJson) {
  json request = json::parse(requestJson, nullptr, false);
  if (!request.is_object()) throw std::invalid_argument("dev pay: the host request is not a JSON object");
  if (request.value("path", "") != kDevPayPath) return error(404, "not_found", "no such route");
  if (request.value("method", "") != "POST") return error(405, "method_not_allowed", "use POST");
  // The host routes only direct loopback clients here (no proxy spoke for them); refuse anything
  // else in case it did not.
  auto loopback = request.find("loopback");
  if (loopback == request.end() || !loopback->is_boolean() || !loopback->get<bool>())
    return error(403, "loopback_only", "the dev wallet answers on loopback only");

  const std::string body = request.value("body", "");
  json payload = json::parse(body, nullptr, false);
  if (!payload.is_object() || !payload.contains("invoice") || !payload["invoice"].is_string())
    return error(400, "invalid_request", "expected {\"invoice\": \"<bolt11>\"}");
  bool allowExpired = payload.contains("allow_expired") && payload["allow_expired"].is_boolean() &&
                      payload["allow_expired"].get<bool>();

  auto paid = dev.pay(payload["invoice"].get<std::string>(), allowExpired);
  if (!paid) return error(400, "invalid_invoice", paid.error());
  switch (paid->outcome) {
    case DevBackend::PayOutcome::NotOurs:
      return error(404, "unknown_invoice", "this invoice was not issued by the dev node");
    case DevBackend::PayOutcome::Expired:
      return error(410, "invoice_expired", "the invoice has expired (allow_expired simulates a late payment)");
    case DevBackend::PayOutcome::Paid:
    case DevBackend::PayOutcome::AlreadyPaid:
      break;
  }
  // The watcher reports it at its next tick, as it would after polling a real node.
  watcher.wake(paid->paymentHash);
  return respond(200, json{{"preimage", paid->preimage},
                           {"payment_hash", paid->paymentHash},
                           {"amount_msat", paid->amountMsat},
                           {"already_paid", paid->outcome == DevBackend::PayOutcome::AlreadyPaid}});
}

}  // namespace turnpike::payments::lightning
