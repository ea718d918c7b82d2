// Wall-clock time for invoices, watch schedules, expiries and macaroons (unix time, as BOLT11,
// node backends, block explorers and L402 caveats count it).
#pragma once

#include <chrono>
#include <cstdint>

namespace turnpike::payments {

inline int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t nowSeconds() { return nowMs() / 1000; }

}  // namespace turnpike::payments
