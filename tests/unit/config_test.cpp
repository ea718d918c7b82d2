#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "config/config_loader.hpp"
#include "config/env_subst.hpp"
#include "config/plugin_schema.hpp"

namespace turnpike::config {
namespace {

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const char* kMinimal = R"(
providers:
  - name: local
    plugin: openai_compat
    base_url: http://127.0.0.1:9000/v1
    models:
      - id: gpt-4o-mini
        price: {input: 150000, output: 600000}
)";

// The first diagnostic of a config that must fail.
Diagnostic firstError(const std::string& yaml, const EnvLookup& env = envOf({})) {
  try {
    parseConfigText(yaml, "t.yaml", env);
  } catch (const ConfigError& e) {
    EXPECT_FALSE(e.diagnostics().empty());
    return e.diagnostics().front();
  }
  ADD_FAILURE() << "config was accepted:\n" << yaml;
  return {};
}

TEST(Config, MinimalConfigGetsDefaults) {
  auto c = parseConfigText(kMinimal, "t.yaml", envOf({}));
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.server.maxBodyBytes, 8u * 1024 * 1024);
  EXPECT_TRUE(c.server.adminToken.empty());
  EXPECT_EQ(c.storage.url, "sqlite://" + std::filesystem::current_path().string() + "/data/turnpike.db");
  ASSERT_EQ(c.providers.size(), 1u);
  const auto& p = c.providers[0];
  EXPECT_EQ(p.name, "local");
  EXPECT_EQ(p.plugin, "openai_compat");
  EXPECT_EQ(p.timeoutMs, 60000u);
  ASSERT_EQ(p.models.size(), 1u);
  EXPECT_EQ(p.models[0].id, "gpt-4o-mini");
  EXPECT_EQ(p.models[0].upstreamId, "gpt-4o-mini");
  EXPECT_EQ(p.models[0].price.input, 150000);
  EXPECT_EQ(p.models[0].price.output, 600000);
  EXPECT_EQ(p.where.line, 3);
}

TEST(Config, ListenParsesHostAndPort) {
  auto c = parseConfigText(std::string("server:\n  listen: 0.0.0.0:9090\n") + kMinimal, "t.yaml", envOf({}));
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 9090);
  c = parseConfigText(std::string("server:\n  listen: '[::1]:7000'\n") + kMinimal, "t.yaml", envOf({}));
  EXPECT_EQ(c.server.host, "::1");
  EXPECT_EQ(c.server.port, 7000);
  auto d = firstError(std::string("server:\n  listen: localhost\n") + kMinimal);
  EXPECT_EQ(d.key, "server.listen");
  EXPECT_EQ(d.line, 2);
}

TEST(Config, ConnectionLimitsHaveSafeDefaultsAndRefuseZero) {
  auto c = parseConfigText(kMinimal, "t.yaml", envOf({}));
  EXPECT_EQ(c.server.headerTimeoutMs, 15000u);
  EXPECT_EQ(c.server.minBodyRate, 1024u);
  EXPECT_EQ(c.server.bodyGraceMs, 10000u);
  EXPECT_EQ(c.server.sendTimeoutMs, 60000u);
  EXPECT_EQ(c.server.maxConnectionsPerIp, 256u);
  c = parseConfigText(std::string("server:\n  max_connections_per_ip: 10\n  min_body_rate: 64\n  body_grace_ms: 0\n") +
                          kMinimal,
                      "t.yaml", envOf({}));
  EXPECT_EQ(c.server.maxConnectionsPerIp, 10u);
  EXPECT_EQ(c.server.minBodyRate, 64u);
  EXPECT_EQ(c.server.bodyGraceMs, 0u);
  for (std::string key :
       {"keepalive_timeout_ms", "header_timeout_ms", "min_body_rate", "send_timeout_ms", "max_connections",
        "max_connections_per_ip"}) {
    auto d = firstError("server:\n  listen: 127.0.0.1:1\n  " + key + ": 0\n" + kMinimal);
    EXPECT_EQ(d.file, "t.yaml");
    EXPECT_EQ(d.line, 3) << key;
    EXPECT_EQ(d.key, "server." + key);
    EXPECT_NE(d.message.find("greater than 0"), std::string::npos) << d.message;
  }
}

