#include "policy/thread_slot.hpp"

#include <mutex>
#include <vector>

namespace turnpike::policy {

namespace {

struct SlotRegistry {
  std::mutex mutex;
  std::vector<size_t> released;
  size_t next = 0;
};

// Constructed before the first thread's holder, so destroyed after the main thread's holder.
SlotRegistry& registry() {
  static SlotRegistry r;
  return r;
}

struct SlotHolder {
  SlotHolder() {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    if (!r.released.empty()) {
      index = r.released.back();
      r.released.pop_back();
    } else if (r.next < kMaxThreadSlots) {
      index = r.next++;
    }
  }
  ~SlotHolder() {
    if (index == kNoThreadSlot) return;
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    r.released.push_back(index);
  }
  SlotHolder(const SlotHolder&) = delete;
  SlotHolder& operator=(const SlotHolder&) = delete;

  size_t index = kNoThreadSlot;
};

}  // namespace

size_t currentThreadSlot() {
  thread_local SlotHolder holder;
  return holder.index;
}

}  // namespace turnpike::policy
