// reservations table: money held for requests in flight, by which gateway process.
#pragma once

#include <optional>
#include <string_view>

#include "store/connection.hpp"

namespace turnpike::store::reservations {

// `keyAmount`: the part held against the key's usage_limit (0 when it has none).
int64_t insert(Connection& c, std::string_view accountId, std::optional<std::string_view> keyId, int64_t amount,
               int64_t keyAmount, std::string_view holder, int64_t now);
// False when there is no such reservation (it was settled or released already).
bool remove(Connection& c, int64_t id);

struct Released {
  int64_t count = 0;
  int64_t amount = 0;
};
// Gives back every reservation not held by `holder` (a previous process that died) to its
// wallet and key.
Released releaseOthers(Connection& c, std::string_view holder);
int64_t countHeld(Connection& c);

}  // namespace turnpike::store::reservations