TEST(Config, UnknownKeyNamesFileLineKeyAndSuggestion) {
  auto d = firstError(std::string("server:\n  listen: 127.0.0.1:1\n  admin_tokn: x\n") + kMinimal);
  EXPECT_EQ(d.file, "t.yaml");
  EXPECT_EQ(d.line, 3);
  EXPECT_EQ(d.key, "server.admin_tokn");
  EXPECT_NE(d.message.find("unknown key"), std::string::npos);
  EXPECT_NE(d.message.find("did you mean 'admin_token'"), std::string::npos);
  EXPECT_EQ(d.format().rfind("t.yaml:3: server.admin_tokn: unknown key", 0), 0u) << d.format();
}

TEST(Config, CorsOriginsAreCheckedWithTheirLine) {
  auto c = parseConfigText(std::string("server:\n  cors:\n    allowed_origins: [\"https://app.example.com\", \"*\", "
                                       "\"http://localhost:5173\"]\n") + kMinimal,
                           "t.yaml", envOf({}));
  EXPECT_EQ(c.server.corsOrigins.size(), 3u);
  EXPECT_TRUE(parseConfigText(kMinimal, "t.yaml", envOf({})).server.corsOrigins.empty()) << "none by default";
  auto d = firstError(std::string("server:\n  cors:\n    allowed_origins:\n      - https://ok.example\n"
                                  "      - https://app.example.com/\n") + kMinimal);
  EXPECT_EQ(d.line, 5);
  EXPECT_EQ(d.key, "server.cors.allowed_origins[1]");
  EXPECT_NE(d.message.find("no path"), std::string::npos) << d.message;
  d = firstError(std::string("server:\n  cors:\n    allowed_origins: [app.example.com]\n") + kMinimal);
  EXPECT_EQ(d.key, "server.cors.allowed_origins[0]");
  d = firstError(std::string("server:\n  cors:\n    allowed_orgins: [\"*\"]\n") + kMinimal);
  EXPECT_EQ(d.key, "server.cors.allowed_orgins");
}

TEST(Config, ResponsesRetentionDefaultsToADayAndIsBounded) {
  EXPECT_EQ(parseConfigText(kMinimal, "t.yaml", envOf({})).responses.retentionHours, 24u);
  auto c = parseConfigText(std::string("responses:\n  retention_hours: 72\n") + kMinimal, "t.yaml", envOf({}));
  EXPECT_EQ(c.responses.retentionHours, 72u);
  auto d = firstError(std::string("responses:\n  retention_hours: 0\n") + kMinimal);
  EXPECT_EQ(d.file, "t.yaml");
  EXPECT_EQ(d.line, 2);
  EXPECT_EQ(d.key, "responses.retention_hours");
  d = firstError(std::string("responses:\n  retention_hour: 5\n") + kMinimal);
  EXPECT_EQ(d.key, "responses.retention_hour");
}

TEST(Config, UnknownTopLevelKey) {
  auto d = firstError(std::string(kMinimal) + "providerz: []\n");
  EXPECT_EQ(d.key, "providerz");
  EXPECT_EQ(d.line, 9);
}

TEST(Config, WrongTypesAreReported) {
  auto d = firstError(std::string("server:\n  max_body_bytes: lots\n") + kMinimal);
  EXPECT_EQ(d.key, "server.max_body_bytes");
  EXPECT_EQ(d.line, 2);
  EXPECT_NE(d.message.find("non-negative integer"), std::string::npos);

  d = firstError(R"(
providers:
  - name: local
    plugin: mock
    models:
      - id: m
        price: {input: -5}
)");
  EXPECT_EQ(d.key, "providers[0].models[0].price.input");
  EXPECT_EQ(d.line, 7);

  d = firstError(R"(
providers:
  - name: local
    plugin: mock
    timeout_ms: [1]
    models: [m]
)");
  EXPECT_EQ(d.key, "providers[0].timeout_ms");
  EXPECT_EQ(d.line, 5);
}

