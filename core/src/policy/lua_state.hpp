// One sandboxed lua_State holding the routing and pricing scripts. This class and its .cpp are the
// only place that touches the Lua C API; the rest of the engine sees plain C++ values.
//
// Sandbox (see lua_state.cpp for the reasons):
//  - libraries: base, string, table, math, utf8 only; no io, os, package, debug, coroutine;
//  - base functions removed: dofile, loadfile, load, collectgarbage, rawset, warn
//    (require and loadstring do not exist without package / in 5.4); string.dump removed;
//    print writes to the "policy.script" logger at debug level;
//  - scripts are loaded as text ("t"), never bytecode;
//  - an allocator with a hard cap (PolicyLimits::memoryBytes);
//  - an instruction-count hook that aborts a call once it has used its CPU-time budget;
//  - after the top level of both scripts has run, the global table is locked: assigning a new
//    global or reading an undefined one raises an error (existing globals may be reassigned);
//  - the string metatable and the globals' metatable carry __metatable, so getmetatable("")
//    and setmetatable(_G, ...) cannot reach or replace them;
//  - setmetatable refuses __gc (finalizers run with hooks off, out of the deadline's reach), and
//    the library loops that neither allocate nor run Lua code are bounded: string.rep of empty
//    strings, table.insert/remove (a __len can claim any length), table.move.
// Known limit: the deadline is checked between VM instructions, so one library call that runs
// long inside C is not interrupted. The one left is pattern matching (string.find/match/gmatch/
// gsub), which can backtrack polynomially on long subjects: cut untrusted strings (headers)
// to a bounded length before matching them against patterns with several `.-` or `.*`.
// Not thread-safe: each thread owns its own LuaState (PolicyEngine keeps one per thread).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "policy/policy_error.hpp"
#include "policy/policy_limits.hpp"
#include "policy/price_types.hpp"
#include "policy/route_types.hpp"
#include "policy/script_source.hpp"

struct lua_State;

namespace turnpike::policy {

class LuaState;

struct BuiltState {
  std::unique_ptr<LuaState> state;  // nullptr on failure
  std::string error;                // why, with file:line when Lua reports one
};

class LuaState {
 public:
  // Creates a sandboxed state, runs the routing then the pricing script's top level, locks the
  // globals and checks that route and price are functions.
  static BuiltState build(const ScriptSource& routing, const ScriptSource& pricing, const PolicyLimits& limits);

  ~LuaState();
  LuaState(const LuaState&) = delete;
  LuaState& operator=(const LuaState&) = delete;

  // Calls route(req, ctx) and checks the shape of its result. Fallbacks given as ctx candidate
  // tables come with RouteTarget::candidate set; names are left for the caller to resolve
  // against ctx.providers (candidate stays null). generation stays 0.
  RouteOutcome route(const RouteRequest& request, const RouteContext& context);
  // Calls price(usage, ctx) and checks the result: a non-negative integer up to maxAmount.
  PriceOutcome price(const PriceUsage& usage, const PriceContext& context);

  // True once a call hit the deadline or the memory cap: the script may have been stopped halfway
  // through updating its own tables, so the owner discards this state and builds a new one.
  bool spoiled() const { return spoiled_; }

 private:
  struct Internals;
  friend struct Internals;

  explicit LuaState(const PolicyLimits& limits) : limits_(limits) {}

  lua_State* L_ = nullptr;
  PolicyLimits limits_;
  size_t used_ = 0;
  bool memoryHit_ = false;  // the allocator refused a block during the current call
  bool timedOut_ = false;   // the hook stopped the current call
  bool spoiled_ = false;
  // The time limit is on the thread's CPU time, so a call preempted by the OS is not charged for
  // time it did not run; the wall-clock deadline_ is only the cheap first test.
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  std::chrono::microseconds budget_{0};
  std::chrono::nanoseconds cpuStart_{0};  // thread CPU time at the first hook of the call
  bool cpuStarted_ = false;
  std::string routingName_;  // script names, for messages
  std::string pricingName_;
  // Registry references: the functions, taken when the globals are locked, and the argument
  // tables, reused by every call (rewritten field by field instead of allocated).
  int routeRef_ = -1;
  int priceRef_ = -1;
  int requestRef_ = -1;
  int usageRef_ = -1;
  int priceContextRef_ = -1;
  int pricesRef_ = -1;
  // The request of the route() call running now, for the fields req builds on first access.
  const RouteRequest* currentRequest_ = nullptr;
  // The snapshot whose ctx table is cached in the registry (see RouteContext).
  std::shared_ptr<const ProviderSnapshot> cachedSnapshot_;
  bool ctxCached_ = false;
  // The cached ctx's candidate tables by address (sorted), so a script can return them as fallbacks.
  std::vector<std::pair<const void*, const ProviderCandidate*>> candidateTables_;
};

}  // namespace turnpike::policy
