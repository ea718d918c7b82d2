// Reading client and upstream JSON without exceptions for a member of an unexpected type
// (nlohmann's value() throws on one).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace turnpike::dialects {

// The string member `key` of `object`, or "" when absent, null or not a string.
inline std::string stringOf(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace turnpike::dialects
