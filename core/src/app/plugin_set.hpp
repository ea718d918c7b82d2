// The plugins a configuration names, loaded and instantiated: each provider section checked
// against its plugin's schema, then created. Problems become config diagnostics with the
// provider's file, line and key.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "plugins/loader.hpp"
#include "plugins/payment_method.hpp"
#include "plugins/provider.hpp"

namespace turnpike::app {

class PluginSet {
 public:
  // The services a payment method instance gets; must outlive the PluginSet.
  using PaymentHostFor = std::function<plugins::PaymentHost&(const std::string& instance)>;

  // Fills in each provider's and payment method's pluginConfig/secrets; throws
  // config::ConfigError.
  PluginSet(config::Config& config, const std::string& defaultDir, const PaymentHostFor& paymentHostFor);

  plugins::Loader& loader() { return loader_; }
  // Same order as config.providers / config.payments.
  const std::vector<std::unique_ptr<plugins::Provider>>& providers() const { return providers_; }
  const std::vector<std::unique_ptr<plugins::PaymentMethod>>& payments() const { return payments_; }

 private:
  plugins::Loader loader_;
  std::vector<std::unique_ptr<plugins::Provider>> providers_;
  std::vector<std::unique_ptr<plugins::PaymentMethod>> payments_;
};

// <directory of the running binary>/plugins
std::string defaultPluginDir();

}  // namespace turnpike::app
