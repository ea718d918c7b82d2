// The HTTP server in process, with routes of the test's own, over raw sockets: what reaches
// response headers, and what a throwing callback costs.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "gateway_process.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace turnpike::http {
namespace {

using test::RawSocket;

std::string get(uint16_t port, const std::string& path) {
  RawSocket s(port);
  s.send("GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  return s.receive(std::chrono::milliseconds(2000));
}

class HttpServer : public ::testing::Test {
 protected:
  void start(ExchangeObserver observer = {}) {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.loops = 1;
    options.pools = {WorkerPoolOptions{"", 2, 0}};
    server_ = std::make_unique<Server>(options, router_, std::move(observer));
    server_->start();
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  Router router_;
  std::unique_ptr<Server> server_;
};

TEST_F(HttpServer, ControlBytesNeverReachResponseHeaders) {
  router_.addBlocking("GET", "/headers", [](const Request&, const PathParams&) {
    Response r = Response::text(200, "ok");
    r.headers.push_back({"x-turnpike-model", "evil\r\nSet-Cookie: session=stolen\r\n\r\n<html>"});
    r.headers.push_back({"bad name", "dropped"});
    r.headers.push_back({"x-bad\r\nInjected", "dropped"});
    r.headers.push_back({"x-tab", "a\tb"});
    return r;
  });
  router_.add("GET", "/stream", [](const std::shared_ptr<Exchange>& exchange, const PathParams&) {
    exchange->beginStream(200, {{"x-model", "a\nX-Injected: 1"}});
    exchange->write("data");
    exchange->endStream();
  });
  start();
  std::string reply = get(server_->port(), "/headers");
  std::string head = reply.substr(0, reply.find("\r\n\r\n"));
  ASSERT_EQ(reply.rfind("HTTP/1.1 200 ", 0), 0u) << reply;
  EXPECT_NE(head.find("\r\nx-turnpike-model: evilSet-Cookie: session=stolen<html>\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("\r\nSet-Cookie"), std::string::npos) << head;
  EXPECT_EQ(head.find("dropped"), std::string::npos) << head;
  EXPECT_EQ(head.find("Injected"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nx-tab: a\tb"), std::string::npos) << head;
  EXPECT_EQ(reply.substr(reply.find("\r\n\r\n") + 4), "ok");

  reply = get(server_->port(), "/stream");
  head = reply.substr(0, reply.find("\r\n\r\n"));
  EXPECT_NE(head.find("\r\nx-model: aX-Injected: 1\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("\r\nX-Injected"), std::string::npos) << head;
}

TEST_F(HttpServer, AThrowingCallbackClosesItsConnectionAndTheLoopGoesOn) {
  // The observer runs when an exchange ends, outside any handler's own try/catch: for a
  // blocking route that is a task posted to the loop.
  router_.addBlocking("GET", "/observer-throws", [](const Request&, const PathParams&) { return Response::text(200, "x"); });
  router_.add("GET", "/deferred-throws", [](const std::shared_ptr<Exchange>& exchange, const PathParams&) {
    exchange->loop().defer([] { throw std::runtime_error("deferred task bug"); });
    exchange->respond(Response::text(200, "fine"));
  });
  router_.addBlocking("GET", "/ok", [](const Request&, const PathParams&) { return Response::text(200, "ok"); });
  start([](const Exchange& e) {
    if (e.request().path == "/observer-throws") throw std::runtime_error("observer bug");
  });
  RawSocket s(server_->port());
  s.send("GET /observer-throws HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_TRUE(s.closedByPeer(std::chrono::seconds(5)));
  EXPECT_EQ(get(server_->port(), "/deferred-throws").rfind("HTTP/1.1 200 ", 0), 0u);
  std::string reply = get(server_->port(), "/ok");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 ", 0), 0u) << reply;
  EXPECT_EQ(server_->callbackFailures(), 2u);
  // The connection whose callback threw was released, not leaked.
  for (int i = 0; i < 500 && server_->connectionCount() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server_->connectionCount(), 0u);
}

}  // namespace
}  // namespace turnpike::http
