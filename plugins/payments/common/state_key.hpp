// Keys of a payment plugin's durable state (callback_state_*): a prefix naming the record kind,
// then its id. Each plugin lists its own layout in its state_keys.hpp.
#pragma once

#include <string>
#include <string_view>

namespace turnpike::payments {

inline std::string stateKey(std::string_view prefix, std::string_view id) {
  std::string key(prefix);
  key += id;
  return key;
}

}  // namespace turnpike::payments
