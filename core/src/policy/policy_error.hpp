// How a policy call failed. Failures are values: the caller falls back to the configured default
// (route order or config price) and counts a metric per kind.
#pragma once

#include <string>
#include <string_view>

namespace turnpike::policy {

enum class PolicyErrorKind {
  None,
  NotLoaded,    // no generation has been published yet
  Script,       // the script raised an error (message has file:line)
  Timeout,      // the call ran past its deadline
  MemoryLimit,  // the state reached its memory cap
  BadResult,    // the script returned something the engine cannot use
};

constexpr std::string_view kindName(PolicyErrorKind kind) {
  switch (kind) {
    case PolicyErrorKind::None: return "none";
    case PolicyErrorKind::NotLoaded: return "not_loaded";
    case PolicyErrorKind::Script: return "script";
    case PolicyErrorKind::Timeout: return "timeout";
    case PolicyErrorKind::MemoryLimit: return "memory";
    case PolicyErrorKind::BadResult: return "bad_result";
  }
  return "unknown";
}

struct PolicyError {
  PolicyErrorKind kind = PolicyErrorKind::None;
  std::string message;

  explicit operator bool() const { return kind != PolicyErrorKind::None; }
};

}  // namespace turnpike::policy
