// A configured payment method: one instance of a payment plugin, seen through C++. Hooks take
// and give JSON (see tp_payment_vtable); failures throw std::runtime_error with the plugin's
// message, secrets redacted.
#pragma once

#include <turnpike/plugin_abi.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plugins/host_api.hpp"
#include "plugins/loader.hpp"

namespace turnpike::plugins {

class PaymentMethod {
 public:
  // `host` serves the instance's state and payment reports; it must outlive the instance.
  PaymentMethod(const LoadedPlugin& plugin, std::string name, const nlohmann::json& config,
                std::vector<std::string> secrets, PaymentHost& host);
  ~PaymentMethod();
  PaymentMethod(const PaymentMethod&) = delete;
  PaymentMethod& operator=(const PaymentMethod&) = delete;

  const std::string& name() const { return host_.instance; }
  const LoadedPlugin& plugin() const { return plugin_; }
  uint32_t tickMs() const { return vtable_->tick_ms; }

  nlohmann::json describe();
  nlohmann::json routes();
  nlohmann::json http(const nlohmann::json& request);
  nlohmann::json topupCreate(const nlohmann::json& topup);
  void topupCheck(const nlohmann::json& topup);
  nlohmann::json challenge(const nlohmann::json& request);
  nlohmann::json authorize(const nlohmann::json& request);
  void tick();

 private:
  using Hook = int (*)(void*, tp_str, tp_buffer*, tp_error*);
  nlohmann::json call(Hook hook, const nlohmann::json& input, const char* what);

  const LoadedPlugin& plugin_;
  const tp_payment_vtable* vtable_;
  tp_host_plugin host_;
  void* instance_ = nullptr;
};

}  // namespace turnpike::plugins
