// Loads plugin shared objects with Boost.DLL and checks their descriptor (ABI version, kind,
// table sizes) before anything else is touched. Libraries are never unloaded: code and data of
// a plugin may be referenced until the process exits.
#pragma once

#include <turnpike/plugin_abi.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace turnpike::plugins {

class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedPlugin {
  std::string name;  // as configured
  std::string path;
  const tp_plugin_descriptor* descriptor = nullptr;
};

std::string_view kindName(tp_plugin_kind kind);

class Loader {
 public:
  explicit Loader(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }
  // Loads `name` (once) from the plugin directory and checks it is a `kind` plugin. Throws
  // LoadError naming the file and the mismatch.
  const LoadedPlugin& load(const std::string& name, tp_plugin_kind kind);
  // Loads and checks one file.
  static LoadedPlugin loadFile(const std::string& path, const std::string& name, tp_plugin_kind kind);
  std::vector<const LoadedPlugin*> loaded() const;

 private:
  std::string dir_;
  std::vector<std::unique_ptr<LoadedPlugin>> plugins_;
};

}  // namespace turnpike::plugins
