// A configured enrichment entry: one instance of an enrichment plugin, seen through C++ (see
// tp_enrichment_vtable). Calls block (worker threads); failures throw std::runtime_error with
// the plugin's message, secrets redacted.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plugins/instance.hpp"

namespace turnpike::plugins {

class EnrichmentSource {
 public:
  EnrichmentSource(const LoadedPlugin& plugin, std::string name, const nlohmann::json& config,
                   std::vector<std::string> secrets)
      : instance_(plugin, std::move(name), config, std::move(secrets)),
        vtable_(static_cast<const tp_enrichment_vtable*>(plugin.descriptor->vtable)) {}

  const std::string& name() const { return instance_.name(); }
  const LoadedPlugin& plugin() const { return instance_.plugin(); }

  // [{"name", "route", "method", "price", "description", "parameters"}]
  nlohmann::json endpoints() const { return instance_.callJson(vtable_->on_endpoints, "endpoints"); }
  // {"endpoint", "params", "request_id"} -> {"status", "content_type", "body"}
  nlohmann::json call(const nlohmann::json& request) const { return instance_.callJson(vtable_->on_call, request, "call"); }

 private:
  Instance instance_;
  const tp_enrichment_vtable* vtable_;
};

}  // namespace turnpike::plugins
