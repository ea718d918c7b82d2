// Payment endpoints against clients that want something for nothing, and against operator
// mistakes that would give it to them: the real binary over sockets, and after each attack the
// gateway still serves a normal request.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway_process.hpp"
#include "hostile_config.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;

const char* kDevLightning = R"(payments:
  - name: lightning
    plugin: lightning
    backend: dev
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

// A fresh invoice of the dev node, from an anonymous top-up.
std::string devInvoice(uint16_t port) {
  auto r = postJson(port, "/v1/topup", R"({"amount_sats":500})");
  EXPECT_EQ(r.status, 201) << r.body;
  return json::parse(r.body).value("payment_request", "");
}

// The mock provider beside a real one (openai_compat) whose upstream the test scripts.
std::string withUpstream(const std::string& yaml, const std::string& url) {
  return replaced(yaml, "providers:\n",
                  "providers:\n  - name: up\n    plugin: openai_compat\n    base_url: " + url +
                      "\n    models:\n      - id: up-paid\n        price: {request: 3000}\n        max_output_tokens: 20\n");
}

TEST(DevWallet, RefusesEveryRequestAProxyForwarded) {
  GatewayProcess gw(hostileConfig("", kDevLightning));
  std::string pay = json{{"invoice", devInvoice(gw.port())}}.dump();
  // nginx or Caddy on the same host connect from loopback for whoever the client is.
  for (const auto& [name, value] : Headers{{"X-Forwarded-For", "203.0.113.7"},
                                           {"X-Real-IP", "203.0.113.7"},
                                           {"Forwarded", "for=203.0.113.7;proto=https"},
                                           {"X-Forwarded-Proto", "https"},
                                           {"X-Forwarded-Host", "gateway.example"},
                                           {"Via", "1.1 nginx"}}) {
    auto r = postJson(gw.port(), "/dev/lightning/pay", pay, {{name, value}});
    EXPECT_EQ(r.status, 404) << name << ": " << r.body;
  }
  // A direct loopback client (the documented curl) is still the wallet.
  auto direct = postJson(gw.port(), "/dev/lightning/pay", pay);
  EXPECT_EQ(direct.status, 200) << direct.body;
  EXPECT_EQ(json::parse(direct.body).value("preimage", "").size(), 64u);
  EXPECT_TRUE(servesHealth(gw.port()));
}

TEST(DevWallet, GatewayListeningBeyondLoopbackDoesNotStart) {
  std::string yaml = replaced(hostileConfig("", kDevLightning), "listen: 127.0.0.1:0", "listen: 0.0.0.0:0");
  std::string output;
  try {
    GatewayProcess gw(yaml);
    ADD_FAILURE() << "the gateway served the dev wallet on 0.0.0.0, port " << gw.port();
  } catch (const std::runtime_error& e) {
    output = e.what();
  }
  // FILE:LINE: KEY: MESSAGE, at the listen line (the second of the file).
  EXPECT_NE(output.find(".yaml:2: server.listen: payment method 'lightning' serves POST /dev/lightning/pay"),
            std::string::npos)
      << output;
  // The same file with a loopback address starts.
  GatewayProcess loopback(hostileConfig("", kDevLightning));
  EXPECT_TRUE(servesHealth(loopback.port()));
}

TEST(DevWallet, BesideARealProviderItIsAnnouncedLoudly) {
  const std::string kWarning = "DEVELOPMENT WALLET ENABLED";
  {
    GatewayProcess mockOnly(hostileConfig("", kDevLightning));
    EXPECT_TRUE(servesHealth(mockOnly.port()));
    EXPECT_EQ(mockOnly.log().find(kWarning), std::string::npos) << mockOnly.log();
  }
  // A second provider behind a real plugin (its upstream need not exist to start).
  GatewayProcess beside(withUpstream(hostileConfig("", kDevLightning), "http://127.0.0.1:9/v1"));
  EXPECT_TRUE(beside.waitForLog(kWarning)) << beside.log();
  EXPECT_NE(beside.log().find("beside provider 'up' (plugin openai_compat)"), std::string::npos) << beside.log();
  EXPECT_TRUE(servesHealth(beside.port()));
}

}  // namespace
}  // namespace turnpike::test
