#include "common/due_queue.hpp"

#include <cstdio>
#include <limits>

namespace turnpike::payments {

std::string DueQueue::key(int64_t atMs, std::string_view id) const {
  // Zero-padded so that lexicographic order is numeric order.
  char digits[24];
  std::snprintf(digits, sizeof digits, "%016lld:", static_cast<long long>(atMs < 0 ? 0 : atMs));
  std::string out = prefix_;
  out += digits;
  out += id;
  return out;
}

bool DueQueue::parse(std::string_view key, Entry& out) const {
  if (key.substr(0, prefix_.size()) != prefix_) return false;
  key.remove_prefix(prefix_.size());
  if (key.size() < 18 || key[16] != ':') return false;
  int64_t at = 0;
  for (char c : key.substr(0, 16)) {
    if (c < '0' || c > '9') return false;
    at = at * 10 + (c - '0');
  }
  out.atMs = at;
  out.id = std::string(key.substr(17));
  return true;
}

void DueQueue::add(int64_t atMs, std::string_view id) const { host_.statePut(key(atMs, id), ""); }

void DueQueue::remove(int64_t atMs, std::string_view id) const { host_.stateDelete(key(atMs, id)); }

std::vector<DueQueue::Entry> DueQueue::due(int64_t nowMs, size_t limit, int64_t* nextAtMs) const {
  std::vector<Entry> out;
  int64_t next = std::numeric_limits<int64_t>::max();
  host_.stateScan(prefix_, [&](std::string_view k, std::string_view) {
    Entry entry;
    if (!parse(k, entry)) return true;  // not ours to judge; skip
    if (entry.atMs > nowMs || out.size() >= limit) {
      // Key order is due order: nothing after this one is due sooner.
      next = entry.atMs;
      return false;
    }
    out.push_back(std::move(entry));
    return true;
  });
  if (nextAtMs != nullptr) *nextAtMs = next;
  return out;
}

}  // namespace turnpike::payments
