// The routing and pricing scripts of a running gateway: loaded at start (a script that does not
// load is a configuration error), reloaded on SIGHUP, POST /admin/reload and — with
// routing.watch — when either file changes. A reload that fails keeps the old scripts serving;
// every outcome is logged and counted (turnpike_policy_reloads_total{result}).
#pragma once

#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "metrics/registry.hpp"
#include "policy/policy_engine.hpp"
#include "util/periodic_task.hpp"

namespace turnpike::app {

class PolicyReloader {
 public:
  // Throws config::ConfigError naming routing.script or pricing.script when the scripts do not load.
  PolicyReloader(const config::Config& config, metrics::Registry& registry);
  ~PolicyReloader();

  policy::PolicyEngine& engine() { return engine_; }
  // `trigger` says why, for the log: "SIGHUP", "admin", "file change".
  policy::ReloadResult reload(std::string_view trigger);
  // Polls both files' modification times every `period` (routing.watch).
  void watch(std::chrono::milliseconds period = std::chrono::milliseconds(1000));
  void stopWatching() { watcher_.reset(); }

 private:
  struct Stamp {
    timespec routing{};
    timespec pricing{};
    bool operator==(const Stamp& o) const;
  };
  Stamp stamp() const;
  void poll();

  const config::Config& config_;
  policy::PolicyEngine engine_;
  metrics::Family<metrics::Counter>& reloads_;
  std::mutex mutex_;  // serializes reload() with the watcher's view of the files
  Stamp loaded_;
  std::unique_ptr<util::PeriodicTask> watcher_;
};

// The engine's options from the configuration (script paths, limits).
policy::PolicyOptions policyOptions(const config::Config& config);

}  // namespace turnpike::app
