#pragma once

#include <string>

namespace turnpike::policy {

// One Lua script: its text and the name error messages use (the file path).
struct ScriptSource {
  std::string name;
  std::string text;
};

}  // namespace turnpike::policy
