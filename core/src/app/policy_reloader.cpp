#include "app/policy_reloader.hpp"

#include <Poco/Logger.h>
#include <sys/stat.h>

#include "config/diagnostics.hpp"

namespace turnpike::app {

namespace {

Poco::Logger& log() { return Poco::Logger::get("policy"); }

timespec modified(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return {};
  return st.st_mtim;
}

bool sameTime(const timespec& a, const timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

// Which configuration key a load error belongs to: the script it names.
bool blamesPricing(const config::Config& config, const std::string& error) {
  if (error.find(config.routing.script) != std::string::npos) return false;
  return error.find(config.pricing.script) != std::string::npos || error.find("price()") != std::string::npos;
}

}  // namespace

policy::PolicyOptions policyOptions(const config::Config& config) {
  policy::PolicyOptions options;
  options.routingScript = config.routing.script;
  options.pricingScript = config.pricing.script;
  options.limits.callTimeout = std::chrono::milliseconds(config.routing.scriptTimeoutMs);
  options.limits.memoryBytes = size_t{config.routing.scriptMemoryMb} * 1024 * 1024;
  return options;
}

bool PolicyReloader::Stamp::operator==(const Stamp& o) const {
  return sameTime(routing, o.routing) && sameTime(pricing, o.pricing);
}

PolicyReloader::PolicyReloader(const config::Config& config, metrics::Registry& registry)
    : config_(config),
      engine_(policyOptions(config)),
      reloads_(registry.counter("turnpike_policy_reloads_total", "Policy script reloads by result (ok, refused)",
                                {"result"})) {
  registry.gaugeCallback("turnpike_policy_generation", "Generation of the routing and pricing scripts serving",
                         [this] { return static_cast<double>(engine_.generation()); });
  loaded_ = stamp();
  auto result = engine_.reload();
  if (!result.ok) {
    config::Diagnostics d(config.file);
    bool pricing = blamesPricing(config, result.error);
    d.error(pricing ? config.pricing.where.line : config.routing.where.line, pricing ? "pricing.script" : "routing.script",
            result.error);
    throw config::ConfigError(d);
  }
}

PolicyReloader::~PolicyReloader() { stopWatching(); }

PolicyReloader::Stamp PolicyReloader::stamp() const {
  return Stamp{modified(config_.routing.script), modified(config_.pricing.script)};
}

policy::ReloadResult PolicyReloader::reload(std::string_view trigger) {
  std::lock_guard lock(mutex_);
  loaded_ = stamp();
  auto result = engine_.reload();
  reloads_.with({result.ok ? "ok" : "refused"}).add();
  if (result.ok) {
    log().notice("policy scripts reloaded (" + std::string(trigger) + "): generation " + std::to_string(result.generation));
  } else {
    log().error("policy reload (" + std::string(trigger) + ") refused, generation " + std::to_string(result.generation) +
                " keeps serving: " + result.error);
  }
  return result;
}

void PolicyReloader::poll() {
  {
    std::lock_guard lock(mutex_);
    if (stamp() == loaded_) return;
  }
  reload("file change");
}

void PolicyReloader::watch(std::chrono::milliseconds period) {
  watcher_ = std::make_unique<util::PeriodicTask>(period, [this] { poll(); }, "tp-policy-watch");
}

}  // namespace turnpike::app
