// A small dense index for the calling thread, handed back when the thread exits and reused by the
// next one, so an object can keep per-thread data in a fixed array instead of a locked map.
#pragma once

#include <cstddef>
#include <limits>

namespace turnpike::policy {

constexpr size_t kMaxThreadSlots = 256;
constexpr size_t kNoThreadSlot = std::numeric_limits<size_t>::max();

// This thread's slot in [0, kMaxThreadSlots), or kNoThreadSlot when all are taken. Two threads
// alive at the same time never share a slot.
size_t currentThreadSlot();

}  // namespace turnpike::policy
