// Clients that hold connections open by sending slowly or by opening many: a header that
// trickles in a byte at a time, a body below the minimum rate, one address taking every slot.
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "gateway_process.hpp"
#include "hostile_config.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using Clock = std::chrono::steady_clock;

// Sends `bytes` one at a time, `gap` apart, until the gateway closes the connection or
// `limit` passes; returns how long that took and what the gateway answered.
struct Trickle {
  bool closed = false;
  std::chrono::milliseconds took{0};
  std::string answer;
};
Trickle trickle(RawSocket& s, const std::string& bytes, std::chrono::milliseconds gap, std::chrono::seconds limit) {
  Trickle t;
  auto start = Clock::now();
  for (size_t i = 0; Clock::now() - start < limit; i = (i + 1) % bytes.size()) {
    s.send(bytes.substr(i, 1), std::chrono::milliseconds(100));
    if (s.closedByPeer(gap, &t.answer)) {
      t.closed = true;
      break;
    }
  }
  t.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return t;
}

TEST(SlowClients, HeadersTricklingInAreCutAtTheHeaderDeadline) {
  GatewayProcess gw(hostileConfig("  header_timeout_ms: 2000\n"));
  RawSocket s(gw.port());
  s.send("GET /health HTTP/1.1\r\nHost: x\r\n");
  // A byte every 200 ms: an inactivity timer would never fire; a deadline does.
  auto t = trickle(s, "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaa\r\n", std::chrono::milliseconds(200), std::chrono::seconds(20));
  EXPECT_TRUE(t.closed);
  EXPECT_LT(t.took, std::chrono::seconds(10));
  EXPECT_EQ(t.answer.rfind("HTTP/1.1 408 ", 0), 0u) << t.answer;
  EXPECT_TRUE(servesHealth(gw.port()));
}

TEST(SlowClients, ABodyBelowTheMinimumRateIsCut) {
  GatewayProcess gw(hostileConfig("  min_body_rate: 1000\n  body_grace_ms: 1000\n"));
  RawSocket s(gw.port());
  s.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
  // 5 bytes a second against a minimum of 1000.
  auto t = trickle(s, "{\"model\":\"mock-fast\"", std::chrono::milliseconds(200), std::chrono::seconds(20));
  EXPECT_TRUE(t.closed);
  EXPECT_LT(t.took, std::chrono::seconds(10));
  EXPECT_EQ(t.answer.rfind("HTTP/1.1 408 ", 0), 0u) << t.answer;
  EXPECT_TRUE(servesHealth(gw.port()));
}

TEST(SlowClients, OneAddressCannotTakeEverySlot) {
  GatewayProcess gw(hostileConfig("  max_connections_per_ip: 8\n"));
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<RawSocket>(gw.port()));
    // Answered first, so it is surely accepted (each loop accepts on its own), then kept with
    // a request started and never finished.
    std::string answer;
    held.back()->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(held.back()->receiveUntil(answer, "\"status\":\"ok\"")) << answer;
    held.back()->send("GET /health HTTP/1.1\r\nHost: x\r\n");
  }
  // The ninth is closed at accept, without an answer.
  RawSocket ninth(gw.port());
  std::string answer;
  EXPECT_TRUE(ninth.closedByPeer(std::chrono::seconds(5), &answer));
  EXPECT_EQ(answer, "");
  // The slots come back with the connections.
  held.clear();
  EXPECT_TRUE(servesHealthWithin(gw.port(), std::chrono::seconds(5)));
  auto metrics = httpRequest(gw.port(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("turnpike_connections_refused_total "), std::string::npos);
  EXPECT_EQ(metrics.body.find("turnpike_connections_refused_total 0\n"), std::string::npos);
}

TEST(SlowClients, TrustedProxiesAreNotCappedPerAddress) {
  // Behind a reverse proxy every client has the proxy's address.
  GatewayProcess gw(hostileConfig("  max_connections_per_ip: 2\n  trusted_proxies: [127.0.0.1]\n"));
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 6; ++i) {
    held.push_back(std::make_unique<RawSocket>(gw.port()));
    held.back()->send("GET /health HTTP/1.1\r\nHost: x\r\n");
  }
  for (auto& s : held) {
    s->send("\r\n");
    std::string answer;
    EXPECT_TRUE(s->receiveUntil(answer, "\"status\":\"ok\"")) << answer;
  }
  EXPECT_TRUE(servesHealth(gw.port()));
}

}  // namespace
}  // namespace turnpike::test
