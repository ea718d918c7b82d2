// Configuration that guards operator access: token strength.
#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace turnpike::config {
namespace {

const std::string kProviders = "providers:\n  - {name: m, plugin: mock, models: [x]}\n";

Diagnostic firstError(const std::string& yaml) {
  try {
    parseConfigText(yaml, "t.yaml");
  } catch (const ConfigError& e) {
    return e.diagnostics().front();
  }
  ADD_FAILURE() << "config was accepted:\n" << yaml;
  return {};
}

TEST(ConfigAccess, ShortOperatorTokensAreRefusedWithFileLineAndKey) {
  auto d = firstError("server:\n  listen: 127.0.0.1:1\n  admin_token: admin-secret-1234\n" + kProviders);
  EXPECT_EQ(d.format().rfind("t.yaml:3: server.admin_token: at least 32 characters", 0), 0u) << d.format();
  EXPECT_NE(d.message.find("got 17"), std::string::npos) << d.message;
  EXPECT_EQ(d.message.find("admin-secret"), std::string::npos) << "the token is echoed: " << d.message;
  d = firstError("server:\n  metrics_token: short\n" + kProviders);
  EXPECT_EQ(d.key, "server.metrics_token");
  EXPECT_EQ(d.line, 2);

  std::string strong(32, 'k');
  auto c = parseConfigText("server:\n  admin_token: " + strong + "\n  metrics_token: " + strong + "m\n" + kProviders, "t.yaml");
  EXPECT_EQ(c.server.adminToken, strong);
  EXPECT_EQ(c.server.metricsToken, strong + "m");
  // Empty: the admin API is off and /metrics public, as before.
  c = parseConfigText("server:\n  admin_token: ''\n" + kProviders, "t.yaml");
  EXPECT_TRUE(c.server.adminToken.empty());
  EXPECT_TRUE(c.server.metricsToken.empty());
}

}  // namespace
}  // namespace turnpike::config
