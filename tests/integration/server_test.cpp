// HTTP behaviour of the real server with the mock provider: limits, errors, keep-alive,
// pipelining, health and Prometheus metrics.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gateway_fixture.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;

const char* kMockConfig = R"(
server:
  max_body_bytes: 4096
providers:
  - name: mock
    plugin: mock
    models:
      - id: mock-fast
        capabilities: [chat, completions, tools]
      - id: mock-embed
        capabilities: [embeddings]
)";

class ServerTest : public ::testing::Test {
 protected:
  GatewayFixture gw{kMockConfig};
};

TEST_F(ServerTest, OversizedBodyIs413BeforeTheBodyIsRead) {
  // Only the head is sent: the answer must come without waiting for 1 MB that never arrives.
  std::string reply = rawExchange(gw.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n");
  ASSERT_EQ(reply.rfind("HTTP/1.1 413 ", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"type\":\"invalid_request_error\""), std::string::npos);
  EXPECT_NE(reply.find("Connection: close"), std::string::npos);
  // Chunked bodies are counted as they arrive.
  std::string chunked = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n" +
                        std::string(4096, 'a') + "\r\n10\r\n" + std::string(16, 'b') + "\r\n0\r\n\r\n";
  reply = rawExchange(gw.port(), chunked);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413 ", 0), 0u) << reply;
}

TEST_F(ServerTest, UnknownRoutesAndMethods) {
  auto r = httpRequest(gw.port(), "GET", "/v2/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "not_found");
  r = httpRequest(gw.port(), "DELETE", "/v1/models");
  EXPECT_EQ(r.status, 405);
}

TEST_F(ServerTest, RequestValidationErrors) {
  auto r = postJson(gw.port(), "/v1/chat/completions", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "invalid_json");
  r = postJson(gw.port(), "/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["param"], "model");
  r = postJson(gw.port(), "/v1/chat/completions", R"({"model":"mock-fast","messages":[]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["param"], "messages");
  r = postJson(gw.port(), "/v1/chat/completions", R"({"model":"mock-fast","stream":"yes","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["param"], "stream");
  r = postJson(gw.port(), "/v1/chat/completions", R"({"model":"gpt-9","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 404);
  auto err = json::parse(r.body)["error"];
  EXPECT_EQ(err["code"], "model_not_found");
  EXPECT_NE(err["message"].get<std::string>().find("Available models: mock-fast, mock-embed"), std::string::npos);
  r = postJson(gw.port(), "/v1/embeddings", R"({"model":"mock-embed"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["param"], "input");
}

TEST_F(ServerTest, KeepAliveAndPipelinedRequestsAnswerInOrder) {
  std::string body = R"({"model":"mock-fast","messages":[{"role":"user","content":"one"}]})";
  std::string req1 = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string req2 = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string req3 = "GET /v1/models/mock-embed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string reply = rawExchange(gw.port(), req1 + req2 + req3);
  size_t a = reply.find("Mock reply from mock-fast: one");
  size_t b = reply.find("\"status\":\"ok\"");
  size_t c = reply.find("\"id\":\"mock-embed\"");
  ASSERT_NE(a, std::string::npos) << reply;
  ASSERT_NE(b, std::string::npos) << reply;
  ASSERT_NE(c, std::string::npos) << reply;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_F(ServerTest, MalformedRequestGets400AndClose) {
  std::string reply = rawExchange(gw.port(), "GARBAGE\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400 ", 0), 0u) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos);
}

TEST_F(ServerTest, Http10StreamEndsWithTheConnection) {
  std::string body = R"({"model":"mock-fast","stream":true,"messages":[{"role":"user","content":"x"}]})";
  std::string reply = rawExchange(
      gw.port(), "POST /v1/chat/completions HTTP/1.0\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(reply.rfind("HTTP/1.0 200 ", 0), 0u) << reply;
  EXPECT_EQ(reply.find("Transfer-Encoding"), std::string::npos);
  EXPECT_NE(reply.find("data: [DONE]\n\n"), std::string::npos);
}

TEST_F(ServerTest, ModelsListShowsPricesAndProviders) {
  auto r = httpRequest(gw.port(), "GET", "/v1/models");
  ASSERT_EQ(r.status, 200);
  auto list = json::parse(r.body);
  EXPECT_EQ(list["object"], "list");
  ASSERT_EQ(list["data"].size(), 2u);
  EXPECT_EQ(list["data"][0]["owned_by"], "mock");
  EXPECT_EQ(list["data"][0]["providers"][0]["name"], "mock");
  EXPECT_TRUE(list["data"][0]["price"].contains("input"));
  EXPECT_EQ(httpRequest(gw.port(), "GET", "/v1/models/nope").status, 404);
}

TEST_F(ServerTest, HealthAndMetricsPassPromtool) {
  ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", R"({"model":"mock-fast","messages":[{"role":"user","content":"x"}]})").status, 200);
  ASSERT_EQ(postJson(gw.port(), "/v1/chat/completions", R"({"model":"nope","messages":[{"role":"user","content":"x"}]})").status, 404);
  auto health = httpRequest(gw.port(), "GET", "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body)["status"], "ok");
  auto metrics = httpRequest(gw.port(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = metrics.body;
  EXPECT_NE(text.find(R"(turnpike_requests_total{provider="mock",model="mock-fast",status="200"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(turnpike_tokens_total{provider="mock",model="mock-fast",type="completion"})"), std::string::npos);
  EXPECT_NE(text.find(R"(turnpike_request_duration_seconds_count{provider="mock",model="mock-fast"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(turnpike_errors_total{provider="",model="",code="model_not_found"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(turnpike_http_requests_total{route="/v1/chat/completions",method="POST",status="404"} 1)"),
            std::string::npos);

  std::string path = ::testing::TempDir() + "/turnpike_metrics.txt";
  std::ofstream(path) << text;
  std::string cmd = "promtool check metrics < " + path + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[1024];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  EXPECT_EQ(pclose(pipe), 0) << out;
}

TEST_F(ServerTest, MockAnswersDeterministically) {
  std::string body = R"({"model":"mock-fast","n":2,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"same input"}]})";
  auto a = json::parse(postJson(gw.port(), "/v1/chat/completions", body).body);
  auto b = json::parse(postJson(gw.port(), "/v1/chat/completions", body).body);
  EXPECT_EQ(a["choices"], b["choices"]);
  EXPECT_EQ(a["choices"].size(), 2u);
  EXPECT_EQ(a["choices"][1]["message"]["content"], "Mock reply from mock-fast: same input");
  EXPECT_EQ(a["usage"]["prompt_tokens"], 5);  // 18 characters / 4, rounded up
}

}  // namespace
}  // namespace turnpike::test
