#include "config/diagnostics.hpp"

namespace turnpike::config {

std::string Diagnostic::format() const {
  std::string out = file;
  if (line > 0) {
    out += ':';
    out += std::to_string(line);
  }
  out += ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

void Diagnostics::error(const YAML::Node& at, std::string key, std::string message) {
  error(lineOf(at), std::move(key), std::move(message));
}

void Diagnostics::error(int line, std::string key, std::string message) {
  list_.push_back(Diagnostic{file_, line, std::move(key), std::move(message)});
}

std::string Diagnostics::report() const {
  std::string out;
  for (const auto& d : list_) {
    if (!out.empty()) out += "\n";
    out += d.format();
  }
  return out;
}

}  // namespace turnpike::config
