#include "config/map_reader.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace turnpike::config {

namespace {

std::string describeKind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "empty";
    default: return "'" + node.Scalar() + "'";
  }
}

template <class T>
std::optional<std::string> parseUnsigned(const YAML::Node& node, T& out) {
  if (!node.IsScalar()) return "expected a non-negative integer, got " + describeKind(node);
  const std::string& s = node.Scalar();
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty())
    return "expected a non-negative integer, got '" + s + "'";
  if (v > std::numeric_limits<T>::max())
    return "value " + s + " is out of range (at most " + std::to_string(std::numeric_limits<T>::max()) + ")";
  out = static_cast<T>(v);
  return std::nullopt;
}

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::optional<std::string> parseValue(const YAML::Node& node, std::string& out) {
  if (!node.IsScalar()) return "expected a string, got " + describeKind(node);
  out = node.Scalar();
  return std::nullopt;
}

std::optional<std::string> parseValue(const YAML::Node& node, bool& out) {
  if (!node.IsScalar()) return "expected true or false, got " + describeKind(node);
  const std::string& s = node.Scalar();
  if (s == "true" || s == "yes" || s == "on") {
    out = true;
  } else if (s == "false" || s == "no" || s == "off") {
    out = false;
  } else {
    return "expected true or false, got '" + s + "'";
  }
  return std::nullopt;
}

std::optional<std::string> parseValue(const YAML::Node& node, int64_t& out) {
  if (!node.IsScalar()) return "expected an integer, got " + describeKind(node);
  const std::string& s = node.Scalar();
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return "expected an integer, got '" + s + "'";
  return std::nullopt;
}

std::optional<std::string> parseValue(const YAML::Node& node, uint64_t& out) { return parseUnsigned(node, out); }
std::optional<std::string> parseValue(const YAML::Node& node, uint32_t& out) { return parseUnsigned(node, out); }
std::optional<std::string> parseValue(const YAML::Node& node, uint16_t& out) { return parseUnsigned(node, out); }

std::optional<std::string> parseValue(const YAML::Node& node, double& out) {
  if (!node.IsScalar()) return "expected a number, got " + describeKind(node);
  const std::string& s = node.Scalar();
  try {
    size_t used = 0;
    out = std::stod(s, &used);
    if (used != s.size()) throw std::invalid_argument(s);
  } catch (...) {
    return "expected a number, got '" + s + "'";
  }
  return std::nullopt;
}

std::optional<std::string> parseValue(const YAML::Node& node, std::vector<std::string>& out) {
  if (!node.IsSequence()) return "expected a list of strings, got " + describeKind(node);
  out.clear();
  for (const auto& item : node) {
    if (!item.IsScalar()) return "expected a list of strings, found " + describeKind(item) + " in it";
    out.push_back(item.Scalar());
  }
  return std::nullopt;
}

std::string closestMatch(std::string_view word, const std::set<std::string>& candidates) {
  std::string best;
  size_t bestDistance = 3;
  for (const auto& c : candidates) {
    size_t d = editDistance(word, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

MapReader::MapReader(const YAML::Node& node, std::string path, Diagnostics& diagnostics)
    : node_(node), path_(std::move(path)), diagnostics_(diagnostics) {
  if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
    diagnostics_.error(node, path_, "expected a mapping, got " + describeKind(node));
    isMap_ = false;
  }
}

std::string MapReader::keyPath(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

YAML::Node MapReader::child(std::string_view key) {
  known_.emplace(key);
  if (!isMap_ || !node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

void MapReader::finish() {
  if (!isMap_ || !node_.IsMap()) return;
  std::set<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    if (!seen.insert(key).second) {
      diagnostics_.error(it->first, keyPath(key), "duplicate key");
      continue;
    }
    if (known_.count(key) != 0) continue;
    std::string message = "unknown key";
    std::string guess = closestMatch(key, known_);
    if (!guess.empty()) message += " (did you mean '" + guess + "'?)";
    diagnostics_.error(it->first, keyPath(key), message);
  }
}

}  // namespace turnpike::config
