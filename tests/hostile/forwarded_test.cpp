// X-Forwarded-For names the client only when a trusted proxy sent it: a direct client cannot
// pick the address its limits and log lines are filed under.
#include <gtest/gtest.h>

#include "gateway_process.hpp"
#include "hostile_config.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

const std::string kAccessLog = "log:\n  level: information\n  access: true\n";

std::string configWith(const std::string& server) {
  // The access log line shows whom the gateway took for the client.
  std::string yaml = hostileConfig(server);
  const std::string quiet = "log:\n  level: notice\n";
  return yaml.replace(yaml.find(quiet), quiet.size(), kAccessLog);
}

TEST(Forwarded, AnUntrustedPeerCannotNameItsOwnAddress) {
  GatewayProcess gateway(configWith(""));
  auto r = httpRequest(gateway.port(), "GET", "/health", "", {{"X-Forwarded-For", "203.0.113.77"}});
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(gateway.waitForLog("\"GET /health\" 200"));
  EXPECT_EQ(gateway.log().find("203.0.113.77"), std::string::npos) << gateway.log();
  EXPECT_NE(gateway.log().find("127.0.0.1 \"GET /health\""), std::string::npos) << gateway.log();
}

TEST(Forwarded, BehindATrustedProxyTheNearestUntrustedHopIsTheClient) {
  GatewayProcess gateway(configWith("  trusted_proxies: [127.0.0.1, 10.0.0.0/8]\n"));
  auto r = httpRequest(gateway.port(), "GET", "/health", "",
                       {{"X-Forwarded-For", "6.6.6.6, 203.0.113.77, 10.1.2.3"}});
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(gateway.waitForLog("203.0.113.77 \"GET /health\" 200")) << gateway.log();
  EXPECT_EQ(gateway.log().find("6.6.6.6"), std::string::npos);
  EXPECT_TRUE(servesHealth(gateway.port()));
}

}  // namespace
}  // namespace turnpike::test
