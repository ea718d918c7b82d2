// The config keys of the policy scripts: routing.script, pricing.script.
#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace turnpike::config {
namespace {

const std::string kProviders = R"(
providers:
  - name: local
    plugin: openai_compat
    models:
      - id: m
        price: {input: 1, output: 1}
)";

EnvLookup noEnv() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

Diagnostic firstError(const std::string& yaml) {
  try {
    parseConfigText(yaml, "t.yaml", noEnv());
  } catch (const ConfigError& e) {
    EXPECT_FALSE(e.diagnostics().empty());
    return e.diagnostics().front();
  }
  ADD_FAILURE() << "config was accepted:\n" << yaml;
  return {};
}

TEST(PolicyConfig, Defaults) {
  auto c = parseConfigText(kProviders, "t.yaml", noEnv());
  EXPECT_EQ(c.routing.script, "scripts/routing.lua");
  EXPECT_EQ(c.pricing.script, "scripts/pricing.lua");
}

TEST(PolicyConfig, KeysAreRead) {
  auto c = parseConfigText(kProviders + R"(
routing:
  script: policy/route.lua
pricing:
  script: policy/price.lua
)",
                           "t.yaml", noEnv());
  EXPECT_EQ(c.routing.script, "policy/route.lua");
  EXPECT_EQ(c.pricing.script, "policy/price.lua");
}

TEST(PolicyConfig, BadValuesNameKeyAndLine) {
  // The markup is billing.markup, not a pricing key.
  auto markup = firstError(kProviders + "pricing:\n  markup_bp: 12500\n");
  EXPECT_EQ(markup.key, "pricing.markup_bp");
  EXPECT_EQ(markup.line, 9);
  auto empty = firstError(kProviders + "routing:\n  script: \"\"\n");
  EXPECT_EQ(empty.key, "routing.script");
  EXPECT_NE(empty.message.find("must not be empty"), std::string::npos);
  auto unknown = firstError(kProviders + "routing:\n  scripts: x.lua\n");
  EXPECT_EQ(unknown.key, "routing.scripts");
}

}  // namespace
}  // namespace turnpike::config
