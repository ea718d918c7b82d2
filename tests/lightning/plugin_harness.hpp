// liblightning.so loaded through the gateway's real loader and driven through its
// tp_payment_vtable, one instance per LightningPlugin, with a TestHost behind it.
#pragma once

#include <turnpike/plugin_abi.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "test_host.hpp"

namespace turnpike::lightning_test {

using nlohmann::json;

// A hook's answer: the JSON it returned, or its error message.
struct HookReply {
  bool ok = false;
  json body;
  std::string error;
};

class LightningPlugin {
 public:
  static const tp_plugin_descriptor* descriptor();
  static const tp_payment_vtable* vtable();

  // Throws std::runtime_error with the plugin's create error.
  LightningPlugin(TestHost& host, const json& config);
  ~LightningPlugin();
  LightningPlugin(const LightningPlugin&) = delete;
  LightningPlugin& operator=(const LightningPlugin&) = delete;

  // The create error for `config`, or "" when it was accepted.
  static std::string createError(const json& config);

  json describe();
  json routes();
  HookReply http(const json& request);
  HookReply topupCreate(const json& topup);
  HookReply topupCheck(const json& topup);
  HookReply challenge(const json& request);
  HookReply authorize(const json& request);
  HookReply authorizeText(const std::string& request);  // the request JSON exactly as given
  void tick();

  // POST /dev/lightning/pay through on_http; returns {"status", "body" (parsed)}.
  json devPay(const std::string& invoice, bool allowExpired = false, bool loopback = true);

  TestHost& host() { return host_; }

 private:
  TestHost& host_;
  void* instance_ = nullptr;
};

// A dev-backend config with `extra` merged in.
json devConfig(const json& extra = json::object());

// Milliseconds since the epoch.
int64_t epochMs();

// Calls tick() every 50 ms until `done` holds or `timeoutMs` passes; returns whether it held.
template <class Pred>
bool tickUntil(LightningPlugin& plugin, Pred done, int timeoutMs = 5000) {
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

}  // namespace turnpike::lightning_test
