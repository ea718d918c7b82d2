// YAML file -> Config. Every problem is collected with file, line and key; any problem makes
// loading throw ConfigError. Plugin-specific keys are checked later against each plugin's own
// schema (plugin_schema.hpp), once the plugin is loaded.
#pragma once

#include <string>

#include "config/config.hpp"
#include "config/env_subst.hpp"

namespace turnpike::config {

Config loadConfigFile(const std::string& path, const EnvLookup& env = processEnv);
Config parseConfigText(const std::string& text, const std::string& fileName, const EnvLookup& env = processEnv);

// Keys of a provider entry that the core reads; all others belong to the plugin.
const std::set<std::string>& providerCoreKeys();
// Likewise for payment method entries.
const std::set<std::string>& paymentCoreKeys();

}  // namespace turnpike::config
