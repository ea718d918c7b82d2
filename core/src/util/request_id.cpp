#include "util/request_id.hpp"

#include <atomic>

#include "util/random.hpp"

namespace turnpike::util {

std::string nextRequestId() {
  static const std::string prefix = "req_" + randomBase62(10);
  static std::atomic<uint64_t> counter{0};
  return prefix + std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace turnpike::util
