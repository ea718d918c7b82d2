// Wall-clock time for invoices, watch schedules and macaroon expiry (unix time, as BOLT11,
// backends and L402 caveats count it).
#pragma once

#include <chrono>
#include <cstdint>

namespace turnpike::payments::lightning {

inline int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t nowSeconds() { return nowMs() / 1000; }

}  // namespace turnpike::payments::lightning
