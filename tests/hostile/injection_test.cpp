// Bytes that would split a line where they are written: CR/LF in a model id an upstream lists
// (it reaches the x-turnpike-model response header), and in a percent-encoded request path
// (it reaches the access log).
#include <gtest/gtest.h>

#include "fake_upstream.hpp"
#include "gateway_process.hpp"
#include "hostile_config.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using Poco::Net::HTTPServerResponse;

TEST(Injection, AnUpstreamModelIdCannotAddResponseHeaders) {
  FakeUpstream up([](const RecordedRequest& r, HTTPServerResponse& res) {
    if (r.uri.find("/models") != std::string::npos) {
      FakeUpstream::sendJson(res, 200, R"({"object":"list","data":[{"id":"evil\r\nSet-Cookie: session=stolen","object":"model"}]})");
      return;
    }
    FakeUpstream::sendJson(res, 200, chatCompletionJson("evil", "hi"));
  });
  HostileConfig config;
  config.upstream = up.baseUrl();
  config.upstreamExtra = "    discover_models: true\n";
  GatewayProcess gw(hostileConfig(config));
  std::string body = R"({"model":"evil\r\nSet-Cookie: session=stolen","messages":[{"role":"user","content":"x"}]})";
  std::string reply = rawExchange(gw.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                             "Content-Type: application/json\r\nContent-Length: " +
                                                 std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string head = reply.substr(0, reply.find("\r\n\r\n"));
  ASSERT_EQ(reply.rfind("HTTP/1.1 200 ", 0), 0u) << reply;
  EXPECT_NE(head.find("\r\nx-turnpike-model: evilSet-Cookie: session=stolen\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("\r\nSet-Cookie"), std::string::npos) << head;
  EXPECT_TRUE(servesHealth(gw.port()));
}

TEST(Injection, ADecodedPathCannotForgeAccessLogLines) {
  HostileConfig config;
  config.log = "  level: information\n  access: true\n";
  GatewayProcess gw(hostileConfig(config));
  std::string reply = rawExchange(gw.port(), "GET /x%0d%0a2030-01-01%20FORGED%20200%201us HTTP/1.1\r\nHost: x\r\n"
                                             "Connection: close\r\n\r\n");
  ASSERT_EQ(reply.rfind("HTTP/1.1 404 ", 0), 0u) << reply;
  ASSERT_TRUE(gw.waitForLog("FORGED")) << gw.log();
  std::string log = gw.log();
  EXPECT_EQ(log.find("\n2030-01-01 FORGED"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("GET /x\r\n2030-01-01 FORGED 200 1us" 404)"), std::string::npos) << log;
  EXPECT_TRUE(servesHealth(gw.port()));
}

}  // namespace
}  // namespace turnpike::test
