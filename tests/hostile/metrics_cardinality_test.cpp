// Request data that could become a metric label: random methods (any token is a valid
// method), random paths. The number of series stays bounded whatever the client sends.
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "gateway_process.hpp"
#include "hostile_config.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

size_t seriesOf(const std::string& metrics, const std::string& family) {
  std::istringstream in(metrics);
  size_t n = 0;
  for (std::string line; std::getline(in, line);)
    if (line.rfind(family + "{", 0) == 0) ++n;
  return n;
}

TEST(MetricsCardinality, RandomMethodsAndPathsDoNotMintSeries) {
  GatewayProcess gw(hostileConfig());
  std::mt19937 random(7);
  std::string pipelined;
  for (int i = 0; i < 2000; ++i) {
    std::string method = "M";
    for (int j = 0; j < 12; ++j) method.push_back(static_cast<char>('A' + random() % 26));
    std::string path = i % 2 == 0 ? "/metrics" : "/nowhere/" + std::to_string(random());
    pipelined += method + " " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  {
    RawSocket s(gw.port());
    s.send(pipelined);
    s.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::string all;
    ASSERT_TRUE(s.receiveUntil(all, "\"status\":\"ok\"", std::chrono::seconds(20)));
  }
  std::string metrics = httpRequest(gw.port(), "GET", "/metrics").body;
  // route x method x status: a handful, not 2000.
  EXPECT_LE(seriesOf(metrics, "turnpike_http_requests_total"), 10u) << metrics;
  EXPECT_NE(metrics.find("method=\"other\""), std::string::npos);
  EXPECT_EQ(metrics.find("method=\"M"), std::string::npos);
  EXPECT_EQ(metrics.find("/nowhere/"), std::string::npos);
  EXPECT_LE(seriesOf(metrics, "turnpike_http_request_duration_seconds_bucket"), 4u * 19);
  EXPECT_TRUE(servesHealth(gw.port()));
}

}  // namespace
}  // namespace turnpike::test
