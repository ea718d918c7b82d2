#include "pipeline/health_tracker.hpp"

#include <Poco/Logger.h>

#include "billing/periods.hpp"

namespace turnpike::pipeline {

namespace {

Poco::Logger& log() { return Poco::Logger::get("routing"); }

// x += (sample - x) / 2^shift, lock-free; a zero x (no sample yet) takes the sample.
void ewma(std::atomic<uint64_t>& value, uint64_t sample, int shift) {
  uint64_t current = value.load(std::memory_order_relaxed);
  uint64_t next;
  do {
    auto c = static_cast<int64_t>(current);
    next = current == 0 ? sample : static_cast<uint64_t>(c + ((static_cast<int64_t>(sample) - c) >> shift));
    if (next == current) return;  // a steady latency: no write to a shared line
  } while (!value.compare_exchange_weak(current, next, std::memory_order_relaxed));
}

}  // namespace

HealthTracker::HealthTracker(const ModelCatalog& catalog, size_t providerCount,
                             const config::CircuitBreakerConfig& options, metrics::Registry& registry)
    : catalog_(catalog),
      options_(options),
      circuits_(std::make_unique<Circuit[]>(providerCount)),
      routes_(std::make_unique<RouteStats[]>(catalog.routeCount())),
      circuitOpened_(registry.counter("turnpike_circuit_opened_total",
                                      "Times a provider's circuit breaker opened (consecutive failures, failed trial)",
                                      {"provider"})),
      circuitState_(registry.gauge("turnpike_circuit_state", "Circuit breaker per provider: 0 closed, 1 open, 2 half-open",
                                   {"provider"})) {
  refresh();
}

policy::Health HealthTracker::health(uint32_t providerIndex) const {
  int64_t opened = circuits_[providerIndex].openedAtMs.load(std::memory_order_acquire);
  if (opened == 0) return policy::Health::Ok;
  return billing::nowMs() - opened >= options_.cooldownMs ? policy::Health::HalfOpen : policy::Health::Open;
}

HealthTracker::Pass HealthTracker::acquire(const ModelRoute& route) {
  Circuit& circuit = circuits_[route.providerIndex];
  int64_t opened = circuit.openedAtMs.load(std::memory_order_acquire);
  if (opened != 0) {
    if (billing::nowMs() - opened < options_.cooldownMs) return Pass::Open;
    bool idle = false;
    if (!circuit.trialRunning.compare_exchange_strong(idle, true, std::memory_order_acq_rel)) return Pass::Open;
    routes_[route.index].inFlight.fetch_add(1, std::memory_order_relaxed);
    changes_.fetch_add(1, std::memory_order_relaxed);
    return Pass::Trial;
  }
  routes_[route.index].inFlight.fetch_add(1, std::memory_order_relaxed);
  return Pass::Closed;
}

void HealthTracker::opened(const ModelRoute& route) {
  circuitOpened_.with({route.providerName()}).add();
  changes_.fetch_add(1, std::memory_order_relaxed);
}

void HealthTracker::release(const ModelRoute& route) {
  routes_[route.index].inFlight.fetch_sub(1, std::memory_order_relaxed);
  changes_.fetch_add(1, std::memory_order_relaxed);
}

void HealthTracker::report(const ModelRoute& route, Pass pass, Outcome outcome, std::chrono::microseconds firstByte) {
  RouteStats& stats = routes_[route.index];
  Circuit& circuit = circuits_[route.providerIndex];
  if (outcome == Outcome::Abandoned) {
    if (pass == Pass::Trial) circuit.trialRunning.store(false, std::memory_order_release);
    return;
  }
  bool ok = outcome == Outcome::Success;
  stats.verdicts.fetch_add(1, std::memory_order_relaxed);
  if (ok) {
    ewma(stats.latencyUs, static_cast<uint64_t>(std::max<int64_t>(1, firstByte.count())), 3);
    if (circuit.consecutiveFailures.load(std::memory_order_relaxed) != 0)
      circuit.consecutiveFailures.store(0, std::memory_order_relaxed);
    if (circuit.openedAtMs.load(std::memory_order_relaxed) != 0 && circuit.openedAtMs.exchange(0, std::memory_order_acq_rel) != 0)
      log().information("provider " + route.providerName() + ": circuit closed (a request succeeded)");
    if (pass == Pass::Trial) circuit.trialRunning.store(false, std::memory_order_release);
    return;
  }
  stats.failures.fetch_add(1, std::memory_order_relaxed);
  uint32_t failures = circuit.consecutiveFailures.fetch_add(1, std::memory_order_relaxed) + 1;
  int64_t now = billing::nowMs();
  if (pass == Pass::Trial) {
    circuit.openedAtMs.store(now, std::memory_order_release);
    opened(route);
    circuit.trialRunning.store(false, std::memory_order_release);
    log().warning("provider " + route.providerName() + ": circuit open again (trial request failed) for " +
                  std::to_string(options_.cooldownMs) + " ms");
    return;
  }
  int64_t closed = 0;
  if (failures >= options_.failures &&
      circuit.openedAtMs.compare_exchange_strong(closed, now, std::memory_order_acq_rel)) {
    opened(route);
    log().warning("provider " + route.providerName() + ": circuit open after " + std::to_string(failures) +
                  " consecutive failures; skipped for " + std::to_string(options_.cooldownMs) + " ms");
  }
}

const ModelRoute* HealthTracker::routeOf(const policy::ProviderSnapshot& snapshot,
                                         const policy::ProviderCandidate& candidate) const {
  const auto& list = snapshot.candidates();
  if (list.empty() || &candidate < list.data() || &candidate >= list.data() + list.size()) return nullptr;
  return catalog_.all()[static_cast<size_t>(&candidate - list.data())];
}

void HealthTracker::refresh() {
  std::lock_guard lock(refreshMutex_);
  const auto& routes = catalog_.all();
  int64_t now = billing::nowMs();
  // Error rates are differences against the oldest sample; a sample leaving the window changes them.
  uint64_t changes = changes_.load(std::memory_order_relaxed);
  auto previous = snapshot();
  bool changed = changes != publishedChanges_ || previous == nullptr;
  if (samples_.empty() || now - samples_.back().atMs >= kWindowStepMs) {
    Sample s{now, std::vector<uint64_t>(routes.size()), std::vector<uint64_t>(routes.size())};
    for (size_t i = 0; i < routes.size(); ++i) {
      s.verdicts[i] = routes_[i].verdicts.load(std::memory_order_relaxed);
      s.failures[i] = routes_[i].failures.load(std::memory_order_relaxed);
    }
    samples_.push_back(std::move(s));
    while (samples_.size() > 1 && now - samples_.front().atMs > kErrorWindowMs) {
      samples_.pop_front();
      changed = true;
    }
  }
  // Open -> half-open happens with time, not with an event: compare health too.
  if (!changed) {
    const auto& candidates = previous->candidates();
    for (size_t i = 0; i < candidates.size() && !changed; ++i)
      changed = candidates[i].health != health(catalog_.all()[i]->providerIndex);
  }
  if (!changed) return;
  publishedChanges_ = changes;
  std::vector<policy::ProviderCandidate> candidates;
  candidates.reserve(catalog_.routeCount());
  for (const auto* route : catalog_.all()) {
    const RouteStats& stats = routes_[route->index];
    policy::ProviderCandidate c;
    c.provider = route->providerName();
    c.model = route->id();
    c.capabilities = route->model.capabilities;
    if (c.capabilities.empty()) c.capabilities = kAllCapabilities;
    c.priceInput = route->model.price.input;
    c.priceOutput = route->model.price.output;
    c.contextLength = route->model.contextLength;
    c.health = health(route->providerIndex);
    circuitState_.with({c.provider}).set(c.health == policy::Health::Ok ? 0 : c.health == policy::Health::Open ? 1 : 2);
    c.latencyEwmaMs = static_cast<double>(stats.latencyUs.load(std::memory_order_relaxed)) / 1000.0;
    const Sample& oldest = samples_.front();
    uint64_t verdicts = stats.verdicts.load(std::memory_order_relaxed) - oldest.verdicts[route->index];
    uint64_t failures = stats.failures.load(std::memory_order_relaxed) - oldest.failures[route->index];
    c.errorRate = verdicts == 0 ? 0.0 : static_cast<double>(failures) / static_cast<double>(verdicts);
    c.inFlight = static_cast<uint32_t>(std::max(0, stats.inFlight.load(std::memory_order_relaxed)));
    candidates.push_back(std::move(c));
  }
  snapshot_.store(std::make_shared<const policy::ProviderSnapshot>(std::move(candidates)), std::memory_order_release);
}

}  // namespace turnpike::pipeline
