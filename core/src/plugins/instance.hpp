// One created instance of a loaded plugin, whatever its kind: the host handle it is known by in
// callbacks, its secrets (redacted from every message that leaves it), and its lifetime. The
// kind wrappers (Provider, PaymentMethod, ToolPlugin, EnrichmentSource) build on it.
#pragma once

#include <turnpike/plugin_abi.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/host_api.hpp"
#include "plugins/loader.hpp"

namespace turnpike::plugins {

class Instance {
 public:
  // Creates the instance from its config; throws std::runtime_error with the plugin's message.
  // `payments` (may be null) serves a payment plugin's state and reports; it must outlive this.
  Instance(const LoadedPlugin& plugin, std::string name, const nlohmann::json& config,
           std::vector<std::string> secrets, PaymentHost* payments = nullptr);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  const std::string& name() const { return host_.instance; }
  const LoadedPlugin& plugin() const { return plugin_; }
  void* handle() const { return instance_; }
  std::string redact(std::string_view text) const { return plugins::redact(text, host_.secrets); }

  // Runs a JSON hook (`input` null: a hook that takes none) and parses its reply. Throws
  // std::runtime_error "<what>: <the plugin's message>" when the hook is missing or fails, or
  // its reply is not JSON.
  using InputHook = int (*)(void*, tp_str, tp_buffer*, tp_error*);
  using ListHook = int (*)(void*, tp_buffer*, tp_error*);
  nlohmann::json callJson(InputHook hook, const nlohmann::json& input, const char* what) const;
  nlohmann::json callJson(ListHook hook, const char* what) const;

 private:
  const LoadedPlugin& plugin_;
  tp_host_plugin host_;
  void* instance_ = nullptr;
};

}  // namespace turnpike::plugins