TEST(Config, DuplicateNamesAreReported) {
  auto d = firstError(R"(
providers:
  - name: a
    plugin: mock
    models: [m]
  - name: a
    plugin: mock
    models: [m]
)");
  EXPECT_EQ(d.key, "providers[1].name");
  EXPECT_EQ(d.line, 6);
  EXPECT_NE(d.message.find("duplicate provider name"), std::string::npos);

  d = firstError(R"(
providers:
  - name: a
    plugin: mock
    models:
      - id: m
      - id: m
)");
  EXPECT_EQ(d.key, "providers[0].models[1].id");
  EXPECT_EQ(d.line, 7);
}

TEST(Config, SameModelMayComeFromSeveralProviders) {
  auto c = parseConfigText(R"(
providers:
  - name: a
    plugin: mock
    models: [shared]
  - name: b
    plugin: mock
    models: [shared]
)", "t.yaml", envOf({}));
  ASSERT_EQ(c.providers.size(), 2u);
  EXPECT_EQ(c.providers[1].models[0].id, "shared");
}

TEST(Config, MissingRequiredKeys) {
  auto d = firstError("server: {}\n");
  EXPECT_EQ(d.key, "providers");
  d = firstError("providers:\n  - plugin: mock\n    models: [m]\n");
  EXPECT_EQ(d.key, "providers[0].name");
  EXPECT_EQ(d.line, 2);
  d = firstError("providers:\n  - name: x\n    plugin: mock\n");
  EXPECT_EQ(d.key, "providers[0].models");
}

TEST(Config, YamlSyntaxErrorHasLine) {
  auto d = firstError("server:\n  listen: [unclosed\nproviders: []\n");
  EXPECT_GT(d.line, 0);
  EXPECT_NE(d.message.find("invalid YAML"), std::string::npos);
}

TEST(Config, AllProblemsAreCollected) {
  try {
    parseConfigText("server:\n  bogus: 1\n  port_x: 2\nstorage:\n  url: ftp://x\n", "t.yaml", envOf({}));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_GE(e.diagnostics().size(), 4u) << e.what();
  }
}

TEST(EnvSubst, SubstitutesWithDefaultsAndEscapes) {
  std::string error;
  auto env = envOf({{"HOST", "example.org"}, {"EMPTY", ""}});
  EXPECT_EQ(substitute("http://${HOST}:80", env, error), "http://example.org:80");
  EXPECT_EQ(substitute("${MISSING:-fallback}", env, error), "fallback");
  EXPECT_EQ(substitute("${EMPTY:-fallback}", env, error), "fallback");
  EXPECT_EQ(substitute("${MISSING:-}", env, error), "");
  EXPECT_EQ(substitute("$${HOST}", env, error), "${HOST}");
  EXPECT_EQ(substitute("cost $5", env, error), "cost $5");
  EXPECT_FALSE(substitute("${MISSING}", env, error));
  EXPECT_NE(error.find("MISSING is not set"), std::string::npos);
  EXPECT_FALSE(substitute("${UNCLOSED", env, error));
  EXPECT_FALSE(substitute("${1BAD}", env, error));
}

TEST(EnvSubst, AppliesToScalarsWithoutChangingStructure) {
  // A secret holding YAML syntax stays one string value.
  auto c = parseConfigText(R"(
server:
  admin_token: ${TOKEN}
  listen: 127.0.0.1:${PORT:-8181}
providers:
  - name: p
    plugin: mock
    models: [m]
)", "t.yaml", envOf({{"TOKEN", "a#b: c, and 32 characters at least"}}));
  EXPECT_EQ(c.server.adminToken, "a#b: c, and 32 characters at least");
  EXPECT_EQ(c.server.port, 8181);
}

TEST(EnvSubst, UnsetVariableNamesKeyAndLine) {
  auto d = firstError(std::string("server:\n  admin_token: ${NOPE}\n") + kMinimal);
  EXPECT_EQ(d.key, "server.admin_token");
  EXPECT_EQ(d.line, 2);
  EXPECT_NE(d.message.find("NOPE"), std::string::npos);
}

