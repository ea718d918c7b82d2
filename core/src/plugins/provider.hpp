// A configured provider: one instance of a provider plugin, seen through C++. Converts the C
// hooks into calls with RAII and error strings, and redacts the provider's secrets from any
// message that leaves it.
#pragma once

#include <turnpike/plugin_abi.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "net/upstream_client.hpp"
#include "plugins/host_api.hpp"
#include "plugins/instance.hpp"
#include "plugins/loader.hpp"

namespace turnpike::plugins {

class Provider {
 public:
  // Creates the instance; throws std::runtime_error with the plugin's message on failure.
  Provider(const LoadedPlugin& plugin, std::string name, const nlohmann::json& config, std::vector<std::string> secrets);

  const std::string& name() const { return instance_.name(); }
  const LoadedPlugin& plugin() const { return instance_.plugin(); }

  // Discovery (blocking). Throws with the plugin's message.
  std::vector<DiscoveredModel> listModels();
  bool canListModels() const { return vtable_->on_list_models != nullptr; }

  // TP_DIALECT_* bits the provider speaks natively (OpenAI chat for plugins that predate them).
  uint32_t dialects() const;
  bool countsTokens() const;

  // TP_DISPATCH_HTTP / TP_DISPATCH_LOCAL, or -1 with `error` set.
  int buildRequest(const tp_provider_call& call, net::UpstreamRequest& out, std::string& error);
  bool respondLocal(const tp_provider_call& call, EmitSink& sink, std::string& error);

  // Per-call response translator state.
  class Stream {
   public:
    Stream() = default;
    Stream(Provider* provider, void* state) : provider_(provider), state_(state) {}
    Stream(Stream&& o) noexcept : provider_(o.provider_), state_(o.state_) { o.provider_ = nullptr; }
    Stream& operator=(Stream&& o) noexcept;
    ~Stream() { close(); }
    // Returns false when the plugin failed (it has emitted an error).
    bool feed(int status, std::string_view bytes, bool end, EmitSink& sink);
    void close();

   private:
    Provider* provider_ = nullptr;
    void* state_ = nullptr;
  };
  Stream openStream(const tp_provider_call& call);

  std::string redact(std::string_view text) const { return instance_.redact(text); }

 private:
  Instance instance_;
  const tp_provider_vtable* vtable_;
};

}  // namespace turnpike::plugins
