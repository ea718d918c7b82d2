// A plugin's declared config keys (tp_plugin_descriptor::config_schema) and the check of a
// YAML section against them, so plugin keys get the same file:line:key errors as core keys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"

namespace turnpike::config {

struct PluginKey {
  std::string type;  // string, integer, number, boolean, object, array
  bool required = false;
  bool secret = false;
  std::string doc;
  nlohmann::json defaultValue;  // null when none
};

struct PluginSchema {
  std::map<std::string, PluginKey> keys;

  // Throws std::invalid_argument when the schema text itself is malformed (a plugin bug).
  static PluginSchema parse(std::string_view json);
};

struct PluginSection {
  nlohmann::json config;             // the plugin's keys, typed, with defaults filled in
  std::vector<std::string> secrets;  // non-empty values of secret keys
};

// Checks the keys of `section` that are not in `coreKeys` against `schema`.
PluginSection validatePluginSection(const YAML::Node& section, const std::set<std::string>& coreKeys,
                                    const PluginSchema& schema, const std::string& path, Diagnostics& diagnostics);

}  // namespace turnpike::config
