// Exhausted resources must not turn into a busy loop: out of file descriptors at accept, and a
// half-close that arrives while reads are paused. CPU is measured from /proc over a few
// seconds; a spinning loop thread uses a whole core.
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "fake_upstream.hpp"
#include "gateway_process.hpp"
#include "hostile_config.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using Poco::Net::HTTPServerResponse;

// CPU the gateway uses over `window`, in milliseconds.
long cpuOver(const GatewayProcess& gw, std::chrono::milliseconds window) {
  long before = gw.cpuMs();
  std::this_thread::sleep_for(window);
  return gw.cpuMs() - before;
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Resources, OutOfDescriptorsAtAcceptDoesNotSpin) {
  GatewayProcess::Options options;
  options.maxOpenFiles = 96;
  GatewayProcess gw(hostileConfig(), options);
  ASSERT_TRUE(servesHealth(gw.port()));
  // More connections than descriptors left: the rest wait in the listen backlog.
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 150; ++i) held.push_back(std::make_unique<RawSocket>(gw.port()));
  ASSERT_TRUE(gw.waitForLog("accept: ", std::chrono::seconds(5))) << gw.log();
  EXPECT_GE(gw.openFiles(), 90);
  long cpu = cpuOver(gw, std::chrono::seconds(3));
  EXPECT_LT(cpu, 600) << "a loop spins on the listener";
  EXPECT_LE(occurrences(gw.log(), "accept: "), 2u) << "one line per shortage and loop, not one per wake-up";
  // Descriptors come back with the connections, and the gateway serves again.
  held.clear();
  EXPECT_TRUE(servesHealthWithin(gw.port(), std::chrono::seconds(5)));
  EXPECT_TRUE(gw.running());
}

TEST(Resources, AHalfCloseWhileReadsArePausedDoesNotSpin) {
  Gate release;
  FakeUpstream up([&](const RecordedRequest&, HTTPServerResponse& res) {
    release.wait(std::chrono::seconds(30));
    FakeUpstream::sendJson(res, 200, chatCompletionJson("up-free", "late"));
  });
  HostileConfig config;
  config.upstream = up.baseUrl();
  GatewayProcess gw(hostileConfig(config));
  RawSocket s(gw.port());
  std::string body = R"({"model":"up-free","messages":[{"role":"user","content":"wait"}]})";
  s.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body);
  // While that exchange waits for the upstream, more than the read-ahead limit (1 MiB) of
  // pipelined requests: reads pause with the rest in the socket. Then the client half-closes.
  std::string request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string pipelined;
  while (pipelined.size() < 1200 * 1024) pipelined += request;
  ASSERT_EQ(s.send(pipelined, std::chrono::seconds(5)), pipelined.size());
  s.shutdownWrite();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  long cpu = cpuOver(gw, std::chrono::seconds(2));
  EXPECT_LT(cpu, 500) << "the loop spins on a half-close it cannot read yet";
  release.open();
  // The exchange ends; the gateway reads on, finds the end of input and closes.
  EXPECT_TRUE(s.closedByPeer(std::chrono::seconds(10)));
  EXPECT_TRUE(servesHealth(gw.port()));
}

}  // namespace
}  // namespace turnpike::test
