#include "plugins/payment_method.hpp"

#include <stdexcept>

namespace turnpike::plugins {

using nlohmann::json;

PaymentMethod::PaymentMethod(const LoadedPlugin& plugin, std::string name, const json& config,
                             std::vector<std::string> secrets, PaymentHost& host)
    : instance_(plugin, std::move(name), config, std::move(secrets), &host),
      vtable_(static_cast<const tp_payment_vtable*>(plugin.descriptor->vtable)) {}

json PaymentMethod::describe() {
  json reply = instance_.callJson(vtable_->on_describe, "describe");
  if (!reply.is_object()) throw std::runtime_error("describe: the plugin returned malformed JSON");
  return reply;
}

json PaymentMethod::routes() {
  if (vtable_->on_routes == nullptr) return json::array();
  json reply = instance_.callJson(vtable_->on_routes, "routes");
  if (!reply.is_array()) throw std::runtime_error("routes: the plugin returned malformed JSON");
  return reply;
}

json PaymentMethod::http(const json& request) { return instance_.callJson(vtable_->on_http, request, "http"); }
json PaymentMethod::topupCreate(const json& topup) {
  return instance_.callJson(vtable_->on_topup_create, topup, "topup_create");
}
json PaymentMethod::challenge(const json& request) {
  return instance_.callJson(vtable_->on_challenge, request, "challenge");
}
json PaymentMethod::authorize(const json& request) {
  return instance_.callJson(vtable_->on_authorize, request, "authorize");
}

void PaymentMethod::topupCheck(const json& topup) {
  if (vtable_->on_topup_check == nullptr) return;
  std::string text = topup.dump();
  tp_error error{};
  if (vtable_->on_topup_check(instance_.handle(), {text.data(), text.size()}, &error) != 0)
    throw std::runtime_error("topup_check: " + instance_.redact(error.message));
}

void PaymentMethod::tick() {
  if (vtable_->on_tick != nullptr) vtable_->on_tick(instance_.handle());
}

}  // namespace turnpike::plugins
