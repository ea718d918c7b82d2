// The check new scripts pass before they go live.
#pragma once

#include <optional>
#include <string>

#include "policy/policy_limits.hpp"
#include "policy/script_source.hpp"

namespace turnpike::policy {

// Builds a state from the two scripts (compile as text, run the top level, lock the globals, find
// route and price), then calls route() for model "auto" and for a concrete model and price()
// once, on fixed sample inputs. Returns why the scripts are refused, or nullopt. The sample
// candidates are not the live ones, so route results are checked for shape only.
std::optional<std::string> probeScripts(const ScriptSource& routing, const ScriptSource& pricing,
                                        const PolicyLimits& limits);

}  // namespace turnpike::policy
