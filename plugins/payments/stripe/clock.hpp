// Wall-clock unix seconds, as Stripe counts timestamps (expires_at, webhook signatures).
#pragma once

#include <chrono>
#include <cstdint>

namespace turnpike::payments::stripe {

inline int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace turnpike::payments::stripe
