#include "app/plugin_set.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <Poco/Logger.h>

#include <filesystem>
#include <map>
#include <string>

#include "config/config_loader.hpp"
#include "config/plugin_schema.hpp"
#include "plugins/payment_method.hpp"

namespace turnpike::app {

std::string defaultPluginDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "plugins";
  return (exe.parent_path() / "plugins").string();
}

namespace {

// Loads `plugin` as a `kind` plugin and checks `section` against its schema. Returns the
// plugin, or null after reporting to `d`.
const plugins::LoadedPlugin* loadChecked(plugins::Loader& loader, const std::string& pluginName, tp_plugin_kind kind,
                                         const YAML::Node& sectionNode, const std::set<std::string>& coreKeys,
                                         const std::string& path, config::Diagnostics& d,
                                         config::PluginSection& section) {
  const YAML::Node& node = sectionNode;  // const: lookups must not insert keys
  const plugins::LoadedPlugin* plugin = nullptr;
  try {
    plugin = &loader.load(pluginName, kind);
  } catch (const plugins::LoadError& e) {
    d.error(node["plugin"], path + ".plugin", e.what());
    return nullptr;
  }
  config::PluginSchema schema;
  try {
    schema = config::PluginSchema::parse(plugin->descriptor->config_schema ? plugin->descriptor->config_schema : "");
  } catch (const std::exception& e) {
    d.error(node["plugin"], path + ".plugin", "plugin '" + pluginName + "' has a malformed config schema: " + e.what());
    return nullptr;
  }
  size_t before = d.list().size();
  section = config::validatePluginSection(node, coreKeys, schema, path, d);
  return d.list().size() == before ? plugin : nullptr;
}

// Whether only this host can connect to `host` (a literal loopback address or "localhost").
bool loopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// Loopback-only routes stand in for a wallet (the dev Lightning backend pays its own invoices):
// they hand out paid service for nothing. A gateway that listens beyond loopback is a deployment,
// not a developer's machine, so it does not start with them; beside a real provider they are
// only ever a mistake, so they are announced loudly.
void checkDevelopmentRoutes(const config::Config& config, const std::string& method, const std::string& route,
                            config::Diagnostics& d) {
  if (!loopbackHost(config.server.host))
    d.error(config.server.listenWhere.line, "server.listen",
            "payment method '" + method + "' serves " + route +
                ", a development wallet that pays its own invoices (loopback only); it cannot run on a gateway "
                "listening on " + config.server.host + ": listen on 127.0.0.1 or ::1, or configure a real backend");
  for (const auto& provider : config.providers) {
    if (provider.plugin == "mock") continue;
    Poco::Logger::get("payments")
        .warning("DEVELOPMENT WALLET ENABLED: payment method '" + method + "' serves " + route +
                 ", which marks its own invoices paid for free, beside provider '" + provider.name + "' (plugin " +
                 provider.plugin + "). Any client that reaches it over loopback without a proxy header (a local "
                 "user, a TCP tunnel, a proxy that adds no X-Forwarded-For) is served for nothing: use a real "
                 "Lightning backend (lnbits, lnd, cln) with real providers.");
    break;
  }
}

}  // namespace

PluginSet::PluginSet(config::Config& config, const std::string& defaultDir, const PaymentHostFor& paymentHostFor)
    : loader_(config.plugins.dir.empty() ? defaultDir : config.plugins.dir) {
  config::Diagnostics d(config.file);
  for (size_t i = 0; i < config.providers.size(); ++i) {
    auto& p = config.providers[i];
    std::string path = "providers[" + std::to_string(i) + "]";
    config::PluginSection section;
    const auto* plugin =
        loadChecked(loader_, p.plugin, TP_KIND_PROVIDER, p.section, config::providerCoreKeys(), path, d, section);
    if (plugin == nullptr) continue;
    p.pluginConfig = std::move(section.config);
    p.secrets = std::move(section.secrets);
    try {
      providers_.push_back(std::make_unique<plugins::Provider>(*plugin, p.name, p.pluginConfig, p.secrets));
    } catch (const std::exception& e) {
      d.error(p.section, path, "provider '" + p.name + "' (plugin " + p.plugin + "): " + e.what());
    }
  }
  std::map<std::string, std::string> routeOwners;  // "METHOD /path" -> payment method name
  for (size_t i = 0; i < config.payments.size(); ++i) {
    auto& p = config.payments[i];
    std::string path = "payments[" + std::to_string(i) + "]";
    config::PluginSection section;
    const auto* plugin =
        loadChecked(loader_, p.plugin, TP_KIND_PAYMENT, p.section, config::paymentCoreKeys(), path, d, section);
    if (plugin == nullptr) continue;
    p.pluginConfig = std::move(section.config);
    p.secrets = std::move(section.secrets);
    try {
      payments_.push_back(
          std::make_unique<plugins::PaymentMethod>(*plugin, p.name, p.pluginConfig, p.secrets, paymentHostFor(p.name)));
    } catch (const std::exception& e) {
      d.error(p.section, path, "payment method '" + p.name + "' (plugin " + p.plugin + "): " + e.what());
      continue;
    }
    // Two methods serving one path (two stripe entries: one webhook URL) would leave the second
    // one unreachable without a word.
    for (const auto& route : payments_.back()->routes()) {
      if (!route.is_object() || !route.contains("method") || !route.contains("path")) continue;
      std::string key = route["method"].get<std::string>() + " " + route["path"].get<std::string>();
      auto [it, added] = routeOwners.emplace(key, p.name);
      if (!added)
        d.error(p.section, path, "payment methods '" + it->second + "' and '" + p.name + "' both serve " + key +
                                     "; configure one entry per plugin that takes callbacks");
      if (route.value("loopback_only", false)) checkDevelopmentRoutes(config, p.name, key, d);
    }
  }
  if (!d.ok()) throw config::ConfigError(d);
}

}  // namespace turnpike::app
