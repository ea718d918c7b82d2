// Reads one YAML mapping into typed fields, reporting wrong types, missing required keys and
// unknown keys (with a did-you-mean) to Diagnostics with the offending line.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"

namespace turnpike::config {

// Scalar conversion; returns an error message or nullopt.
std::optional<std::string> parseValue(const YAML::Node& node, std::string& out);
std::optional<std::string> parseValue(const YAML::Node& node, bool& out);
std::optional<std::string> parseValue(const YAML::Node& node, int64_t& out);
std::optional<std::string> parseValue(const YAML::Node& node, uint64_t& out);
std::optional<std::string> parseValue(const YAML::Node& node, uint32_t& out);
std::optional<std::string> parseValue(const YAML::Node& node, uint16_t& out);
std::optional<std::string> parseValue(const YAML::Node& node, double& out);
std::optional<std::string> parseValue(const YAML::Node& node, std::vector<std::string>& out);

// The closest of `candidates` to `word` within edit distance 2, or empty.
std::string closestMatch(std::string_view word, const std::set<std::string>& candidates);

class MapReader {
 public:
  // `path` is the dotted key path of the node ("server", "providers[0]"); an absent node is an
  // empty mapping, anything else that is not a mapping is reported.
  MapReader(const YAML::Node& node, std::string path, Diagnostics& diagnostics);

  bool isMap() const { return isMap_; }
  const YAML::Node& node() const { return node_; }
  std::string keyPath(std::string_view key) const;

  // Optional key: leaves `out` unchanged when absent. Returns true when present and valid.
  template <class T>
  bool get(std::string_view key, T& out) {
    YAML::Node value = child(key);
    if (!value.IsDefined() || value.IsNull()) return false;
    T parsed{};
    if (auto error = parseValue(value, parsed)) {
      diagnostics_.error(value, keyPath(key), *error);
      return false;
    }
    out = std::move(parsed);
    return true;
  }

  template <class T>
  bool require(std::string_view key, T& out) {
    YAML::Node value = child(key);
    if (!value.IsDefined() || value.IsNull()) {
      diagnostics_.error(node_, keyPath(key), "required key is missing");
      return false;
    }
    return get(key, out);
  }

  // The raw child node; marks the key as known.
  YAML::Node child(std::string_view key);
  // Reports keys never asked for.
  void finish();

 private:
  YAML::Node node_;
  std::string path_;
  Diagnostics& diagnostics_;
  bool isMap_ = true;
  std::set<std::string> known_;
};

}  // namespace turnpike::config
