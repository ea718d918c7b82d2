// ${VAR} and ${VAR:-default} substitution in YAML scalar values (never in keys). Done on parsed
// scalars rather than the raw text, so a secret holding '#' or ': ' cannot change the YAML's
// structure, and line numbers stay true. "$${" stands for a literal "${".
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>

#include "config/diagnostics.hpp"

namespace turnpike::config {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment.
std::optional<std::string> processEnv(const std::string& name);

// Substitutes in `text`; returns nullopt and sets `error` on an unset variable without default
// or a malformed reference.
std::optional<std::string> substitute(const std::string& text, const EnvLookup& env, std::string& error);

// Substitutes every scalar value under `root`, reporting problems with their key path.
void substituteTree(YAML::Node root, const EnvLookup& env, Diagnostics& diagnostics);

}  // namespace turnpike::config
