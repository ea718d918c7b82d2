#include "plugins/payment_method.hpp"

#include <stdexcept>

namespace turnpike::plugins {

using nlohmann::json;

PaymentMethod::PaymentMethod(const LoadedPlugin& plugin, std::string name, const json& config,
                             std::vector<std::string> secrets, PaymentHost& host)
    : plugin_(plugin), vtable_(static_cast<const tp_payment_vtable*>(plugin.descriptor->vtable)) {
  host_.instance = std::move(name);
  host_.plugin = plugin.name;
  host_.secrets = std::move(secrets);
  host_.payments = &host;
  std::string text = config.dump();
  tp_error error{};
  instance_ = plugin.descriptor->on_create(hostApi(), &host_, {text.data(), text.size()}, &error);
  if (instance_ == nullptr)
    throw std::runtime_error(error.message[0] != '\0' ? redact(error.message, host_.secrets)
                                                      : "the plugin refused its configuration");
}

PaymentMethod::~PaymentMethod() {
  host_.stopping = true;
  if (instance_ != nullptr) plugin_.descriptor->on_destroy(instance_);
}

json PaymentMethod::call(Hook hook, const json& input, const char* what) {
  if (hook == nullptr) throw std::runtime_error(std::string("payment method '") + name() + "' has no " + what);
  std::string text = input.dump();
  tp_buffer out;
  tp_error error{};
  if (hook(instance_, {text.data(), text.size()}, &out, &error) != 0)
    throw std::runtime_error(std::string(what) + ": " + redact(error.message, host_.secrets));
  json reply = json::parse(out.data, nullptr, false);
  if (reply.is_discarded()) throw std::runtime_error(std::string(what) + ": the plugin returned malformed JSON");
  return reply;
}

json PaymentMethod::describe() {
  tp_buffer out;
  tp_error error{};
  if (vtable_->on_describe == nullptr || vtable_->on_describe(instance_, &out, &error) != 0)
    throw std::runtime_error("describe: " + redact(error.message, host_.secrets));
  json reply = json::parse(out.data, nullptr, false);
  if (!reply.is_object()) throw std::runtime_error("describe: the plugin returned malformed JSON");
  return reply;
}

json PaymentMethod::routes() {
  if (vtable_->on_routes == nullptr) return json::array();
  tp_buffer out;
  tp_error error{};
  if (vtable_->on_routes(instance_, &out, &error) != 0)
    throw std::runtime_error("routes: " + redact(error.message, host_.secrets));
  json reply = json::parse(out.data, nullptr, false);
  if (!reply.is_array()) throw std::runtime_error("routes: the plugin returned malformed JSON");
  return reply;
}

json PaymentMethod::http(const json& request) { return call(vtable_->on_http, request, "http"); }
json PaymentMethod::topupCreate(const json& topup) { return call(vtable_->on_topup_create, topup, "topup_create"); }
json PaymentMethod::challenge(const json& request) { return call(vtable_->on_challenge, request, "challenge"); }
json PaymentMethod::authorize(const json& request) { return call(vtable_->on_authorize, request, "authorize"); }

void PaymentMethod::topupCheck(const json& topup) {
  if (vtable_->on_topup_check == nullptr) return;
  std::string text = topup.dump();
  tp_error error{};
  if (vtable_->on_topup_check(instance_, {text.data(), text.size()}, &error) != 0)
    throw std::runtime_error("topup_check: " + redact(error.message, host_.secrets));
}

void PaymentMethod::tick() {
  if (vtable_->on_tick != nullptr) vtable_->on_tick(instance_);
}

}  // namespace turnpike::plugins
