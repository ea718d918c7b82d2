// A configured tool entry: one instance of a tool plugin, seen through C++ (see tp_tool_vtable).
// Calls block (they run on worker threads); failures throw std::runtime_error with the plugin's
// message, secrets redacted.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plugins/instance.hpp"

namespace turnpike::plugins {

class ToolPlugin {
 public:
  ToolPlugin(const LoadedPlugin& plugin, std::string name, const nlohmann::json& config,
             std::vector<std::string> secrets)
      : instance_(plugin, std::move(name), config, std::move(secrets)),
        vtable_(static_cast<const tp_tool_vtable*>(plugin.descriptor->vtable)) {}

  const std::string& name() const { return instance_.name(); }
  const LoadedPlugin& plugin() const { return instance_.plugin(); }

  // {"tools": [...], "backend": "..."}
  nlohmann::json describe() const { return instance_.callJson(vtable_->on_describe, "describe"); }
  // {"tool", "arguments", "request_id"} -> {"content", "results", "cached"}
  nlohmann::json call(const nlohmann::json& request) const { return instance_.callJson(vtable_->on_call, request, "call"); }

 private:
  Instance instance_;
  const tp_tool_vtable* vtable_;
};

}  // namespace turnpike::plugins
