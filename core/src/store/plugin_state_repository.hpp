// plugin_state table: each payment plugin instance's own key-value state.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "store/connection.hpp"

namespace turnpike::store::plugin_state {

std::optional<std::string> get(Connection& c, std::string_view plugin, std::string_view key);
void put(Connection& c, std::string_view plugin, std::string_view key, std::string_view value, int64_t now);
// false when the key exists already.
bool insert(Connection& c, std::string_view plugin, std::string_view key, std::string_view value, int64_t now);
void remove(Connection& c, std::string_view plugin, std::string_view key);
// Keys starting with `prefix`, in key order, until `visit` returns false.
void scan(Connection& c, std::string_view plugin, std::string_view prefix,
          const std::function<bool(const std::string&, const std::string&)>& visit);

}  // namespace turnpike::store::plugin_state
