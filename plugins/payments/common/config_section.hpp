// Reading a payment plugin's config (the JSON the host made of its YAML section) key by key,
// with errors that name the plugin and the key: "<plugin> config: <key>: <problem>".
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace turnpike::payments {

// Throws std::invalid_argument("<plugin> config: <key>: <problem>").
[[noreturn]] void configError(const std::string& plugin, const std::string& key, const std::string& problem);

// One JSON object of the config; finish() refuses the keys nobody read. Nested values may arrive
// as strings (the host converts nested YAML scalars untyped), so numbers and booleans written as
// text are accepted.
class ConfigSection {
 public:
  // `value` must outlive the section; null stands for an absent section.
  ConfigSection(const nlohmann::json& value, std::string plugin, std::string path = "");

  bool present() const { return value_ != nullptr; }
  // The member, or nullptr when absent or null; marks it read.
  const nlohmann::json* find(const std::string& key);
  // The key's full name for messages ("topup.min_sats").
  std::string name(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  [[noreturn]] void bad(const std::string& key, const std::string& problem) const;

  std::optional<std::string> string(const std::string& key);
  int64_t integer(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  double number(const std::string& key, double fallback, double min, double max);
  bool boolean(const std::string& key, bool fallback);
  // The nested mapping at `key` (an absent one reads as empty).
  ConfigSection child(const std::string& key);

  void finish() const;

 private:
  const nlohmann::json* value_ = nullptr;
  std::string plugin_;
  std::string path_;
  std::set<std::string> seen_;
};

}  // namespace turnpike::payments
