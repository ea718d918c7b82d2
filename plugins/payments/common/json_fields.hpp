// Reading the JSON the host hands to payment hooks.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace turnpike::payments {

// `text` as a JSON object; std::invalid_argument naming `what` otherwise.
inline nlohmann::json parseObject(std::string_view text, const char* what) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) throw std::invalid_argument(std::string(what) + ": expected a JSON object");
  return j;
}

// The string member `key`, or "" when it is absent or not a string.
inline std::string stringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace turnpike::payments
