// Operator commands that work on the store directly (no server needed, safe beside one):
//   turnpike migrate
//   turnpike accounts create|credit|show ...
//   turnpike keys create|list|revoke ...
// Output is JSON on stdout, for scripts.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace turnpike::app {

int runMigrate(const config::Config& config, const std::vector<std::string>& args);
int runAccounts(const config::Config& config, const std::vector<std::string>& args);
int runKeys(const config::Config& config, const std::vector<std::string>& args);

extern const char* const kAccountsUsage;
extern const char* const kKeysUsage;

}  // namespace turnpike::app
