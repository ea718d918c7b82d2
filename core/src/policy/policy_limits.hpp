// Bounds on what one script call may consume or return.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace turnpike::policy {

struct PolicyLimits {
  size_t memoryBytes = 16 * 1024 * 1024;           // per lua_State, both scripts and all their data
  std::chrono::microseconds callTimeout{5'000};    // one route() or price() call
  std::chrono::microseconds loadTimeout{100'000};  // running a script's top level, once per state
  int maxDepth = 32;                               // nesting of JSON <-> table conversions
  size_t maxFallbacks = 8;                         // longest fallbacks list route() may return
  int64_t maxAmount = 1'000'000'000'000'000;       // largest price() result accepted (1e15 msat = 10,000 BTC)
};

}  // namespace turnpike::policy
