// Clients that stop reading: pipelined requests whose answers pile up unread, and a billed
// stream whose reader stalls. Memory stays bounded, the stalled connection is closed at
// server.send_timeout_ms, and the stream is settled for what was sent.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "fake_upstream.hpp"
#include "gateway_process.hpp"
#include "hostile_config.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using Poco::Net::HTTPServerResponse;

TEST(SlowReaders, PipelinedRequestsFromAClientThatNeverReadsStayBounded) {
  GatewayProcess gw(hostileConfig());
  ASSERT_TRUE(servesHealth(gw.port()));
  long before = gw.rssKb();
  const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  const size_t count = 100'000;
  std::string pipelined;
  pipelined.reserve(request.size() * count);
  for (size_t i = 0; i < count; ++i) pipelined += request;
  RawSocket s(gw.port(), 4096);
  size_t sent = s.send(pipelined, std::chrono::seconds(2));
  // Measured once the gateway has stopped working on them (all answered, or held).
  for (auto until = Clock::now() + std::chrono::seconds(30); Clock::now() < until;) {
    long cpu = gw.cpuMs();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    if (gw.cpuMs() - cpu < 30) break;
  }
  long grown = gw.rssKb() - before;
  RecordProperty("rss_growth_kb", std::to_string(grown));
  // Unbounded, 100k answers of ~170 bytes are 17 MB and more.
  if (GatewayProcess::rssIsMeaningful()) {
    EXPECT_LT(grown, 6 * 1024) << "RSS grew by " << grown << " KiB; " << sent << " bytes of requests were taken";
  }
  EXPECT_TRUE(servesHealth(gw.port()));

  // Reading now, the held requests are answered in order: parsing resumes as output drains.
  s.send(std::string_view(pipelined).substr(sent), std::chrono::seconds(10));
  const std::string status = "HTTP/1.1 200 ";
  size_t answered = 0;
  std::string window;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (answered < count && Clock::now() < deadline) {
    std::string chunk = s.receive(std::chrono::seconds(3));
    if (chunk.empty()) break;
    window.append(chunk);
    for (size_t at = window.find(status); at != std::string::npos; at = window.find(status, at + 1)) ++answered;
    window.erase(0, window.size() > status.size() ? window.size() - (status.size() - 1) : 0);
  }
  EXPECT_EQ(answered, count);
  EXPECT_TRUE(servesHealth(gw.port()));
}

json getJson(uint16_t port, const std::string& path, const std::string& key) {
  auto r = httpRequest(port, "GET", path, "", {{"Authorization", "Bearer " + key}});
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body);
}

TEST(SlowReaders, AStalledStreamReaderIsClosedAndBilledForWhatWasSent) {
  // An upstream that would stream about 40 MB, far more than any socket buffer holds.
  FakeUpstream up([](const RecordedRequest&, HTTPServerResponse& res) {
    res.setChunkedTransferEncoding(true);
    res.setContentType("text/event-stream");
    std::ostream& out = res.send();
    std::string event = "data: " + chunkJson("up-paid", std::string(4000, 'a')) + "\n\n";
    for (int i = 0; i < 10'000 && out.good(); ++i) {
      out << event;
      out.flush();
    }
  });
  HostileConfig config;
  config.server = "  admin_token: hostile-admin-token-of-32-characters-at-least\n  send_timeout_ms: 1000\n";
  config.upstream = up.baseUrl();
  GatewayProcess gw(hostileConfig(config));
  auto created = httpRequest(gw.port(), "POST", "/admin/accounts", R"({"name":"reader","credit":1000000})",
                             {{"Authorization", "Bearer hostile-admin-token-of-32-characters-at-least"}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string key = json::parse(created.body)["api_key"];

  RawSocket s(gw.port(), 4096);
  std::string body = R"({"model":"up-paid","stream":true,"messages":[{"role":"user","content":"go"}]})";
  s.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string head;
  ASSERT_TRUE(s.receiveUntil(head, "data: ")) << head;
  ASSERT_EQ(head.rfind("HTTP/1.1 200 ", 0), 0u) << head;
  // The client reads no further. Within a generous bound the gateway gives up on it: the
  // reservation is released and what was sent is charged.
  auto start = Clock::now();
  json me;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    me = getJson(gw.port(), "/v1/me", key);
  } while (me["reserved"] != 0 && Clock::now() - start < std::chrono::seconds(20));
  EXPECT_EQ(me["reserved"], 0) << "the stalled stream still holds its reservation";
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(15));
  auto usage = getJson(gw.port(), "/v1/usage/history", key)["data"];
  ASSERT_EQ(usage.size(), 1u) << usage.dump();
  EXPECT_EQ(usage[0]["status"], 499) << usage.dump();
  int64_t cost = usage[0]["cost"];
  EXPECT_GT(cost, 0) << "text the client was sent went unbilled";
  EXPECT_EQ(me["balance"], 1000000 - cost);
  // The connection is gone: what the socket still holds, then the end.
  EXPECT_TRUE(s.closedByPeer(std::chrono::seconds(10)));
  EXPECT_TRUE(servesHealth(gw.port()));
}

}  // namespace
}  // namespace turnpike::test