// Found by tests/fuzz/config_loader: an alias inside its own anchor is a cycle to yaml-cpp, and
// the substitution walk recursed until the stack overflowed.
TEST(EnvSubst, AliasInsideItsOwnAnchorIsAnError) {
  auto d = firstError(std::string("extra: &loop\n  again: *loop\n") + kMinimal);
  EXPECT_NE(d.message.find("alias inside its own anchor"), std::string::npos) << d.message;
}

// Aliases of aliases expand exponentially; the walk stops instead of visiting 10^9 values.
TEST(EnvSubst, AliasExpansionIsBounded) {
  std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int k = 1; k < 10; ++k) yaml += ", " + prev;
    yaml += "]\n";
  }
  auto d = firstError(yaml + kMinimal);
  EXPECT_NE(d.message.find("values once aliases are expanded"), std::string::npos) << d.message;
}

TEST(PluginSchema, ValidatesTypesRequiredAndUnknownKeys) {
  auto schema = PluginSchema::parse(R"({
    "base_url": {"type": "string", "required": true},
    "api_key": {"type": "string", "secret": true},
    "retries": {"type": "integer", "default": 2},
    "headers": {"type": "object", "secret": true}
  })");
  auto root = YAML::Load(R"(
name: p
plugin: x
models: [m]
base_url: http://h/v1
api_key: sk-123456
headers: {X-Key: abcdef}
)");
  Diagnostics d("t.yaml");
  auto section = validatePluginSection(root, providerCoreKeys(), schema, "providers[0]", d);
  EXPECT_TRUE(d.ok()) << d.report();
  EXPECT_EQ(section.config["base_url"], "http://h/v1");
  EXPECT_EQ(section.config["retries"], 2);
  EXPECT_EQ(section.config["headers"]["X-Key"], "abcdef");
  EXPECT_EQ(section.secrets, (std::vector<std::string>{"sk-123456", "abcdef"}));

  auto bad = YAML::Load("name: p\nplugin: x\nmodels: [m]\nretries: many\nbase_urll: x\n");
  Diagnostics d2("t.yaml");
  validatePluginSection(bad, providerCoreKeys(), schema, "providers[0]", d2);
  ASSERT_EQ(d2.list().size(), 3u) << d2.report();
  EXPECT_EQ(d2.list()[0].key, "providers[0].base_url");  // required
  EXPECT_EQ(d2.list()[1].key, "providers[0].retries");
  EXPECT_EQ(d2.list()[1].line, 4);
  EXPECT_EQ(d2.list()[2].key, "providers[0].base_urll");
  EXPECT_NE(d2.list()[2].message.find("did you mean 'base_url'"), std::string::npos);
}

TEST(PluginSchema, NestedValuesKeepTheirYamlTypes) {
  auto schema = PluginSchema::parse(R"({"l402": {"type": "object"}})");
  auto root = YAML::Load(R"(
name: p
plugin: x
l402: {enabled: false, valid_seconds: 60, ratio: 0.5, service: "007", list: [1, "2", true], none: ~}
)");
  Diagnostics d("t.yaml");
  auto section = validatePluginSection(root, paymentCoreKeys(), schema, "payments[0]", d);
  ASSERT_TRUE(d.ok()) << d.report();
  const auto& l402 = section.config["l402"];
  EXPECT_EQ(l402["enabled"], false);
  EXPECT_EQ(l402["valid_seconds"], 60);
  EXPECT_EQ(l402["ratio"], 0.5);
  EXPECT_EQ(l402["service"], "007");  // quoted: text
  EXPECT_EQ(l402["list"], nlohmann::json::parse(R"([1, "2", true])"));
  EXPECT_TRUE(l402["none"].is_null());
}

TEST(PluginSchema, MalformedSchemaIsRejected) {
  EXPECT_THROW(PluginSchema::parse("[1]"), std::invalid_argument);
  EXPECT_THROW(PluginSchema::parse(R"({"k": {"type": "pointer"}})"), std::invalid_argument);
}

}  // namespace
}  // namespace turnpike::config
