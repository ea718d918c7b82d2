// The sample plugin in tests/sdk_sample was built as a separate CMake project against the SDK
// headers only (ctest fixture sdk_sample_build); here the real loader loads it and the gateway
// serves through it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/diagnostics.hpp"
#include "gateway_fixture.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

TEST(SdkSample, OutOfTreePluginLoadsAndServes) {
  std::string yaml = expand(R"(
plugins:
  dir: {{dir}}
providers:
  - name: echo
    plugin: echo_provider
    greeting: hello
    models: [echo-1]
)", "dir", TURNPIKE_SDK_SAMPLE_DIR);
  GatewayFixture gw(yaml);
  auto r = postJson(gw.port(), "/v1/chat/completions", R"({"model":"echo-1","messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "hello from echo-1");

  SseClient s(gw.port(), "/v1/chat/completions",
              R"({"model":"echo-1","stream":true,"messages":[{"role":"user","content":"x"}]})");
  auto events = s.rest();
  ASSERT_EQ(events.size(), 2u);  // the usage chunk the client did not ask for is stripped
  EXPECT_NE(events[0].find("hello from echo-1"), std::string::npos);
  EXPECT_EQ(events[1], "[DONE]");
}

TEST(SdkSample, PluginValidatesItsOwnConfig) {
  std::string yaml = expand(R"(
plugins:
  dir: {{dir}}
providers:
  - name: echo
    plugin: echo_provider
    models: [echo-1]
)", "dir", TURNPIKE_SDK_SAMPLE_DIR);
  try {
    GatewayFixture gw(yaml);
    FAIL() << "missing greeting accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("providers[0].greeting: required key is missing"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace turnpike::test
