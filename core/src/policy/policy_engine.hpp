// The Lua policy engine: routing and pricing scripts that can be replaced while the gateway runs.
//
//   PolicyEngine engine({.routingScript = config.routing.script, .pricingScript = config.pricing.script});
//   if (auto r = engine.reload(); !r.ok) fail(r.error);       // at start: refuse to run without scripts
//   ...
//   auto route = engine.route(request, {providersSnapshot});  // any thread, no lock
//   if (!route.ok()) metrics.count(route.error.kind);         // logged once per generation by the engine
//   switch (route.decision) { Default: config order; Route: target then fallbacks; Deny: error reply }
//   ...
//   auto price = engine.price(usage, priceContext);
//   int64_t amount = price.ok() ? price.amount : billing::costOf(...);
//   ...
//   auto r = engine.reload();  // on SIGHUP / admin call: old scripts keep serving if r.ok is false
//
// A *generation* is a pair of script sources that passed the probe (probe.hpp). reload() publishes
// a new generation atomically; each thread owns a lua_State and rebuilds it, on its next call,
// when it sees a newer generation (or after a call hit the deadline or the memory cap). Calls
// never block on a reload and never see a half-loaded generation.
//
// Failures are values (RouteOutcome/PriceOutcome::error), never exceptions: the caller uses the
// configured default and counts error.kind. The engine logs the first failure of each kind per
// generation and function to the "policy" logger, not every one.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "policy/policy_limits.hpp"
#include "policy/price_types.hpp"
#include "policy/route_types.hpp"
#include "policy/script_source.hpp"

namespace turnpike::policy {

struct PolicyOptions {
  std::string routingScript = "scripts/routing.lua";  // config key routing.script
  std::string pricingScript = "scripts/pricing.lua";  // config key pricing.script
  PolicyLimits limits;
};

struct ReloadResult {
  bool ok = false;
  uint64_t generation = 0;  // serving after the call: the new one when ok, else the old one (0: none)
  std::string error;        // why the scripts were refused, with file:line when Lua gives one
};

class PolicyEngine {
 public:
  explicit PolicyEngine(PolicyOptions options = {});
  ~PolicyEngine();
  PolicyEngine(const PolicyEngine&) = delete;
  PolicyEngine& operator=(const PolicyEngine&) = delete;

  // Reads options().routingScript and pricingScript and publishes them if they pass the probe.
  ReloadResult reload();
  // The same with sources from memory (tests, an admin upload); the names appear in messages.
  ReloadResult reload(ScriptSource routing, ScriptSource pricing);

  // Thread-safe. Until a first successful reload: decision Default, error NotLoaded.
  RouteOutcome route(const RouteRequest& request, const RouteContext& context);
  PriceOutcome price(const PriceUsage& usage, const PriceContext& context);

  uint64_t generation() const { return published_.load(std::memory_order_acquire); }
  const PolicyOptions& options() const { return options_; }

 private:
  struct Generation;
  struct ThreadState;
  enum class Function { Route, Price };

  ThreadState& stateFor(ThreadState& temporary);
  PolicyError refresh(ThreadState& state, Function function);
  void noteFailure(const Generation& generation, Function function, const PolicyError& error);

  const PolicyOptions options_;
  std::mutex reloadMutex_;  // serializes reloads only; calls never take it
  uint64_t lastGeneration_ = 0;
  std::atomic<std::shared_ptr<const Generation>> current_;
  std::atomic<uint64_t> published_{0};  // current_'s number, read first so calls skip the shared_ptr
  std::unique_ptr<ThreadState[]> states_;  // indexed by currentThreadSlot()
};

}  // namespace turnpike::policy
