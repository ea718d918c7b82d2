// Configuration problems, each naming file, line and key. Loading collects all of them so an
// operator fixes a file in one pass.
#pragma once

#include <yaml-cpp/yaml.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace turnpike::config {

struct Diagnostic {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string key;  // dotted path, e.g. providers[0].models[1].price.input
  std::string message;

  std::string format() const;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void error(const YAML::Node& at, std::string key, std::string message);
  void error(int line, std::string key, std::string message);
  bool ok() const { return list_.empty(); }
  const std::vector<Diagnostic>& list() const { return list_; }
  const std::string& file() const { return file_; }
  std::string report() const;

 private:
  std::string file_;
  std::vector<Diagnostic> list_;
};

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const Diagnostics& d) : std::runtime_error(d.report()), diagnostics_(d.list()) {}
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// 1-based line of a node, 0 when it has none.
inline int lineOf(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  auto mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

}  // namespace turnpike::config
