// Configuration that guards operator access and the ledger's location: token strength, where a
// relative SQLite path points, and the signup limit.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/config_loader.hpp"
#include "util/random.hpp"

namespace turnpike::config {
namespace {

namespace fs = std::filesystem;

const std::string kProviders = "providers:\n  - {name: m, plugin: mock, models: [x]}\n";

template <class Load>
Diagnostic errorOf(Load&& load) {
  try {
    load();
  } catch (const ConfigError& e) {
    return e.diagnostics().front();
  }
  ADD_FAILURE() << "config was accepted";
  return {};
}

Diagnostic firstError(const std::string& yaml) {
  return errorOf([&] { parseConfigText(yaml, "t.yaml"); });
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

class ConfigDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("turnpike-config-" + util::randomBase62(10));
    fs::create_directories(root_ / "etc");
    fs::create_directories(root_ / "elsewhere");
    previous_ = fs::current_path();
    fs::current_path(root_ / "elsewhere");
  }
  void TearDown() override {
    fs::current_path(previous_);
    fs::remove_all(root_);
  }
  std::string write(const std::string& yaml) {
    auto file = root_ / "etc" / "turnpike.yaml";
    std::ofstream(file) << yaml;
    return file.string();
  }
  fs::path root_;
  fs::path previous_;
};

TEST_F(ConfigDirectory, ARelativeSqlitePathIsRelativeToTheConfigurationFile) {
  auto file = write("storage:\n  url: sqlite://data/ledger.db\n" + kProviders);
  auto c = loadConfigFile(file);
  EXPECT_EQ(c.storage.url, "sqlite://" + (root_ / "etc" / "data" / "ledger.db").string());
  c = loadConfigFile(write("storage:\n  url: sqlite://../var/ledger.db\n" + kProviders));
  EXPECT_EQ(c.storage.url, "sqlite://" + (root_ / "var" / "ledger.db").string());
  // The default too, and absolute paths stay as they are.
  EXPECT_EQ(loadConfigFile(write(kProviders)).storage.url, "sqlite://" + (root_ / "etc" / "data" / "turnpike.db").string());
  auto absolute = (root_ / "abs.db").string();
  EXPECT_EQ(loadConfigFile(write("storage:\n  url: sqlite://" + absolute + "\n" + kProviders)).storage.url,
            "sqlite://" + absolute);
}

TEST_F(ConfigDirectory, ALedgerWhereOlderVersionsLookedIsNotSilentlyReplaced) {
  // An existing database under the working directory, where the same relative path used to point.
  fs::create_directories(root_ / "elsewhere" / "data");
  std::ofstream(root_ / "elsewhere" / "data" / "ledger.db") << "x";
  auto file = write("storage:\n  url: sqlite://data/ledger.db\n" + kProviders);
  auto d = errorOf([&] { loadConfigFile(file); });
  EXPECT_EQ(d.key, "storage.url");
  EXPECT_EQ(d.line, 2);
  EXPECT_NE(d.message.find((root_ / "elsewhere" / "data" / "ledger.db").string()), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("absolute path"), std::string::npos) << d.message;
  // Once the database is where the configuration says (moved, or created there), it serves.
  fs::create_directories(root_ / "etc" / "data");
  std::ofstream(root_ / "etc" / "data" / "ledger.db") << "x";
  EXPECT_EQ(loadConfigFile(file).storage.url, "sqlite://" + (root_ / "etc" / "data" / "ledger.db").string());
}

}  // namespace
}  // namespace turnpike::config
