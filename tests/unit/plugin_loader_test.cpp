#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "plugins/loader.hpp"
#include "plugins/provider.hpp"

namespace turnpike::plugins {
namespace {

std::string loadError(const std::string& dir, const std::string& name, tp_plugin_kind kind = TP_KIND_PROVIDER) {
  Loader loader(dir);
  try {
    loader.load(name, kind);
  } catch (const LoadError& e) {
    return e.what();
  }
  ADD_FAILURE() << name << " loaded";
  return {};
}

TEST(PluginLoader, RefusesWrongAbiVersionNamingFileAndBothVersions) {
  auto e = loadError(TURNPIKE_TEST_FIXTURE_PLUGIN_DIR, "bad_abi");
  EXPECT_NE(e.find("libbad_abi.so"), std::string::npos) << e;
  EXPECT_NE(e.find("ABI v99"), std::string::npos) << e;
  EXPECT_NE(e.find("speaks v1"), std::string::npos) << e;
}

TEST(PluginLoader, RefusesWrongKind) {
  auto e = loadError(TURNPIKE_TEST_FIXTURE_PLUGIN_DIR, "wrong_kind");
  EXPECT_NE(e.find("libwrong_kind.so"), std::string::npos) << e;
  EXPECT_NE(e.find("is a payment plugin, configured as a provider"), std::string::npos) << e;
}

TEST(PluginLoader, RefusesTruncatedTables) {
  auto e = loadError(TURNPIKE_TEST_FIXTURE_PLUGIN_DIR, "tiny_descriptor");
  EXPECT_NE(e.find("descriptor is 8 bytes"), std::string::npos) << e;
  e = loadError(TURNPIKE_TEST_FIXTURE_PLUGIN_DIR, "small_vtable");
  EXPECT_NE(e.find("vtable is 8 bytes"), std::string::npos) << e;
}

TEST(PluginLoader, RefusesNonPluginsAndMissingFiles) {
  auto e = loadError(TURNPIKE_TEST_FIXTURE_PLUGIN_DIR, "no_entry");
  EXPECT_NE(e.find("not a Turnpike plugin"), std::string::npos) << e;
  e = loadError(TURNPIKE_TEST_FIXTURE_PLUGIN_DIR, "refuses");
  EXPECT_NE(e.find("refused to load"), std::string::npos) << e;
  e = loadError(TURNPIKE_TEST_FIXTURE_PLUGIN_DIR, "nope");
  EXPECT_NE(e.find("not found"), std::string::npos) << e;
  EXPECT_NE(e.find("libnope.so"), std::string::npos) << e;
}

TEST(PluginLoader, LoadsRealPluginsOnceAndChecksKindOnReuse) {
  Loader loader(TURNPIKE_TEST_PLUGIN_DIR);
  const auto& mock = loader.load("mock", TP_KIND_PROVIDER);
  EXPECT_STREQ(mock.descriptor->name, "mock");
  EXPECT_EQ(mock.descriptor->abi_version, TP_ABI_VERSION);
  EXPECT_EQ(&loader.load("mock", TP_KIND_PROVIDER), &mock);
  EXPECT_THROW(loader.load("mock", TP_KIND_PAYMENT), LoadError);
  EXPECT_EQ(loader.loaded().size(), 1u);
}

TEST(PluginLoader, PluginsExportOnlyTheEntryPoint) {
  // -fvisibility=hidden: the plugin's own classes never leak into the global symbol table.
  for (const char* name : {"mock", "openai_compat", "anthropic"}) {
    std::string cmd = std::string("nm -DC --defined-only ") + TURNPIKE_TEST_PLUGIN_DIR + "/lib" + name + ".so";
    FILE* pipe = popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    ASSERT_EQ(pclose(pipe), 0) << cmd;
    EXPECT_NE(out.find("turnpike_plugin_entry"), std::string::npos) << out;
    EXPECT_EQ(out.find("Provider"), std::string::npos) << out;
    EXPECT_EQ(out.find("turnpike::"), std::string::npos) << out;
  }
}

TEST(Provider, CreateErrorsCarryThePluginMessage) {
  Loader loader(TURNPIKE_TEST_PLUGIN_DIR);
  const auto& plugin = loader.load("openai_compat", TP_KIND_PROVIDER);
  try {
    Provider p(plugin, "x", nlohmann::json{{"base_url", "ftp://example.org"}}, {});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("base_url must start with http"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace turnpike::plugins
