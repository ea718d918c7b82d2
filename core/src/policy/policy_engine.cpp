#include "policy/policy_engine.hpp"

#include <Poco/Logger.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "policy/lua_state.hpp"
#include "policy/probe.hpp"
#include "policy/thread_slot.hpp"

namespace turnpike::policy {

namespace {

Poco::Logger& log() { return Poco::Logger::get("policy"); }

constexpr size_t kErrorKinds = static_cast<size_t>(PolicyErrorKind::BadResult) + 1;

std::optional<std::string> readFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path + ": " + std::strerror(errno);
  std::ostringstream text;
  text << in.rdbuf();
  out = std::move(text).str();
  return std::nullopt;
}

// Points the outcome's targets at the snapshot's candidates; a name the snapshot lacks is a bad result.
PolicyError resolveTargets(RouteOutcome& out, const RouteContext& context, const std::string& script) {
  const ProviderSnapshot* snapshot = context.providers.get();
  auto resolve = [&](RouteTarget& t, const std::string& what) -> PolicyError {
    if (t.candidate != nullptr) return {};  // returned as a ctx candidate table
    t.candidate = snapshot != nullptr ? snapshot->find(t.provider, t.model) : nullptr;
    if (t.candidate != nullptr) return {};
    return {PolicyErrorKind::BadResult,
            script + ": route() chose " + what + " " + t.provider + "/" + t.model + ", which is not in ctx.providers"};
  };
  if (auto e = resolve(out.target, "target")) return e;
  for (auto& fallback : out.fallbacks)
    if (auto e = resolve(fallback, "fallback")) return e;
  return {};
}

}  // namespace

struct PolicyEngine::Generation {
  uint64_t number = 0;
  ScriptSource routing;
  ScriptSource pricing;
  // One flag per (function, error kind): only the first failure of each is logged.
  mutable std::array<std::atomic<bool>, 2 * kErrorKinds> logged{};
};

// Cache-line aligned: neighbouring threads' slots do not share a line.
struct alignas(64) PolicyEngine::ThreadState {
  std::unique_ptr<LuaState> lua;
  std::shared_ptr<const Generation> generation;
  std::string buildError;  // building a state for `generation` failed: not retried until the next one
};

PolicyEngine::PolicyEngine(PolicyOptions options)
    : options_(std::move(options)), states_(std::make_unique<ThreadState[]>(kMaxThreadSlots)) {}

PolicyEngine::~PolicyEngine() = default;

ReloadResult PolicyEngine::reload() {
  ScriptSource routing{options_.routingScript, {}};
  ScriptSource pricing{options_.pricingScript, {}};
  for (ScriptSource* script : {&routing, &pricing})
    if (auto error = readFile(script->name, script->text)) return {false, generation(), *error};
  return reload(std::move(routing), std::move(pricing));
}

ReloadResult PolicyEngine::reload(ScriptSource routing, ScriptSource pricing) {
  std::lock_guard lock(reloadMutex_);
  if (auto refused = probeScripts(routing, pricing, options_.limits)) return {false, generation(), *refused};
  auto next = std::make_shared<Generation>();
  next->number = ++lastGeneration_;
  next->routing = std::move(routing);
  next->pricing = std::move(pricing);
  uint64_t number = next->number;
  log().information("policy scripts " + next->routing.name + " and " + next->pricing.name + " loaded as generation " +
                    std::to_string(number));
  current_.store(std::move(next), std::memory_order_release);
  published_.store(number, std::memory_order_release);
  return {true, number, {}};
}

PolicyEngine::ThreadState& PolicyEngine::stateFor(ThreadState& temporary) {
  size_t slot = currentThreadSlot();
  if (slot != kNoThreadSlot) return states_[slot];
  static std::atomic<bool> warned{false};
  if (!warned.exchange(true))
    log().warning("more than " + std::to_string(kMaxThreadSlots) +
                  " threads call the policy engine: the extra ones build a Lua state per call");
  return temporary;
}

PolicyError PolicyEngine::refresh(ThreadState& state, Function function) {
  uint64_t published = published_.load(std::memory_order_acquire);
  if (state.lua && state.generation->number == published) return {};
  if (published == 0) return {PolicyErrorKind::NotLoaded, "no policy scripts loaded"};
  auto generation = current_.load(std::memory_order_acquire);
  if (state.generation != generation) {
    state.generation = generation;
    state.buildError.clear();
  } else if (!state.buildError.empty()) {
    return {PolicyErrorKind::Script, state.buildError};
  }
  state.lua.reset();  // the old state goes before the new one is built: one state's memory at a time
  auto built = LuaState::build(generation->routing, generation->pricing, options_.limits);
  if (!built.state) {
    state.buildError = built.error;
    PolicyError error{PolicyErrorKind::Script, std::move(built.error)};
    noteFailure(*generation, function, error);
    return error;
  }
  state.lua = std::move(built.state);
  return {};
}

void PolicyEngine::noteFailure(const Generation& generation, Function function, const PolicyError& error) {
  size_t index = (function == Function::Route ? 0 : kErrorKinds) + static_cast<size_t>(error.kind);
  auto& logged = generation.logged[index];
  if (logged.load(std::memory_order_relaxed) || logged.exchange(true)) return;
  log().warning(std::string(function == Function::Route ? "route()" : "price()") + " failed (" +
                std::string(kindName(error.kind)) + ", generation " + std::to_string(generation.number) +
                "; later failures of this kind in this generation are not logged): " + error.message);
}

RouteOutcome PolicyEngine::route(const RouteRequest& request, const RouteContext& context) {
  ThreadState temporary;
  ThreadState& state = stateFor(temporary);
  RouteOutcome out;
  if (auto error = refresh(state, Function::Route)) {
    out.error = std::move(error);
    out.generation = state.generation ? state.generation->number : 0;
    return out;
  }
  try {
    out = state.lua->route(request, context);
    if (out.ok() && out.decision == RouteOutcome::Decision::Route) {
      if (auto error = resolveTargets(out, context, state.generation->routing.name)) {
        out = RouteOutcome{};
        out.error = std::move(error);
      }
    }
  } catch (const std::exception& e) {
    out = RouteOutcome{};
    out.error = {PolicyErrorKind::Script, std::string("policy engine: ") + e.what()};
  }
  out.generation = state.generation->number;
  if (!out.ok()) noteFailure(*state.generation, Function::Route, out.error);
  if (state.lua->spoiled()) state.lua.reset();
  return out;
}

PriceOutcome PolicyEngine::price(const PriceUsage& usage, const PriceContext& context) {
  ThreadState temporary;
  ThreadState& state = stateFor(temporary);
  PriceOutcome out;
  if (auto error = refresh(state, Function::Price)) {
    out.error = std::move(error);
    out.generation = state.generation ? state.generation->number : 0;
    return out;
  }
  try {
    out = state.lua->price(usage, context);
  } catch (const std::exception& e) {
    out = PriceOutcome{};
    out.error = {PolicyErrorKind::Script, std::string("policy engine: ") + e.what()};
  }
  out.generation = state.generation->number;
  if (!out.ok()) noteFailure(*state.generation, Function::Price, out.error);
  if (state.lua->spoiled()) state.lua.reset();
  return out;
}

}  // namespace turnpike::policy
