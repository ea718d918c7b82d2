// Shared helpers for the policy engine tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "gateway_fixture.hpp"
#include "policy/policy_engine.hpp"

namespace turnpike::policy::testing {

// A path under the repository root (scripts/..., tests/lua/...).
inline std::string repoPath(const std::string& relative) { return turnpike::test::sourcePath(relative); }

inline std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline ScriptSource repoScript(const std::string& relative) { return {relative, readText(repoPath(relative))}; }

inline const char* kNilRouting = "function route(req, ctx) return nil end";
inline const char* kFlatPricing = "function price(usage, ctx) return 1 end";

inline ScriptSource routing(std::string text) { return {"routing.lua", std::move(text)}; }
inline ScriptSource pricing(std::string text) { return {"pricing.lua", std::move(text)}; }

// An engine serving the given scripts; the test fails when they are refused.
inline std::unique_ptr<PolicyEngine> engineWith(const std::string& routingText, const std::string& pricingText,
                                                PolicyLimits limits = {}) {
  auto engine = std::make_unique<PolicyEngine>(PolicyOptions{.limits = limits});
  auto result = engine->reload(routing(routingText), pricing(pricingText));
  EXPECT_TRUE(result.ok) << result.error;
  return engine;
}

inline ProviderCandidate candidate(std::string provider, std::string model, std::vector<std::string> capabilities,
                                   int64_t input, int64_t output, uint64_t contextLength, double latencyMs,
                                   Health health = Health::Ok) {
  ProviderCandidate c;
  c.provider = std::move(provider);
  c.model = std::move(model);
  c.capabilities = std::move(capabilities);
  c.priceInput = input;
  c.priceOutput = output;
  c.contextLength = contextLength;
  c.latencyEwmaMs = latencyMs;
  c.health = health;
  return c;
}

inline std::shared_ptr<const ProviderSnapshot> snapshotOf(std::vector<ProviderCandidate> candidates) {
  return std::make_shared<const ProviderSnapshot>(std::move(candidates));
}

inline RouteRequest chatRequest(std::string_view model) {
  RouteRequest r;
  r.model = model;
  r.messageCount = 2;
  r.promptTokens = 40;
  return r;
}

}  // namespace turnpike::policy::testing
