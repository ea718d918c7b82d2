// A configured payment method: one instance of a payment plugin, seen through C++. Hooks take
// and give JSON (see tp_payment_vtable); failures throw std::runtime_error with the plugin's
// message, secrets redacted.
#pragma once

#include <turnpike/plugin_abi.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plugins/host_api.hpp"
#include "plugins/instance.hpp"
#include "plugins/loader.hpp"

namespace turnpike::plugins {

class PaymentMethod {
 public:
  // `host` serves the instance's state and payment reports; it must outlive the instance.
  PaymentMethod(const LoadedPlugin& plugin, std::string name, const nlohmann::json& config,
                std::vector<std::string> secrets, PaymentHost& host);

  const std::string& name() const { return instance_.name(); }
  const LoadedPlugin& plugin() const { return instance_.plugin(); }
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
  Instance instance_;
  const tp_payment_vtable* vtable_;
};

}  // namespace turnpike::plugins
