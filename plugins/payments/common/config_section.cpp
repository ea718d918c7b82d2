#include "common/config_section.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace turnpike::payments {

using nlohmann::json;

namespace {

const json& nullJson() {
  static const json none;
  return none;
}

}  // namespace

void configError(const std::string& plugin, const std::string& key, const std::string& problem) {
  throw std::invalid_argument(plugin + " config: " + key + ": " + problem);
}

ConfigSection::ConfigSection(const json& value, std::string plugin, std::string path)
    : plugin_(std::move(plugin)), path_(std::move(path)) {
  if (value.is_null()) return;
  if (!value.is_object()) configError(plugin_, path_.empty() ? "config" : path_, "expected a mapping");
  value_ = &value;
}

void ConfigSection::bad(const std::string& key, const std::string& problem) const {
  configError(plugin_, name(key), problem);
}

const json* ConfigSection::find(const std::string& key) {
  seen_.insert(key);
  if (value_ == nullptr) return nullptr;
  auto it = value_->find(key);
  return it == value_->end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> ConfigSection::string(const std::string& key) {
  const json* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) bad(key, "expected a string");
  return v->get<std::string>();
}

int64_t ConfigSection::integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
  const json* v = find(key);
  if (v == nullptr) return fallback;
  int64_t n = 0;
  if (v->is_number_integer()) {
    n = v->get<int64_t>();
  } else if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
      bad(key, "expected a whole number, got '" + s + "'");
    n = std::stoll(s);
  } else {
    bad(key, "expected a whole number");
  }
  if (n < min || n > max) bad(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return n;
}

double ConfigSection::number(const std::string& key, double fallback, double min, double max) {
  const json* v = find(key);
  if (v == nullptr) return fallback;
  double n = 0;
  if (v->is_number()) {
    n = v->get<double>();
  } else if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    char* end = nullptr;
    errno = 0;
    n = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno != 0) bad(key, "expected a number, got '" + s + "'");
  } else {
    bad(key, "expected a number");
  }
  if (!std::isfinite(n) || n < min || n > max) {
    std::ostringstream range;
    range << "must be between " << min << " and " << max;
    bad(key, range.str());
  }
  return n;
}

bool ConfigSection::boolean(const std::string& key, bool fallback) {
  const json* v = find(key);
  if (v == nullptr) return fallback;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string() && (*v == "true" || *v == "false")) return *v == "true";
  bad(key, "expected true or false");
}

ConfigSection ConfigSection::child(const std::string& key) {
  const json* v = find(key);
  return ConfigSection(v != nullptr ? *v : nullJson(), plugin_, name(key));
}

void ConfigSection::finish() const {
  if (value_ == nullptr) return;
  for (const auto& [key, _] : value_->items())
    if (seen_.count(key) == 0) bad(key, "unknown key");
}

}  // namespace turnpike::payments
