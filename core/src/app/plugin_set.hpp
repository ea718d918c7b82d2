// The plugins a configuration names, loaded and instantiated: each provider section checked
// against its plugin's schema, then created. Problems become config diagnostics with the
// provider's file, line and key.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "plugins/loader.hpp"
#include "plugins/provider.hpp"

namespace turnpike::app {

class PluginSet {
 public:
  // Fills in each provider's pluginConfig/secrets; throws config::ConfigError.
  PluginSet(config::Config& config, const std::string& defaultDir);

  plugins::Loader& loader() { return loader_; }
  // Same order as config.providers.
  const std::vector<std::unique_ptr<plugins::Provider>>& providers() const { return providers_; }

 private:
  plugins::Loader loader_;
  std::vector<std::unique_ptr<plugins::Provider>> providers_;
};

// <directory of the running binary>/plugins
std::string defaultPluginDir();

}  // namespace turnpike::app
