// The host side of the plugin ABI: the tp_host_api table and the concrete types behind the
// opaque handles it passes to plugins.
#pragma once

#include <turnpike/plugin_abi.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/upstream_client.hpp"

namespace turnpike::metrics {
class Registry;
}

namespace turnpike::plugins {

// A provider's error. `code` empty and `type` set: a plugin of the first ABI shape, whose one
// string is the code.
struct EmittedError {
  int status = 502;
  std::string_view type;
  std::string_view code;
  std::string_view param;
  std::string_view message;
};

// Receives a provider's normalized output.
class EmitSink {
 public:
  virtual ~EmitSink() = default;
  virtual void onChunk(std::string_view json, uint32_t flags) = 0;
  virtual void onUsage(const tp_usage& usage) = 0;
  virtual void onError(const EmittedError& error) = 0;
};

// What the host provides a payment plugin instance: its durable state and the top-up ledger.
// Failures throw; expected outcomes are return values.
class PaymentHost {
 public:
  virtual ~PaymentHost() = default;
  virtual std::optional<std::string> stateGet(std::string_view key) = 0;
  virtual void statePut(std::string_view key, std::string_view value) = 0;
  virtual bool stateInsert(std::string_view key, std::string_view value) = 0;  // false: existed
  virtual void stateDelete(std::string_view key) = 0;
  virtual void stateScan(std::string_view prefix,
                         const std::function<bool(const std::string&, const std::string&)>& visit) = 0;
  virtual bool paymentReceived(std::string_view eventJson) = 0;  // false: reported before
};

struct DiscoveredModel {
  std::string id;
  std::string ownedBy;
  uint64_t contextLength = 0;
};

// Replaces every occurrence of each secret in `text` with "[redacted]".
std::string redact(std::string_view text, const std::vector<std::string>& secrets);

// The table handed to every plugin. `metrics` receives callback_counter_add (may be null).
const tp_host_api* hostApi();
void setHostMetrics(metrics::Registry* registry);

}  // namespace turnpike::plugins

// Concrete handle types (global namespace: they complete the C declarations).
struct tp_host_plugin {
  std::string instance;  // configured name, e.g. the provider name
  std::string plugin;    // plugin name
  std::vector<std::string> secrets;
  turnpike::plugins::PaymentHost* payments = nullptr;  // payment plugins only
  // Set before the instance is destroyed: its blocking HTTP calls in flight return at once
  // (within a second) and new ones fail, so a plugin thread waiting on a quiet stream (an LND
  // invoice subscription) lets the destroy finish instead of holding it for the stream's window.
  std::atomic<bool> stopping{false};
};

struct tp_buffer {
  std::string data;
};

struct tp_upstream_request {
  turnpike::net::UpstreamRequest* request;
};

struct tp_emitter {
  turnpike::plugins::EmitSink* sink;
};

struct tp_model_sink {
  std::vector<turnpike::plugins::DiscoveredModel>* models;
};
