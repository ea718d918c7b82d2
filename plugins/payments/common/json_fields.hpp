// Reading the JSON the host hands to payment hooks.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
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

// The member "amount_msat" as a positive whole number; std::invalid_argument naming `what` otherwise.
inline uint64_t amountMsatField(const nlohmann::json& object, const char* what) {
  auto it = object.find("amount_msat");
  if (it == object.end() || !it->is_number_unsigned() || it->get<uint64_t>() == 0)
    throw std::invalid_argument(std::string(what) + ": amount_msat must be a positive whole number");
  return it->get<uint64_t>();
}

}  // namespace turnpike::payments
