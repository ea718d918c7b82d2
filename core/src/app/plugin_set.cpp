#include "app/plugin_set.hpp"

#include <unistd.h>

#include <filesystem>

#include "config/config_loader.hpp"
#include "config/plugin_schema.hpp"

namespace turnpike::app {

std::string defaultPluginDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "plugins";
  return (exe.parent_path() / "plugins").string();
}

PluginSet::PluginSet(config::Config& config, const std::string& defaultDir)
    : loader_(config.plugins.dir.empty() ? defaultDir : config.plugins.dir) {
  config::Diagnostics d(config.file);
  for (size_t i = 0; i < config.providers.size(); ++i) {
    auto& p = config.providers[i];
    const YAML::Node& sectionNode = p.section;  // const: lookups must not insert keys
    std::string path = "providers[" + std::to_string(i) + "]";
    const plugins::LoadedPlugin* plugin = nullptr;
    try {
      plugin = &loader_.load(p.plugin, TP_KIND_PROVIDER);
    } catch (const plugins::LoadError& e) {
      d.error(sectionNode["plugin"], path + ".plugin", e.what());
      continue;
    }
    config::PluginSchema schema;
    try {
      schema = config::PluginSchema::parse(plugin->descriptor->config_schema ? plugin->descriptor->config_schema : "");
    } catch (const std::exception& e) {
      d.error(sectionNode["plugin"], path + ".plugin", "plugin '" + p.plugin + "' has a malformed config schema: " + e.what());
      continue;
    }
    size_t before = d.list().size();
    auto section = config::validatePluginSection(p.section, config::providerCoreKeys(), schema, path, d);
    if (d.list().size() != before) continue;
    p.pluginConfig = std::move(section.config);
    p.secrets = std::move(section.secrets);
    try {
      providers_.push_back(std::make_unique<plugins::Provider>(*plugin, p.name, p.pluginConfig, p.secrets));
    } catch (const std::exception& e) {
      d.error(p.section, path, "provider '" + p.name + "' (plugin " + p.plugin + "): " + e.what());
    }
  }
  if (!d.ok()) throw config::ConfigError(d);
}

}  // namespace turnpike::app
