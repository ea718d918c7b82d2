// The onchain plugin's durable state (callback_state_*), one place for the whole key layout.
// Indexes are receive indexes (m/.../0/<index>), written as 10 zero-padded digits so that key
// order is index order; values are JSON unless noted.
//
//   next_index               decimal: the lowest index never claimed (a hint: claims are idx: inserts)
//   used_high                decimal: the highest index that ever received a transaction
//   idx:<index>              {"state", "topup_id"}: the claim of one index, taken with an atomic
//                            insert so that two top-ups never share an address; state is
//                            watching | used | free | invalid (BIP32's skipped child)
//   free:<index>             "" — indexes whose watch ended without any transaction: reusable,
//                            lowest first, once no fresh index is left within the gap limit
//   watch:<address>          the watch of one address for its current top-up (WatchRecord)
//   due:<ms, 16 digits>:<address>  "" — the watch queue (DueQueue)
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/state_key.hpp"

namespace turnpike::payments::onchain::keys {

inline constexpr std::string_view kNextIndex = "next_index";
inline constexpr std::string_view kUsedHigh = "used_high";
inline constexpr std::string_view kIndexPrefix = "idx:";
inline constexpr std::string_view kFreePrefix = "free:";
inline constexpr std::string_view kWatchPrefix = "watch:";
inline constexpr std::string_view kDuePrefix = "due:";

using payments::stateKey;

inline std::string indexDigits(uint32_t index) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%010u", index);
  return digits;
}

inline std::string indexClaim(uint32_t i) { return stateKey(kIndexPrefix, indexDigits(i)); }
inline std::string freeIndex(uint32_t i) { return stateKey(kFreePrefix, indexDigits(i)); }
inline std::string watch(std::string_view address) { return stateKey(kWatchPrefix, address); }

// The index of a "free:<index>" key; false for a key of another shape.
inline bool parseFreeIndex(std::string_view key, uint32_t& out) {
  if (key.substr(0, kFreePrefix.size()) != kFreePrefix) return false;
  key.remove_prefix(kFreePrefix.size());
  if (key.size() != 10) return false;
  uint64_t n = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > UINT32_MAX) return false;
  out = static_cast<uint32_t>(n);
  return true;
}

}  // namespace turnpike::payments::onchain::keys
