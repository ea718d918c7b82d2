// A payment plugin (.so) loaded through the gateway's real loader and driven through its
// tp_payment_vtable, one instance per PaymentPlugin, with a TestHost behind it.
#pragma once

#include <turnpike/plugin_abi.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "test_host.hpp"

namespace turnpike::payment_test {

using nlohmann::json;

// A hook's answer: the JSON it returned, or its error message.
struct HookReply {
  bool ok = false;
  json body;
  std::string error;
};

class PaymentPlugin {
 public:
  // The descriptor of the plugin file at `path` (loaded once, checked as a payment plugin).
  static const tp_plugin_descriptor* descriptor(const std::string& path, const std::string& name);

  // Throws std::runtime_error with the plugin's create error.
  PaymentPlugin(const std::string& path, const std::string& name, TestHost& host, const json& config);
  ~PaymentPlugin();
  PaymentPlugin(const PaymentPlugin&) = delete;
  PaymentPlugin& operator=(const PaymentPlugin&) = delete;

  // The create error for `config`, or "" when it was accepted.
  static std::string createError(const std::string& path, const std::string& name, const json& config);

  json describe();
  json routes();
  HookReply http(const json& request);
  HookReply topupCreate(const json& topup);
  HookReply topupCheck(const json& topup);
  HookReply challenge(const json& request);
  HookReply authorize(const json& request);
  HookReply authorizeText(const std::string& request);  // the request JSON exactly as given
  void tick();

  TestHost& host() { return host_; }

 private:
  const tp_plugin_descriptor* descriptor_;
  const tp_payment_vtable* vtable_;
  TestHost& host_;
  void* instance_ = nullptr;
};

// Milliseconds since the epoch.
int64_t epochMs();

// Calls tick() every 50 ms until `done` holds or `timeoutMs` passes; returns whether it held.
template <class Pred>
bool tickUntil(PaymentPlugin& plugin, Pred done, int timeoutMs = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (true) {
    plugin.tick();
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Waits (without ticking) until `done` holds or `timeoutMs` passes.
template <class Pred>
bool waitUntil(Pred done, int timeoutMs = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace turnpike::payment_test
